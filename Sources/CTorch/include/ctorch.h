// CTorch: a C ABI over libtorch (ATen + autograd). No torch type crosses this boundary.
//
// Rules (see shared/DESIGN.md §3):
// - Tensors are opaque handles owned by the caller; free each with ct_free exactly once.
// - Every function catches C++ exceptions. On failure a tensor-returning function returns NULL, an int-returning
//   one returns a negative value, and the message is kept in a thread-local slot read by ct_last_error().
// - Integer lists are passed as (pointer, count). Optional tensors are NULL.
#ifndef CTORCH_H
#define CTORCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_tensor_s *ct_tensor;
typedef struct ct_guard_s *ct_guard;

// Element types (our own numbering, stable across libtorch versions).
enum ct_dtype {
    CT_F32 = 0, CT_F64 = 1, CT_F16 = 2, CT_BF16 = 3,
    CT_I64 = 4, CT_I32 = 5, CT_I16 = 6, CT_I8 = 7, CT_U8 = 8, CT_BOOL = 9
};

// Devices: -1 is the CPU, i >= 0 is cuda:i.
#define CT_CPU (-1)

// ---- errors ----
/// The message of the last failure on this thread, or NULL. Valid until the next shim call on this thread.
const char *ct_last_error(void);
void ct_clear_error(void);

// ---- lifetime and metadata ----
void ct_free(ct_tensor t);
/// A new handle sharing storage and autograd history (like `b = a` in Python).
ct_tensor ct_alias(ct_tensor t);
/// A handle holding no tensor: what a failed operation yields inside a withTorchErrors scope.
ct_tensor ct_undefined(void);
int ct_is_defined(ct_tensor t);
int ct_dim(ct_tensor t);
/// Writes up to `cap` sizes; returns the number of dimensions or -1.
int ct_sizes(ct_tensor t, int64_t *out, int cap);
int ct_strides(ct_tensor t, int64_t *out, int cap);
int64_t ct_numel(ct_tensor t);
int ct_dtype(ct_tensor t);
int ct_device(ct_tensor t);
int ct_is_contiguous(ct_tensor t);
/// Copies the elements (converted to `dtype`, on the CPU, C order) into `out` of `nbytes`. Returns 0 or -1.
int ct_copy_to_host(ct_tensor t, int dtype, void *out, size_t nbytes);
/// The value of a one-element tensor as double; sets an error otherwise.
double ct_item(ct_tensor t);

// ---- creation ----
ct_tensor ct_from_host(const void *data, int dtype, const int64_t *shape, int ndim, int device);
ct_tensor ct_zeros(const int64_t *shape, int ndim, int dtype, int device);
ct_tensor ct_ones(const int64_t *shape, int ndim, int dtype, int device);
ct_tensor ct_full(const int64_t *shape, int ndim, double value, int dtype, int device);
ct_tensor ct_arange(double start, double end, double step, int dtype, int device);
ct_tensor ct_linspace(double start, double end, int64_t steps, int dtype, int device);
ct_tensor ct_eye(int64_t n, int dtype, int device);
ct_tensor ct_randn(const int64_t *shape, int ndim, int dtype, int device);
ct_tensor ct_rand(const int64_t *shape, int ndim, int dtype, int device);
ct_tensor ct_randint(int64_t low, int64_t high, const int64_t *shape, int ndim, int device);
ct_tensor ct_randperm(int64_t n, int device);
ct_tensor ct_zeros_like(ct_tensor t);
ct_tensor ct_ones_like(ct_tensor t);
ct_tensor ct_randn_like(ct_tensor t);

// ---- conversion ----
ct_tensor ct_to(ct_tensor t, int dtype, int device);
ct_tensor ct_contiguous(ct_tensor t);
ct_tensor ct_clone(ct_tensor t);

