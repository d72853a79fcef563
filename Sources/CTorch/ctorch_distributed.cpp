// CTorch, distributed part: c10d from libtorch (TCPStore, ProcessGroupGloo, ProcessGroupNCCL where compiled in).
// Nothing here communicates by itself: every byte goes through c10d. Valid for libtorch 1.13 and 2.x.
#include "ctorch_distributed.h"
#include "ctorch_internal.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/version.h>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

// Gloo's headers come from Debian's libgloo-dev (or the libtorch tree); libtorch_cpu holds ProcessGroupGloo.
#if __has_include(<gloo/algorithm.h>)
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#define CTORCH_HAS_GLOO 1
#else
#define CTORCH_HAS_GLOO 0
#endif

// NCCL exists only in CUDA builds of libtorch (not Debian's); the C functions stay the same either way.
#if __has_include(<nccl.h>) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
#define USE_C10D_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define CTORCH_HAS_NCCL 1
#else
#define CTORCH_HAS_NCCL 0
#endif

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {
// libtorch 2.x moved the collectives from ProcessGroup to Backend; ProcessGroupGloo/NCCL derive from that.
#if TORCH_VERSION_MAJOR >= 2
using CollectiveBase = c10d::Backend;
#else
using CollectiveBase = c10d::ProcessGroup;
#endif
} // namespace

struct ct_store_s {
    c10::intrusive_ptr<c10d::Store> store;
    std::string host;
};

struct ct_process_group_s {
    c10::intrusive_ptr<CollectiveBase> group;
    int rank;
    int size;
    std::chrono::milliseconds timeout;
};

namespace {

#define CTD_BEGIN try {
#define CTD_END(fail)                                                                                              \
    }                                                                                                              \
    catch (const c10::Error &e) {                                                                                  \
        ctorch::report_error(e.what_without_backtrace());                                                          \
        return fail;                                                                                               \
    }                                                                                                              \
    catch (const std::exception &e) {                                                                              \
        ctorch::report_error(e.what());                                                                            \
        return fail;                                                                                               \
    }                                                                                                              \
    catch (...) {                                                                                                  \
        ctorch::report_error("unknown C++ exception");                                                             \
        return fail;                                                                                               \
    }

ct_store_s &S(ct_store s) {
    if (s == nullptr) throw std::invalid_argument("null store handle");
    return *s;
}

ct_process_group_s &G(ct_process_group g) {
    if (g == nullptr) throw std::invalid_argument("null process group handle");
    return *g;
}

bool is_loopback(const std::string &host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

#if CTORCH_HAS_GLOO
// The network device Gloo binds to: GLOO_SOCKET_IFNAME when set (as in PyTorch), loopback when the rendezvous is
// on this machine, else the address this host's name resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string &store_host) {
    if (const char *ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr && *ifname != '\0')
        return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
    if (is_loopback(store_host)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    return c10d::ProcessGroupGloo::createDefaultDevice();
}
#endif

// Waits for a collective, turning a timeout or a peer's failure into an exception with the operation's name.
void finish(const c10::intrusive_ptr<c10d::Work> &work, const ct_process_group_s &g, const char *what) {
    try {
        work->wait(g.timeout);
    } catch (const c10::Error &e) {
        throw std::runtime_error(std::string(what) + " failed on rank " + std::to_string(g.rank) + ": " +
                                 e.what_without_backtrace());
    } catch (const std::exception &e) {
        throw std::runtime_error(std::string(what) + " failed on rank " + std::to_string(g.rank) + ": " + e.what());
    }
}

// Consecutive tensors packed up to a byte budget; a bucket holds one dtype on one device.
struct Bucket {
    std::vector<at::Tensor> members;
    at::Tensor flat;
};

std::vector<Bucket> pack(const std::vector<at::Tensor> &ts, int64_t bucket_bytes) {
    std::vector<Bucket> buckets;
    int64_t used = 0;
    for (const auto &t : ts) {
        int64_t bytes = t.numel() * static_cast<int64_t>(t.element_size());
        bool fits = !buckets.empty() && used + bytes <= bucket_bytes &&
                    buckets.back().members.front().scalar_type() == t.scalar_type() &&
                    buckets.back().members.front().device() == t.device();
        if (!fits) {
            buckets.emplace_back();
            used = 0;
        }
        buckets.back().members.push_back(t);
        used += bytes;
    }
    for (auto &b : buckets) {
        std::vector<at::Tensor> flat;
        flat.reserve(b.members.size());
        for (const auto &m : b.members) flat.push_back(m.detach().reshape({-1}));
        b.flat = at::cat(flat).contiguous();
    }
    return buckets;
}

void unpack(std::vector<Bucket> &buckets) {
    for (auto &b : buckets) {
        int64_t offset = 0;
        for (auto &m : b.members) {
            m.detach().copy_(b.flat.narrow(0, offset, m.numel()).view(m.sizes()));
            offset += m.numel();
        }
    }
}

std::vector<at::Tensor> tensor_list(const ct_tensor *ts, int n) {
    std::vector<at::Tensor> v;
    v.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) v.push_back(ctorch::tensor_of(ts[i]));
    return v;
}

