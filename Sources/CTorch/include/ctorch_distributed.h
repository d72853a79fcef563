// CTorch, distributed part: PyTorch's c10d (TCPStore rendezvous, Gloo and NCCL process groups) behind the same
// C ABI rules as ctorch.h — opaque handles, every call catches C++ exceptions, failures return NULL or a negative
// value with the message in ct_last_error().
#ifndef CTORCH_DISTRIBUTED_H
#define CTORCH_DISTRIBUTED_H

#include "ctorch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_store_s *ct_store;
typedef struct ct_process_group_s *ct_process_group;

// Collective backends: Gloo (CPU tensors), NCCL (CUDA tensors; only in a libtorch built with it).
enum ct_backend { CT_BACKEND_GLOO = 0, CT_BACKEND_NCCL = 1 };

/// 1 when this build of the shim can create process groups of `backend`, else 0.
int ct_backend_available(int backend);

// ---- key-value store (rendezvous) ----
/// A TCPStore at host:port for world_size processes. The process with is_server != 0 hosts it; the others
/// connect, retrying until timeout_ms. Nobody waits for the others here (creating the process group does).
/// timeout_ms also bounds every later get. With a non-empty `prefix` every key is prefixed (c10d's PrefixStore),
/// so that several users can share one store.
ct_store ct_store_tcp_new(const char *host, int port, int world_size, int is_server, int64_t timeout_ms,
                          const char *prefix);
int ct_store_set(ct_store s, const char *key, const uint8_t *value, int64_t n);
/// Waits (up to the store's timeout) for `key`, copies at most `cap` bytes of its value into `out` and returns
/// the value's full length (call again with a larger buffer when it exceeds `cap`).
int64_t ct_store_get(ct_store s, const char *key, uint8_t *out, int64_t cap);
/// Adds `delta` to the integer counter at `key` (created at 0) and returns the new value.
int64_t ct_store_add(ct_store s, const char *key, int64_t delta);
void ct_store_free(ct_store s);

// ---- process group ----
/// Joins the group of `world_size` processes rendezvousing through `store` as `rank`. `timeout_ms` bounds every
/// collective: a rank that stops answering makes the others fail with an error instead of waiting for ever.
ct_process_group ct_process_group_new(ct_store store, int backend, int rank, int world_size, int64_t timeout_ms);
int ct_process_group_rank(ct_process_group pg);
int ct_process_group_size(ct_process_group pg);
/// In place on every rank: each tensor becomes (sum over ranks) × scale. Tensors are packed in order into flat
/// buckets of at most bucket_bytes (a larger tensor gets a bucket of its own); all buckets are reduced
/// asynchronously, then waited for. Every rank must pass tensors of the same shapes in the same order: a first
/// small collective checks that and fails with a message instead of mixing mismatched buffers.
int ct_allreduce_sum(ct_process_group pg, const ct_tensor *tensors, int n, int64_t bucket_bytes, double scale);
/// In place: every rank's tensors take `root`'s values (packed into buckets like ct_allreduce_sum). Tensors that
/// require grad are written without recording autograd history.
int ct_broadcast(ct_process_group pg, const ct_tensor *tensors, int n, int root, int64_t bucket_bytes);
/// A new tensor: the sum over ranks of `t`, differentiable — backward all-reduces the incoming gradient (so each
/// rank's input receives the gradient of the sum of every rank's loss). For statistics shared across ranks
/// (synchronised batch norm). The group must outlive the backward pass.
ct_tensor ct_allreduce_sum_autograd(ct_process_group pg, ct_tensor t);
/// Makes batch norm in training mode (ct_batch_norm with training != 0, while gradients are recorded) use
/// statistics over every rank's batch in `pg`, as PyTorch's SyncBatchNorm; NULL turns it off. Process-wide: every
/// rank must then run the same batch norms in the same order. Inference and no-grad code keep local statistics.
int ct_set_batch_norm_group(ct_process_group pg);
/// Returns when every rank has reached the barrier (or fails after the group's timeout).
int ct_barrier(ct_process_group pg);
/// Leaves the group. Call only when every rank is healthy: a group whose peer died is left to process exit.
void ct_process_group_free(ct_process_group pg);

#ifdef __cplusplus
}
#endif
#endif