// ---- elementwise ----
enum ct_unary_op {
    CT_NEG, CT_ABS, CT_EXP, CT_LOG, CT_SQRT, CT_RSQRT, CT_SIN, CT_COS, CT_TANH, CT_SIGMOID, CT_RELU,
    CT_GELU, CT_SILU, CT_FLOOR, CT_CEIL, CT_ROUND, CT_SIGN, CT_RECIPROCAL, CT_SQUARE, CT_ERF, CT_LOG1P,
    CT_EXPM1, CT_SOFTPLUS, CT_LOGICAL_NOT, CT_ISNAN, CT_ISFINITE, CT_LOG2, CT_TRUNC
};
enum ct_binary_op {
    CT_ADD, CT_SUB, CT_MUL, CT_DIV, CT_POW, CT_MAXIMUM, CT_MINIMUM, CT_EQ, CT_NE, CT_LT, CT_LE, CT_GT, CT_GE,
    CT_ATAN2, CT_LOGICAL_AND, CT_LOGICAL_OR, CT_REMAINDER, CT_FLOOR_DIVIDE
};
ct_tensor ct_unary(int op, ct_tensor a);
ct_tensor ct_binary(int op, ct_tensor a, ct_tensor b);
/// `a op s` with a scalar on the right; `ct_rbinary_scalar` is `s op a`.
ct_tensor ct_binary_scalar(int op, ct_tensor a, double s);
ct_tensor ct_rbinary_scalar(int op, double s, ct_tensor a);
ct_tensor ct_leaky_relu(ct_tensor a, double slope);
ct_tensor ct_prelu(ct_tensor a, ct_tensor weight);
/// Clamp with optional bounds (has_min / has_max select which apply).
ct_tensor ct_clamp(ct_tensor a, int has_min, double min, int has_max, double max);
ct_tensor ct_where(ct_tensor cond, ct_tensor a, ct_tensor b);
ct_tensor ct_masked_fill(ct_tensor a, ct_tensor mask, double value);
ct_tensor ct_lerp(ct_tensor a, ct_tensor b, double weight);

// ---- reductions ----
enum ct_reduce_op { CT_SUM, CT_MEAN, CT_AMAX, CT_AMIN, CT_PROD, CT_VAR, CT_STD, CT_LOGSUMEXP, CT_NORM2, CT_ANY, CT_ALL };
/// Reduce over `dims` (all dimensions when ndims == 0). VAR/STD use the unbiased estimator when `unbiased`.
ct_tensor ct_reduce(int op, ct_tensor a, const int64_t *dims, int ndims, int keepdim, int unbiased);
ct_tensor ct_argmax(ct_tensor a, int64_t dim, int keepdim);
ct_tensor ct_argmin(ct_tensor a, int64_t dim, int keepdim);
ct_tensor ct_cumsum(ct_tensor a, int64_t dim);
/// Top-k along `dim`; writes values and indices.
int ct_topk(ct_tensor a, int64_t k, int64_t dim, int largest, int sorted, ct_tensor *values, ct_tensor *indices);
int ct_sort(ct_tensor a, int64_t dim, int descending, ct_tensor *values, ct_tensor *indices);
ct_tensor ct_softmax(ct_tensor a, int64_t dim);
ct_tensor ct_log_softmax(ct_tensor a, int64_t dim);

// ---- linear algebra ----
ct_tensor ct_matmul(ct_tensor a, ct_tensor b);
ct_tensor ct_bmm(ct_tensor a, ct_tensor b);
ct_tensor ct_linear(ct_tensor x, ct_tensor w, ct_tensor b);
/// Symmetric eigendecomposition (ascending eigenvalues).
int ct_linalg_eigh(ct_tensor a, ct_tensor *values, ct_tensor *vectors);
ct_tensor ct_linalg_eigvals_real(ct_tensor a);
ct_tensor ct_linalg_svdvals(ct_tensor a);

// ---- convolution, pooling, resampling ----
ct_tensor ct_conv2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride, const int64_t *padding,
                    const int64_t *dilation, int64_t groups);
ct_tensor ct_conv_transpose2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride,
                              const int64_t *padding, const int64_t *output_padding, int64_t groups,
                              const int64_t *dilation);