// Every rank must hand over the same layout; a cheap MIN/MAX reduce of (count, elements) proves it before the
// real buffers travel (mismatched sizes would otherwise fail deep inside the backend, or mix unrelated values).
void check_same_layout(ct_process_group_s &g, const std::vector<at::Tensor> &ts, const at::Device &device) {
    int64_t elements = 0;
    for (const auto &t : ts) elements += t.numel();
    at::Tensor hi = at::tensor({static_cast<int64_t>(ts.size()), elements}, at::kLong).to(device);
    at::Tensor lo = at::neg(hi);
    std::vector<at::Tensor> both{at::cat({hi, lo}).contiguous()};
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::MAX;
    o.timeout = g.timeout;
    finish(g.group->allreduce(both, o), g, "all-reduce layout check");
    at::Tensor r = both[0].cpu();
    auto p = r.data_ptr<int64_t>();
    if (p[0] != -p[2] || p[1] != -p[3])
        throw std::runtime_error("ranks disagree on the tensors to all-reduce (counts " + std::to_string(-p[2]) +
                                 ".." + std::to_string(p[0]) + ", elements " + std::to_string(-p[3]) + ".." +
                                 std::to_string(p[1]) + "): every rank must train the same model");
}

// The sum over ranks as an autograd function: the backward of a sum over ranks is the sum over ranks of the
// gradients (torch.distributed.nn.functional.all_reduce). The group travels as its address in saved_data.
struct AllReduceSumFunction : public torch::autograd::Function<AllReduceSumFunction> {
    static at::Tensor forward(torch::autograd::AutogradContext *ctx, const at::Tensor &x, int64_t group_address) {
        auto &g = *reinterpret_cast<ct_process_group_s *>(group_address);
        ctx->saved_data["group"] = group_address;
        std::vector<at::Tensor> one{x.detach().clone().contiguous()};
        c10d::AllreduceOptions o;
        o.timeout = g.timeout;
        finish(g.group->allreduce(one, o), g, "all-reduce (autograd)");
        return one[0];
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads) {
        auto &g = *reinterpret_cast<ct_process_group_s *>(ctx->saved_data["group"].toInt());
        std::vector<at::Tensor> one{grads[0].detach().clone().contiguous()};
        c10d::AllreduceOptions o;
        o.timeout = g.timeout;
        finish(g.group->allreduce(one, o), g, "all-reduce of gradients (autograd)");
        return {one[0], at::Tensor()};
    }
};

// The group whose batch statistics ct_batch_norm shares (ct_set_batch_norm_group), or null.
std::atomic<ct_process_group_s *> batch_norm_group{nullptr};