ct_tensor ct_avg_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                        int ceil_mode, int count_include_pad);
ct_tensor ct_max_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                        const int64_t *dilation, int ceil_mode);
ct_tensor ct_adaptive_avg_pool2d(ct_tensor x, const int64_t *output_size);
ct_tensor ct_adaptive_max_pool2d(ct_tensor x, const int64_t *output_size);
enum ct_interp_mode { CT_NEAREST = 0, CT_BILINEAR = 1, CT_BICUBIC = 2, CT_AREA = 3 };
/// Resize NCHW to (h, w). `antialias` applies to bilinear/bicubic down-scaling.
ct_tensor ct_interpolate(ct_tensor x, int64_t h, int64_t w, int mode, int align_corners, int antialias);
enum ct_pad_mode { CT_PAD_CONSTANT = 0, CT_PAD_REFLECT = 1, CT_PAD_REPLICATE = 2 };
/// `pad` as in torch.nn.functional.pad: (left, right, top, bottom, …) from the last dimension backwards.
ct_tensor ct_pad(ct_tensor x, const int64_t *pad, int npad, int mode, double value);
ct_tensor ct_affine_grid(ct_tensor theta, const int64_t *size, int nsize, int align_corners);
/// mode: 0 bilinear, 1 nearest, 2 bicubic; padding: 0 zeros, 1 border, 2 reflection.
ct_tensor ct_grid_sample(ct_tensor x, ct_tensor grid, int mode, int padding_mode, int align_corners);

// ---- shape and indexing ----
ct_tensor ct_reshape(ct_tensor a, const int64_t *shape, int ndim);
ct_tensor ct_view(ct_tensor a, const int64_t *shape, int ndim);
ct_tensor ct_permute(ct_tensor a, const int64_t *dims, int ndim);
ct_tensor ct_transpose(ct_tensor a, int64_t d0, int64_t d1);
ct_tensor ct_expand(ct_tensor a, const int64_t *shape, int ndim);
ct_tensor ct_repeat(ct_tensor a, const int64_t *repeats, int ndim);
ct_tensor ct_narrow(ct_tensor a, int64_t dim, int64_t start, int64_t length);
ct_tensor ct_select(ct_tensor a, int64_t dim, int64_t index);
ct_tensor ct_slice(ct_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step);
ct_tensor ct_squeeze(ct_tensor a, int64_t dim);
ct_tensor ct_unsqueeze(ct_tensor a, int64_t dim);
ct_tensor ct_flip(ct_tensor a, const int64_t *dims, int ndim);
ct_tensor ct_roll(ct_tensor a, int64_t shift, int64_t dim);
/* Sliding windows of `size` with `step` along `dim`, as a new last dimension (a view, Tensor.unfold). */
ct_tensor ct_unfold(ct_tensor a, int64_t dim, int64_t size, int64_t step);
ct_tensor ct_cat(const ct_tensor *ts, int n, int64_t dim);
ct_tensor ct_stack(const ct_tensor *ts, int n, int64_t dim);
ct_tensor ct_index_select(ct_tensor a, int64_t dim, ct_tensor index);
ct_tensor ct_gather(ct_tensor a, int64_t dim, ct_tensor index);
ct_tensor ct_scatter(ct_tensor a, int64_t dim, ct_tensor index, ct_tensor src);
ct_tensor ct_masked_select(ct_tensor a, ct_tensor mask);
ct_tensor ct_nonzero(ct_tensor a);
ct_tensor ct_tril(ct_tensor a, int64_t diagonal);
ct_tensor ct_triu(ct_tensor a, int64_t diagonal);

// ---- normalisation and misc nn ----
ct_tensor ct_batch_norm(ct_tensor x, ct_tensor weight, ct_tensor bias, ct_tensor running_mean,
                        ct_tensor running_var, int training, double momentum, double eps);
ct_tensor ct_group_norm(ct_tensor x, int64_t groups, ct_tensor weight, ct_tensor bias, double eps);
ct_tensor ct_layer_norm(ct_tensor x, const int64_t *normalized_shape, int n, ct_tensor weight, ct_tensor bias,
                        double eps);
ct_tensor ct_instance_norm(ct_tensor x, ct_tensor weight, ct_tensor bias, double eps);
ct_tensor ct_dropout(ct_tensor x, double p, int train);
ct_tensor ct_one_hot(ct_tensor indices, int64_t classes);

// ---- in-place (optimisers, initialisers); all return 0 or -1 ----
int ct_copy_(ct_tensor dst, ct_tensor src);
int ct_zero_(ct_tensor t);
int ct_fill_(ct_tensor t, double value);
/// t op= other * alpha (op CT_ADD/CT_SUB use alpha; CT_MUL/CT_DIV ignore it).
int ct_binary_(int op, ct_tensor t, ct_tensor other, double alpha);
int ct_binary_scalar_(int op, ct_tensor t, double s);
int ct_addcmul_(ct_tensor t, ct_tensor a, ct_tensor b, double value);
int ct_addcdiv_(ct_tensor t, ct_tensor a, ct_tensor b, double value);
int ct_lerp_(ct_tensor t, ct_tensor end, double weight);
int ct_uniform_(ct_tensor t, double low, double high);
int ct_normal_(ct_tensor t, double mean, double std);
int ct_clamp_(ct_tensor t, int has_min, double min, int has_max, double max);

// ---- autograd ----
int ct_requires_grad(ct_tensor t);
int ct_set_requires_grad(ct_tensor t, int flag);
/// The accumulated gradient, or NULL without an error when there is none.
ct_tensor ct_grad(ct_tensor t);
/// Drops the accumulated gradient (sets it undefined).
int ct_zero_grad(ct_tensor t);
ct_tensor ct_detach(ct_tensor t);
/// Backpropagates from `t` (a scalar unless `grad_output` is given).
int ct_backward(ct_tensor t, ct_tensor grad_output, int retain_graph, int create_graph);
/// torch.autograd.grad: gradients of `outputs` w.r.t. `inputs` written to `results` (NULL where unused and
/// `allow_unused`). `grad_outputs` may be NULL (ones for scalars) or hold n_out entries (each may be NULL).
int ct_autograd_grad(const ct_tensor *outputs, int n_out, const ct_tensor *grad_outputs, const ct_tensor *inputs,
                     int n_in, int retain_graph, int create_graph, int allow_unused, ct_tensor *results);
int ct_is_grad_enabled(void);
/// Sets grad mode on this thread and returns the previous mode.
int ct_set_grad_enabled(int enabled);
/// Enters inference mode on this thread; leave with ct_guard_free on the same thread, in LIFO order.
ct_guard ct_inference_mode_enter(void);
void ct_guard_free(ct_guard g);

// ---- runtime ----
void ct_manual_seed(uint64_t seed);
/// The state of the default CPU generator, as bytes (for exact resume). Returns the byte count or -1;
/// with out == NULL only the count.
int64_t ct_cpu_rng_state(uint8_t *out, int64_t cap);
int ct_set_cpu_rng_state(const uint8_t *state, int64_t n);
/// Sets libtorch's intra-op threads and, where the linked BLAS is OpenBLAS, its pool too.
void ct_set_num_threads(int n);
int ct_get_num_threads(void);
/// OpenBLAS's thread count, or -1 where libtorch links another BLAS.
int ct_blas_num_threads(void);
int ct_cuda_is_available(void);
int ct_cuda_device_count(void);
int ct_cuda_synchronize(int device);
/// TF32 (10-bit mantissa) for CUDA fp32 convolutions (cuDNN) and matrix products (cuBLAS): 1 allows, 0 keeps
/// full fp32. libtorch's own default allows it for convolutions. No effect on the CPU.
int ct_set_allow_tf32(int enabled);
int ct_allow_tf32(void);
/// "1.13.1"-style version string of the libtorch this was built against.
const char *ct_version(void);
/// glibc's malloc tuning (`mallopt`, declared in malloc.h, which Swift's Glibc module does not expose), for the
/// memory libtorch's CPU allocator takes from malloc. Returns 1 when set, 0 when refused or on another C library.
enum { CT_MALLOC_TRIM_THRESHOLD = 0, CT_MALLOC_TOP_PAD = 1, CT_MALLOC_MMAP_THRESHOLD = 2 };
int ct_mallopt(int parameter, int value);

// ---- benchmark support: the same tiny-op loop run entirely in C++ (ns per op) ----
double ct_bench_add_loop(ct_tensor a, ct_tensor b, int64_t iterations);

#ifdef __cplusplus
}
#endif
#endif