// Training-mode batch norm over every rank's batch (PyTorch's SyncBatchNorm): per-channel sums and element count
// summed over ranks, then the centred squares, both through AllReduceSumFunction so the backward carries every
// rank's loss; two passes, as the single-process kernel. Running statistics follow torch.nn.BatchNorm with the
// global count (unbiased variance).
at::Tensor synchronized_batch_norm(const at::Tensor &x, const c10::optional<at::Tensor> &weight,
                                   const c10::optional<at::Tensor> &bias, const c10::optional<at::Tensor> &running_mean,
                                   const c10::optional<at::Tensor> &running_var, double momentum, double eps) {
    ct_process_group_s *g = batch_norm_group.load();
    if (g == nullptr) throw std::runtime_error("synchronised batch norm without a process group");
    if (x.dim() < 2) throw std::invalid_argument("batch norm needs at least 2 dimensions (N×C…)");
    auto address = reinterpret_cast<int64_t>(g);
    int64_t channels = x.size(1);
    std::vector<int64_t> dims{0};
    for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
    std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
    shape[1] = channels;
    double local_count = static_cast<double>(x.numel() / std::max<int64_t>(channels, 1));
    at::Tensor sums = at::cat({x.sum(dims), at::full({1}, local_count, x.options())});
    at::Tensor total = AllReduceSumFunction::apply(sums, address);
    at::Tensor count = total.narrow(0, channels, 1).detach();
    at::Tensor mean = total.narrow(0, 0, channels) / count;
    at::Tensor centred = x - mean.view(shape);
    at::Tensor variance = AllReduceSumFunction::apply((centred * centred).sum(dims), address) / count;
    at::Tensor y = centred * at::rsqrt(variance + eps).view(shape);
    if (weight && weight->defined()) y = y * weight->view(shape);
    if (bias && bias->defined()) y = y + bias->view(shape);
    at::NoGradGuard no_grad;
    double n = count.item<double>();
    if (running_mean && running_mean->defined())
        running_mean->mul_(1 - momentum).add_(mean.detach().to(running_mean->scalar_type()) * momentum);
    if (running_var && running_var->defined() && n > 1)
        running_var->mul_(1 - momentum).add_(variance.detach().to(running_var->scalar_type()) * (n / (n - 1) * momentum));
    return y;
}

} // namespace

extern "C" {

int ct_backend_available(int backend) {
    if (backend == CT_BACKEND_GLOO) return CTORCH_HAS_GLOO;
    if (backend == CT_BACKEND_NCCL) return CTORCH_HAS_NCCL;
    return 0;
}

// ---- store ----
ct_store ct_store_tcp_new(const char *host, int port, int world_size, int is_server, int64_t timeout_ms,
                          const char *prefix) {
    CTD_BEGIN
    if (host == nullptr || *host == '\0') throw std::invalid_argument("store host is empty");
    if (port <= 0 || port > 65535) throw std::invalid_argument("store port " + std::to_string(port) + " out of range");
    if (world_size < 1) throw std::invalid_argument("world size must be at least 1");
    c10d::TCPStoreOptions o;
    o.port = static_cast<std::uint16_t>(port);
    o.isServer = is_server != 0;
    o.numWorkers = static_cast<std::size_t>(world_size);
    // No waiting for the clients here: creating the process group is the rendezvous (it waits for every rank's
    // address in the store, bounded by the group's timeout). libtorch 1.13's waitForWorkers also stalls for the
    // whole timeout when the ranks share one process.
    o.waitWorkers = false;
    o.timeout = std::chrono::milliseconds(timeout_ms);
    c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(std::string(host), o);
    if (prefix != nullptr && *prefix != '\0') store = c10::make_intrusive<c10d::PrefixStore>(prefix, store);
    return new ct_store_s{store, std::string(host)};
    CTD_END(nullptr)
}

int ct_store_set(ct_store s, const char *key, const uint8_t *value, int64_t n) {
    CTD_BEGIN
    S(s).store->set(key, std::vector<uint8_t>(value, value + n));
    return 0;
    CTD_END(-1)
}

int64_t ct_store_get(ct_store s, const char *key, uint8_t *out, int64_t cap) {
    CTD_BEGIN
    std::vector<uint8_t> v = S(s).store->get(key);
    int64_t n = static_cast<int64_t>(v.size());
    if (out != nullptr && cap > 0 && n > 0) std::memcpy(out, v.data(), static_cast<size_t>(std::min(n, cap)));
    return n;
    CTD_END(-1)
}

int64_t ct_store_add(ct_store s, const char *key, int64_t delta) {
    CTD_BEGIN
    return S(s).store->add(key, delta);
    CTD_END(-1)
}

void ct_store_free(ct_store s) { delete s; }

// ---- process group ----
ct_process_group ct_process_group_new(ct_store store, int backend, int rank, int world_size, int64_t timeout_ms) {
    CTD_BEGIN
    if (world_size < 1 || rank < 0 || rank >= world_size)
        throw std::invalid_argument("rank " + std::to_string(rank) + " outside world size " + std::to_string(world_size));
    auto timeout = std::chrono::milliseconds(timeout_ms);
    auto &st = S(store);
    c10::intrusive_ptr<CollectiveBase> group;
    if (backend == CT_BACKEND_GLOO) {
#if CTORCH_HAS_GLOO
        auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
        opts->devices.push_back(gloo_device(st.host));
        group = c10::make_intrusive<c10d::ProcessGroupGloo>(st.store, rank, world_size, opts);
#else
        throw std::runtime_error("the Gloo backend is not available: this shim was built without Gloo's headers");
#endif
    } else if (backend == CT_BACKEND_NCCL) {
#if CTORCH_HAS_NCCL
        auto opts = c10d::ProcessGroupNCCL::Options::create();
        opts->timeout = timeout;
        group = c10::make_intrusive<c10d::ProcessGroupNCCL>(st.store, rank, world_size, opts);
#else
        throw std::runtime_error("the NCCL backend is not available: this libtorch is not a CUDA build with NCCL");
#endif
    } else {
        throw std::invalid_argument("unknown backend code " + std::to_string(backend));
    }
    return new ct_process_group_s{group, rank, world_size, timeout};
    CTD_END(nullptr)
}

int ct_process_group_rank(ct_process_group pg) { CTD_BEGIN return G(pg).rank; CTD_END(-1) }
int ct_process_group_size(ct_process_group pg) { CTD_BEGIN return G(pg).size; CTD_END(-1) }

int ct_allreduce_sum(ct_process_group pg, const ct_tensor *tensors, int n, int64_t bucket_bytes, double scale) {
    CTD_BEGIN
    auto &g = G(pg);
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> ts = tensor_list(tensors, n);
    at::Device device = ts.empty() ? at::Device(at::kCPU) : ts.front().device();
    check_same_layout(g, ts, device);
    if (ts.empty()) return 0;
    auto buckets = pack(ts, bucket_bytes);
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    c10d::AllreduceOptions o;
    o.timeout = g.timeout;
    for (auto &b : buckets) {
        std::vector<at::Tensor> one{b.flat};
        works.push_back(g.group->allreduce(one, o));
    }
    for (size_t i = 0; i < works.size(); ++i) {
        finish(works[i], g, "all-reduce");
        if (scale != 1.0) buckets[i].flat.mul_(scale);
    }
    unpack(buckets);
    return 0;
    CTD_END(-1)
}

int ct_broadcast(ct_process_group pg, const ct_tensor *tensors, int n, int root, int64_t bucket_bytes) {
    CTD_BEGIN
    auto &g = G(pg);
    if (root < 0 || root >= g.size) throw std::invalid_argument("broadcast root " + std::to_string(root) + " outside the group");
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> ts = tensor_list(tensors, n);
    at::Device device = ts.empty() ? at::Device(at::kCPU) : ts.front().device();
    check_same_layout(g, ts, device);
    if (ts.empty()) return 0;
    auto buckets = pack(ts, bucket_bytes);
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    c10d::BroadcastOptions o;
    o.rootRank = root;
    o.timeout = g.timeout;
    for (auto &b : buckets) {
        std::vector<at::Tensor> one{b.flat};
        works.push_back(g.group->broadcast(one, o));
    }
    for (auto &w : works) finish(w, g, "broadcast");
    unpack(buckets);
    return 0;
    CTD_END(-1)
}

ct_tensor ct_allreduce_sum_autograd(ct_process_group pg, ct_tensor t) {
    CTD_BEGIN
    auto &g = G(pg);
    at::Tensor r = AllReduceSumFunction::apply(ctorch::tensor_of(t), reinterpret_cast<int64_t>(&g));
    return new ct_tensor_s{std::move(r)};
    CTD_END(nullptr)
}

int ct_set_batch_norm_group(ct_process_group pg) {
    CTD_BEGIN
    batch_norm_group.store(pg);
    ctorch::batch_norm_override.store(pg != nullptr ? &synchronized_batch_norm : nullptr);
    return 0;
    CTD_END(-1)
}

int ct_barrier(ct_process_group pg) {
    CTD_BEGIN
    auto &g = G(pg);
    c10d::BarrierOptions o;
    o.timeout = g.timeout;
    finish(g.group->barrier(o), g, "barrier");
    return 0;
    CTD_END(-1)
}

void ct_process_group_free(ct_process_group pg) {
    ct_process_group_s *expected = pg;
    if (batch_norm_group.compare_exchange_strong(expected, nullptr)) ctorch::batch_norm_override.store(nullptr);
    delete pg;
}

} // extern "C"
