// CTorch: the C ABI over libtorch. With ctorch_distributed.cpp (c10d), the only files that include torch headers.
// Every entry point catches C++ exceptions into a thread-local message (the tch-rs pattern), because a C++
// exception crossing into Swift would terminate the process. Valid for libtorch 1.13 and 2.x.
#include "ctorch.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/GradMode.h>  // c10::GradMode: at::GradMode is gone in libtorch 2.x, c10's exists in 1.13 too
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <chrono>
#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "ctorch_internal.hpp"
struct ct_guard_s {
    c10::InferenceMode mode;
};

namespace {

thread_local std::string last_error;
thread_local bool has_error = false;

void set_error(const char *message) {
    last_error = message;
    has_error = true;
}

ct_tensor wrap(at::Tensor t) { return new ct_tensor_s{std::move(t)}; }

// Fetches the tensor behind a handle; an undefined one means an earlier operation failed (or a NULL was passed).
const at::Tensor &T(ct_tensor h) {
    if (h == nullptr) throw std::invalid_argument("null tensor handle");
    if (!h->t.defined()) throw std::invalid_argument("undefined tensor (an earlier operation failed)");
    return h->t;
}

c10::optional<at::Tensor> opt(ct_tensor h) {
    if (h == nullptr) return c10::nullopt;
    return T(h);
}

at::ScalarType scalar_type(int dtype) {
    switch (dtype) {
    case CT_F32: return at::kFloat;
    case CT_F64: return at::kDouble;
    case CT_F16: return at::kHalf;
    case CT_BF16: return at::kBFloat16;
    case CT_I64: return at::kLong;
    case CT_I32: return at::kInt;
    case CT_I16: return at::kShort;
    case CT_I8: return at::kChar;
    case CT_U8: return at::kByte;
    case CT_BOOL: return at::kBool;
    }
    throw std::invalid_argument("unknown dtype code " + std::to_string(dtype));
}

int dtype_code(at::ScalarType s) {
    switch (s) {
    case at::kFloat: return CT_F32;
    case at::kDouble: return CT_F64;
    case at::kHalf: return CT_F16;
    case at::kBFloat16: return CT_BF16;
    case at::kLong: return CT_I64;
    case at::kInt: return CT_I32;
    case at::kShort: return CT_I16;
    case at::kChar: return CT_I8;
    case at::kByte: return CT_U8;
    case at::kBool: return CT_BOOL;
    default: throw std::invalid_argument(std::string("unsupported dtype ") + c10::toString(s));
    }
}

at::Device device_of(int device) {
    if (device < 0) return at::Device(at::kCPU);
    return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(device));
}

at::TensorOptions options(int dtype, int device) {
    return at::TensorOptions().dtype(scalar_type(dtype)).device(device_of(device));
}

at::IntArrayRef ints(const int64_t *p, int n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }

std::vector<at::Tensor> tensors(const ct_tensor *ts, int n) {
    std::vector<at::Tensor> v;
    v.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) v.push_back(T(ts[i]));
    return v;
}

std::vector<int64_t> all_dims(const at::Tensor &a) {
    std::vector<int64_t> d(static_cast<size_t>(a.dim()));
    for (int64_t i = 0; i < a.dim(); ++i) d[static_cast<size_t>(i)] = i;
    return d;
}

// Applies a single-dimension reduction over several dimensions, highest first so indices stay valid.
template <typename F> at::Tensor reduce_each(at::Tensor a, std::vector<int64_t> dims, bool keepdim, F f) {
    for (auto &d : dims)
        if (d < 0) d += a.dim();
    std::sort(dims.rbegin(), dims.rend());
    for (int64_t d : dims) a = f(a, d, keepdim);
    return a;
}

} // namespace

#define CT_BEGIN try {
#define CT_END(fail)                                                                                               \
    }                                                                                                              \
    catch (const c10::Error &e) {                                                                                  \
        set_error(e.what_without_backtrace());                                                                     \
        return fail;                                                                                               \
    }                                                                                                              \
    catch (const std::exception &e) {                                                                              \
        set_error(e.what());                                                                                       \
        return fail;                                                                                               \
    }                                                                                                              \
    catch (...) {                                                                                                  \
        set_error("unknown C++ exception");                                                                        \
        return fail;                                                                                               \
    }
// A tensor-returning body.
#define CT_TENSOR(expr) CT_BEGIN return wrap(expr); CT_END(nullptr)
// A status-returning body.
#define CT_STATUS(stmt) CT_BEGIN stmt; return 0; CT_END(-1)

extern "C" {

// ---- errors ----
const char *ct_last_error(void) { return has_error ? last_error.c_str() : nullptr; }
void ct_clear_error(void) {
    has_error = false;
    last_error.clear();
}

// ---- lifetime and metadata ----
void ct_free(ct_tensor t) { delete t; }
ct_tensor ct_undefined(void) { return new ct_tensor_s{at::Tensor()}; }
ct_tensor ct_alias(ct_tensor t) { CT_TENSOR(T(t)) }
int ct_is_defined(ct_tensor t) { return t != nullptr && t->t.defined() ? 1 : 0; }
int ct_dim(ct_tensor t) { CT_BEGIN return static_cast<int>(T(t).dim()); CT_END(-1) }
int ct_sizes(ct_tensor t, int64_t *out, int cap) {
    CT_BEGIN
    auto s = T(t).sizes();
    for (size_t i = 0; i < s.size() && i < static_cast<size_t>(cap); ++i) out[i] = s[i];
    return static_cast<int>(s.size());
    CT_END(-1)
}
int ct_strides(ct_tensor t, int64_t *out, int cap) {
    CT_BEGIN
    auto s = T(t).strides();
    for (size_t i = 0; i < s.size() && i < static_cast<size_t>(cap); ++i) out[i] = s[i];
    return static_cast<int>(s.size());
    CT_END(-1)
}
int64_t ct_numel(ct_tensor t) { CT_BEGIN return T(t).numel(); CT_END(-1) }
int ct_dtype(ct_tensor t) { CT_BEGIN return dtype_code(T(t).scalar_type()); CT_END(-1) }
int ct_device(ct_tensor t) {
    CT_BEGIN
    auto d = T(t).device();
    return d.is_cpu() ? CT_CPU : static_cast<int>(d.index());
    CT_END(-2)
}
int ct_is_contiguous(ct_tensor t) { CT_BEGIN return T(t).is_contiguous() ? 1 : 0; CT_END(-1) }
int ct_copy_to_host(ct_tensor t, int dtype, void *out, size_t nbytes) {
    CT_BEGIN
    at::Tensor c = T(t).detach().to(at::kCPU, scalar_type(dtype)).contiguous();
    size_t need = static_cast<size_t>(c.numel()) * c.element_size();
    if (need != nbytes)
        throw std::invalid_argument("copy_to_host: buffer of " + std::to_string(nbytes) + " bytes, tensor needs " +
                                    std::to_string(need));
    if (need > 0) std::memcpy(out, c.data_ptr(), need);
    return 0;
    CT_END(-1)
}
double ct_item(ct_tensor t) { CT_BEGIN return T(t).item<double>(); CT_END(0.0) }

// ---- creation ----
ct_tensor ct_from_host(const void *data, int dtype, const int64_t *shape, int ndim, int device) {
    CT_BEGIN
    auto opts = at::TensorOptions().dtype(scalar_type(dtype));
    at::Tensor t = at::empty(ints(shape, ndim), opts);
    size_t n = static_cast<size_t>(t.numel()) * t.element_size();
    if (n > 0) std::memcpy(t.data_ptr(), data, n);
    return wrap(device < 0 ? t : t.to(device_of(device)));
    CT_END(nullptr)
}
ct_tensor ct_zeros(const int64_t *shape, int ndim, int dtype, int device) {
    CT_TENSOR(at::zeros(ints(shape, ndim), options(dtype, device)))
}
ct_tensor ct_ones(const int64_t *shape, int ndim, int dtype, int device) {
    CT_TENSOR(at::ones(ints(shape, ndim), options(dtype, device)))
}
ct_tensor ct_full(const int64_t *shape, int ndim, double value, int dtype, int device) {
    CT_TENSOR(at::full(ints(shape, ndim), value, options(dtype, device)))
}
ct_tensor ct_arange(double start, double end, double step, int dtype, int device) {
    CT_TENSOR(at::arange(start, end, step, options(dtype, device)))
}
ct_tensor ct_linspace(double start, double end, int64_t steps, int dtype, int device) {
    CT_TENSOR(at::linspace(start, end, steps, options(dtype, device)))
}
ct_tensor ct_eye(int64_t n, int dtype, int device) { CT_TENSOR(at::eye(n, options(dtype, device))) }
ct_tensor ct_randn(const int64_t *shape, int ndim, int dtype, int device) {
    CT_TENSOR(at::randn(ints(shape, ndim), options(dtype, device)))
}
ct_tensor ct_rand(const int64_t *shape, int ndim, int dtype, int device) {
    CT_TENSOR(at::rand(ints(shape, ndim), options(dtype, device)))
}
ct_tensor ct_randint(int64_t low, int64_t high, const int64_t *shape, int ndim, int device) {
    CT_TENSOR(at::randint(low, high, ints(shape, ndim), options(CT_I64, device)))
}
ct_tensor ct_randperm(int64_t n, int device) { CT_TENSOR(at::randperm(n, options(CT_I64, device))) }
ct_tensor ct_zeros_like(ct_tensor t) { CT_TENSOR(at::zeros_like(T(t))) }
ct_tensor ct_ones_like(ct_tensor t) { CT_TENSOR(at::ones_like(T(t))) }
ct_tensor ct_randn_like(ct_tensor t) { CT_TENSOR(at::randn_like(T(t))) }

// ---- conversion ----
ct_tensor ct_to(ct_tensor t, int dtype, int device) { CT_TENSOR(T(t).to(device_of(device), scalar_type(dtype))) }
ct_tensor ct_contiguous(ct_tensor t) { CT_TENSOR(T(t).contiguous()) }
ct_tensor ct_clone(ct_tensor t) { CT_TENSOR(T(t).clone()) }

// ---- elementwise ----
static at::Tensor unary(int op, const at::Tensor &a) {
    switch (op) {
    case CT_NEG: return at::neg(a);
    case CT_ABS: return at::abs(a);
    case CT_EXP: return at::exp(a);
    case CT_LOG: return at::log(a);
    case CT_SQRT: return at::sqrt(a);
    case CT_RSQRT: return at::rsqrt(a);
    case CT_SIN: return at::sin(a);
    case CT_COS: return at::cos(a);
    case CT_TANH: return at::tanh(a);
    case CT_SIGMOID: return at::sigmoid(a);
    case CT_RELU: return at::relu(a);
    case CT_GELU: return at::gelu(a);
    case CT_SILU: return at::silu(a);
    case CT_FLOOR: return at::floor(a);
    case CT_CEIL: return at::ceil(a);
    case CT_ROUND: return at::round(a);
    case CT_SIGN: return at::sign(a);
    case CT_RECIPROCAL: return at::reciprocal(a);
    case CT_SQUARE: return at::square(a);
    case CT_ERF: return at::erf(a);
    case CT_LOG1P: return at::log1p(a);
    case CT_EXPM1: return at::expm1(a);
    case CT_SOFTPLUS: return at::softplus(a, 1, 20);
    case CT_LOGICAL_NOT: return at::logical_not(a);
    case CT_ISNAN: return at::isnan(a);
    case CT_ISFINITE: return at::isfinite(a);
    case CT_LOG2: return at::log2(a);
    case CT_TRUNC: return at::trunc(a);
    }
    throw std::invalid_argument("unknown unary op " + std::to_string(op));
}

static at::Tensor binary(int op, const at::Tensor &a, const at::Tensor &b) {
    switch (op) {
    case CT_ADD: return at::add(a, b);
    case CT_SUB: return at::sub(a, b);
    case CT_MUL: return at::mul(a, b);
    case CT_DIV: return at::div(a, b);
    case CT_POW: return at::pow(a, b);
    case CT_MAXIMUM: return at::maximum(a, b);
    case CT_MINIMUM: return at::minimum(a, b);
    case CT_EQ: return at::eq(a, b);
    case CT_NE: return at::ne(a, b);
    case CT_LT: return at::lt(a, b);
    case CT_LE: return at::le(a, b);
    case CT_GT: return at::gt(a, b);
    case CT_GE: return at::ge(a, b);
    case CT_ATAN2: return at::atan2(a, b);
    case CT_LOGICAL_AND: return at::logical_and(a, b);
    case CT_LOGICAL_OR: return at::logical_or(a, b);
    case CT_REMAINDER: return at::remainder(a, b);
    case CT_FLOOR_DIVIDE: return at::floor_divide(a, b);
    }
    throw std::invalid_argument("unknown binary op " + std::to_string(op));
}

static at::Tensor binary_scalar(int op, const at::Tensor &a, const at::Scalar &s) {
    switch (op) {
    case CT_ADD: return at::add(a, s);
    case CT_SUB: return at::sub(a, s);
    case CT_MUL: return at::mul(a, s);
    case CT_DIV: return at::div(a, s);
    case CT_POW: return at::pow(a, s);
    case CT_EQ: return at::eq(a, s);
    case CT_NE: return at::ne(a, s);
    case CT_LT: return at::lt(a, s);
    case CT_LE: return at::le(a, s);
    case CT_GT: return at::gt(a, s);
    case CT_GE: return at::ge(a, s);
    case CT_REMAINDER: return at::remainder(a, s);
    case CT_FLOOR_DIVIDE: return at::floor_divide(a, s);
    case CT_MAXIMUM: return at::clamp_min(a, s);
    case CT_MINIMUM: return at::clamp_max(a, s);
    }
    // The rest (atan2, logical ops) have no scalar overload: broadcast a 0-dim tensor.
    return binary(op, a, at::scalar_tensor(s, a.options()));
}

ct_tensor ct_unary(int op, ct_tensor a) { CT_TENSOR(unary(op, T(a))) }
ct_tensor ct_binary(int op, ct_tensor a, ct_tensor b) { CT_TENSOR(binary(op, T(a), T(b))) }
ct_tensor ct_binary_scalar(int op, ct_tensor a, double s) { CT_TENSOR(binary_scalar(op, T(a), s)) }
ct_tensor ct_rbinary_scalar(int op, double s, ct_tensor a) {
    CT_BEGIN
    const at::Tensor &x = T(a);
    switch (op) {
    case CT_SUB: return wrap(at::rsub(x, s));
    case CT_POW: return wrap(at::pow(s, x));
    default: return wrap(binary(op, at::scalar_tensor(s, x.options()), x));
    }
    CT_END(nullptr)
}
ct_tensor ct_leaky_relu(ct_tensor a, double slope) { CT_TENSOR(at::leaky_relu(T(a), slope)) }
ct_tensor ct_prelu(ct_tensor a, ct_tensor weight) { CT_TENSOR(at::prelu(T(a), T(weight))) }
ct_tensor ct_clamp(ct_tensor a, int has_min, double min, int has_max, double max) {
    CT_TENSOR(at::clamp(T(a), has_min ? c10::optional<at::Scalar>(min) : c10::nullopt,
                        has_max ? c10::optional<at::Scalar>(max) : c10::nullopt))
}
ct_tensor ct_where(ct_tensor cond, ct_tensor a, ct_tensor b) { CT_TENSOR(at::where(T(cond), T(a), T(b))) }
ct_tensor ct_masked_fill(ct_tensor a, ct_tensor mask, double value) { CT_TENSOR(at::masked_fill(T(a), T(mask), value)) }
ct_tensor ct_lerp(ct_tensor a, ct_tensor b, double weight) { CT_TENSOR(at::lerp(T(a), T(b), weight)) }

// ---- reductions ----
ct_tensor ct_reduce(int op, ct_tensor a, const int64_t *dims, int ndims, int keepdim, int unbiased) {
    CT_BEGIN
    const at::Tensor &x = T(a);
    std::vector<int64_t> d = ndims > 0 ? std::vector<int64_t>(dims, dims + ndims) : all_dims(x);
    bool k = keepdim != 0;
    // A 0-dim tensor reduces to itself; ATen accepts an empty dim list for it.
    switch (op) {
    case CT_SUM: return wrap(at::sum(x, d, k));
    case CT_MEAN: return wrap(at::mean(x, d, k));
    case CT_AMAX: return wrap(at::amax(x, d, k));
    case CT_AMIN: return wrap(at::amin(x, d, k));
    case CT_VAR: return wrap(at::var(x, at::OptionalIntArrayRef(d), unbiased != 0, k));
    case CT_STD: return wrap(at::std(x, at::OptionalIntArrayRef(d), unbiased != 0, k));
    case CT_LOGSUMEXP: return wrap(at::logsumexp(x, d, k));
    case CT_NORM2: return wrap(at::linalg_vector_norm(x, 2, at::OptionalIntArrayRef(d), k, c10::nullopt));
    case CT_PROD:
        return wrap(reduce_each(x, d, k, [](const at::Tensor &t, int64_t i, bool kd) { return at::prod(t, i, kd); }));
    case CT_ANY:
        return wrap(reduce_each(x, d, k, [](const at::Tensor &t, int64_t i, bool kd) { return at::any(t, i, kd); }));
    case CT_ALL:
        return wrap(reduce_each(x, d, k, [](const at::Tensor &t, int64_t i, bool kd) { return at::all(t, i, kd); }));
    }
    throw std::invalid_argument("unknown reduction " + std::to_string(op));
    CT_END(nullptr)
}
ct_tensor ct_argmax(ct_tensor a, int64_t dim, int keepdim) { CT_TENSOR(at::argmax(T(a), dim, keepdim != 0)) }
ct_tensor ct_argmin(ct_tensor a, int64_t dim, int keepdim) { CT_TENSOR(at::argmin(T(a), dim, keepdim != 0)) }
ct_tensor ct_cumsum(ct_tensor a, int64_t dim) { CT_TENSOR(at::cumsum(T(a), dim)) }
int ct_topk(ct_tensor a, int64_t k, int64_t dim, int largest, int sorted, ct_tensor *values, ct_tensor *indices) {
    CT_BEGIN
    auto r = at::topk(T(a), k, dim, largest != 0, sorted != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
    return 0;
    CT_END(-1)
}
int ct_sort(ct_tensor a, int64_t dim, int descending, ct_tensor *values, ct_tensor *indices) {
    CT_BEGIN
    auto r = at::sort(T(a), dim, descending != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
    return 0;
    CT_END(-1)
}
ct_tensor ct_softmax(ct_tensor a, int64_t dim) { CT_TENSOR(at::softmax(T(a), dim)) }
ct_tensor ct_log_softmax(ct_tensor a, int64_t dim) { CT_TENSOR(at::log_softmax(T(a), dim)) }

// ---- linear algebra ----
ct_tensor ct_matmul(ct_tensor a, ct_tensor b) { CT_TENSOR(at::matmul(T(a), T(b))) }
ct_tensor ct_bmm(ct_tensor a, ct_tensor b) { CT_TENSOR(at::bmm(T(a), T(b))) }
ct_tensor ct_linear(ct_tensor x, ct_tensor w, ct_tensor b) { CT_TENSOR(at::linear(T(x), T(w), opt(b))) }
int ct_linalg_eigh(ct_tensor a, ct_tensor *values, ct_tensor *vectors) {
    CT_BEGIN
    auto r = at::linalg_eigh(T(a), "L");
    *values = wrap(std::get<0>(r));
    *vectors = wrap(std::get<1>(r));
    return 0;
    CT_END(-1)
}
ct_tensor ct_linalg_svdvals(ct_tensor a) { CT_TENSOR(at::linalg_svdvals(T(a))) }
ct_tensor ct_linalg_eigvals_real(ct_tensor a) { CT_TENSOR(at::real(at::linalg_eigvals(T(a))).contiguous()) }

// ---- convolution, pooling, resampling ----
ct_tensor ct_conv2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride, const int64_t *padding,
                    const int64_t *dilation, int64_t groups) {
    CT_TENSOR(at::conv2d(T(x), T(w), opt(b), ints(stride, 2), ints(padding, 2), ints(dilation, 2), groups))
}
ct_tensor ct_conv_transpose2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride, const int64_t *padding,
                              const int64_t *output_padding, int64_t groups, const int64_t *dilation) {
    CT_TENSOR(at::conv_transpose2d(T(x), T(w), opt(b), ints(stride, 2), ints(padding, 2), ints(output_padding, 2),
                                   groups, ints(dilation, 2)))
}
ct_tensor ct_avg_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                        int ceil_mode, int count_include_pad) {
    CT_TENSOR(at::avg_pool2d(T(x), ints(kernel, 2), ints(stride, 2), ints(padding, 2), ceil_mode != 0,
                             count_include_pad != 0))
}
ct_tensor ct_max_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                        const int64_t *dilation, int ceil_mode) {
    CT_TENSOR(at::max_pool2d(T(x), ints(kernel, 2), ints(stride, 2), ints(padding, 2), ints(dilation, 2),
                             ceil_mode != 0))
}
ct_tensor ct_adaptive_avg_pool2d(ct_tensor x, const int64_t *output_size) {
    CT_TENSOR(at::adaptive_avg_pool2d(T(x), ints(output_size, 2)))
}
ct_tensor ct_adaptive_max_pool2d(ct_tensor x, const int64_t *output_size) {
    CT_TENSOR(std::get<0>(at::adaptive_max_pool2d(T(x), ints(output_size, 2))))
}
ct_tensor ct_interpolate(ct_tensor x, int64_t h, int64_t w, int mode, int align_corners, int antialias) {
    CT_BEGIN
    const at::Tensor &in = T(x);
    if (in.dim() != 4) throw std::invalid_argument("interpolate expects NCHW, got " + std::to_string(in.dim()) + " dims");
    std::vector<int64_t> size{h, w};
    bool ac = align_corners != 0;
    bool down = h < in.size(2) || w < in.size(3);
    switch (mode) {
    case CT_NEAREST: return wrap(at::upsample_nearest2d(in, size, c10::nullopt, c10::nullopt));
    case CT_BILINEAR:
        if (antialias && down) return wrap(at::_upsample_bilinear2d_aa(in, size, ac, c10::nullopt, c10::nullopt));
        return wrap(at::upsample_bilinear2d(in, size, ac, c10::nullopt, c10::nullopt));
    case CT_BICUBIC:
        if (antialias && down) return wrap(at::_upsample_bicubic2d_aa(in, size, ac, c10::nullopt, c10::nullopt));
        return wrap(at::upsample_bicubic2d(in, size, ac, c10::nullopt, c10::nullopt));
    case CT_AREA: return wrap(at::adaptive_avg_pool2d(in, size));
    }
    throw std::invalid_argument("unknown interpolation mode " + std::to_string(mode));
    CT_END(nullptr)
}
ct_tensor ct_pad(ct_tensor x, const int64_t *pad, int npad, int mode, double value) {
    CT_BEGIN
    const at::Tensor &in = T(x);
    auto p = ints(pad, npad);
    if (mode == CT_PAD_CONSTANT) return wrap(at::constant_pad_nd(in, p, value));
    if (mode == CT_PAD_REFLECT) {
        if (npad == 2) return wrap(at::reflection_pad1d(in, p));
        if (npad == 4) return wrap(at::reflection_pad2d(in, p));
    } else if (mode == CT_PAD_REPLICATE) {
        if (npad == 2) return wrap(at::replication_pad1d(in, p));
        if (npad == 4) return wrap(at::replication_pad2d(in, p));
    }
    throw std::invalid_argument("pad: mode " + std::to_string(mode) + " with " + std::to_string(npad) +
                                " pad values is not supported");
    CT_END(nullptr)
}
ct_tensor ct_affine_grid(ct_tensor theta, const int64_t *size, int nsize, int align_corners) {
    CT_TENSOR(at::affine_grid_generator(T(theta), ints(size, nsize), align_corners != 0))
}
ct_tensor ct_grid_sample(ct_tensor x, ct_tensor grid, int mode, int padding_mode, int align_corners) {
    CT_TENSOR(at::grid_sampler(T(x), T(grid), mode, padding_mode, align_corners != 0))
}

// ---- shape and indexing ----
ct_tensor ct_reshape(ct_tensor a, const int64_t *shape, int ndim) { CT_TENSOR(T(a).reshape(ints(shape, ndim))) }
ct_tensor ct_view(ct_tensor a, const int64_t *shape, int ndim) { CT_TENSOR(T(a).view(ints(shape, ndim))) }
ct_tensor ct_permute(ct_tensor a, const int64_t *dims, int ndim) { CT_TENSOR(T(a).permute(ints(dims, ndim))) }
ct_tensor ct_transpose(ct_tensor a, int64_t d0, int64_t d1) { CT_TENSOR(T(a).transpose(d0, d1)) }
ct_tensor ct_expand(ct_tensor a, const int64_t *shape, int ndim) { CT_TENSOR(T(a).expand(ints(shape, ndim))) }
ct_tensor ct_repeat(ct_tensor a, const int64_t *repeats, int ndim) { CT_TENSOR(T(a).repeat(ints(repeats, ndim))) }
ct_tensor ct_narrow(ct_tensor a, int64_t dim, int64_t start, int64_t length) {
    CT_TENSOR(T(a).narrow(dim, start, length))
}
ct_tensor ct_select(ct_tensor a, int64_t dim, int64_t index) { CT_TENSOR(T(a).select(dim, index)) }
ct_tensor ct_slice(ct_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step) {
    CT_TENSOR(T(a).slice(dim, start, end, step))
}
ct_tensor ct_squeeze(ct_tensor a, int64_t dim) { CT_TENSOR(T(a).squeeze(dim)) }
ct_tensor ct_unsqueeze(ct_tensor a, int64_t dim) { CT_TENSOR(T(a).unsqueeze(dim)) }
ct_tensor ct_flip(ct_tensor a, const int64_t *dims, int ndim) { CT_TENSOR(at::flip(T(a), ints(dims, ndim))) }
ct_tensor ct_roll(ct_tensor a, int64_t shift, int64_t dim) { CT_TENSOR(at::roll(T(a), shift, dim)) }
ct_tensor ct_unfold(ct_tensor a, int64_t dim, int64_t size, int64_t step) { CT_TENSOR(T(a).unfold(dim, size, step)) }
ct_tensor ct_cat(const ct_tensor *ts, int n, int64_t dim) { CT_TENSOR(at::cat(tensors(ts, n), dim)) }
ct_tensor ct_stack(const ct_tensor *ts, int n, int64_t dim) { CT_TENSOR(at::stack(tensors(ts, n), dim)) }
ct_tensor ct_index_select(ct_tensor a, int64_t dim, ct_tensor index) { CT_TENSOR(at::index_select(T(a), dim, T(index))) }
ct_tensor ct_gather(ct_tensor a, int64_t dim, ct_tensor index) { CT_TENSOR(at::gather(T(a), dim, T(index))) }
ct_tensor ct_scatter(ct_tensor a, int64_t dim, ct_tensor index, ct_tensor src) {
    CT_TENSOR(at::scatter(T(a), dim, T(index), T(src)))
}
ct_tensor ct_masked_select(ct_tensor a, ct_tensor mask) { CT_TENSOR(at::masked_select(T(a), T(mask))) }
ct_tensor ct_nonzero(ct_tensor a) { CT_TENSOR(at::nonzero(T(a))) }
ct_tensor ct_tril(ct_tensor a, int64_t diagonal) { CT_TENSOR(at::tril(T(a), diagonal)) }
ct_tensor ct_triu(ct_tensor a, int64_t diagonal) { CT_TENSOR(at::triu(T(a), diagonal)) }

// ---- normalisation and misc nn ----
ct_tensor ct_batch_norm(ct_tensor x, ct_tensor weight, ct_tensor bias, ct_tensor running_mean, ct_tensor running_var,
                        int training, double momentum, double eps) {
    CT_BEGIN
    auto override = ctorch::batch_norm_override.load();
    if (override != nullptr && training != 0 && c10::GradMode::is_enabled() && !c10::InferenceMode::is_enabled())
        return wrap(override(T(x), opt(weight), opt(bias), opt(running_mean), opt(running_var), momentum, eps));
    return wrap(at::batch_norm(T(x), opt(weight), opt(bias), opt(running_mean), opt(running_var), training != 0,
                               momentum, eps, true));
    CT_END(nullptr)
}
ct_tensor ct_group_norm(ct_tensor x, int64_t groups, ct_tensor weight, ct_tensor bias, double eps) {
    CT_TENSOR(at::group_norm(T(x), groups, opt(weight), opt(bias), eps, true))
}
ct_tensor ct_layer_norm(ct_tensor x, const int64_t *normalized_shape, int n, ct_tensor weight, ct_tensor bias,
                        double eps) {
    CT_TENSOR(at::layer_norm(T(x), ints(normalized_shape, n), opt(weight), opt(bias), eps, true))
}
ct_tensor ct_instance_norm(ct_tensor x, ct_tensor weight, ct_tensor bias, double eps) {
    CT_TENSOR(at::instance_norm(T(x), opt(weight), opt(bias), c10::nullopt, c10::nullopt, true, 0.1, eps, true))
}
ct_tensor ct_dropout(ct_tensor x, double p, int train) { CT_TENSOR(at::dropout(T(x), p, train != 0)) }
ct_tensor ct_one_hot(ct_tensor indices, int64_t classes) { CT_TENSOR(at::one_hot(T(indices), classes)) }

// ---- in-place ----
int ct_copy_(ct_tensor dst, ct_tensor src) { CT_STATUS(dst->t.copy_(T(src))) }
int ct_zero_(ct_tensor t) { CT_STATUS(T(t); t->t.zero_()) }
int ct_fill_(ct_tensor t, double value) { CT_STATUS(T(t); t->t.fill_(value)) }
int ct_binary_(int op, ct_tensor t, ct_tensor other, double alpha) {
    CT_BEGIN
    T(t);
    const at::Tensor &o = T(other);
    switch (op) {
    case CT_ADD: t->t.add_(o, alpha); return 0;
    case CT_SUB: t->t.sub_(o, alpha); return 0;
    case CT_MUL: t->t.mul_(o); return 0;
    case CT_DIV: t->t.div_(o); return 0;
    case CT_MAXIMUM: t->t.copy_(at::maximum(t->t, o)); return 0;
    case CT_MINIMUM: t->t.copy_(at::minimum(t->t, o)); return 0;
    }
    throw std::invalid_argument("in-place op " + std::to_string(op) + " is not supported");
    CT_END(-1)
}
int ct_binary_scalar_(int op, ct_tensor t, double s) {
    CT_BEGIN
    T(t);
    switch (op) {
    case CT_ADD: t->t.add_(s); return 0;
    case CT_SUB: t->t.sub_(s); return 0;
    case CT_MUL: t->t.mul_(s); return 0;
    case CT_DIV: t->t.div_(s); return 0;
    case CT_POW: t->t.pow_(s); return 0;
    }
    throw std::invalid_argument("in-place scalar op " + std::to_string(op) + " is not supported");
    CT_END(-1)
}
int ct_addcmul_(ct_tensor t, ct_tensor a, ct_tensor b, double value) { CT_STATUS(T(t); t->t.addcmul_(T(a), T(b), value)) }
int ct_addcdiv_(ct_tensor t, ct_tensor a, ct_tensor b, double value) { CT_STATUS(T(t); t->t.addcdiv_(T(a), T(b), value)) }
int ct_lerp_(ct_tensor t, ct_tensor end, double weight) { CT_STATUS(T(t); t->t.lerp_(T(end), weight)) }
int ct_uniform_(ct_tensor t, double low, double high) { CT_STATUS(T(t); t->t.uniform_(low, high)) }
int ct_normal_(ct_tensor t, double mean, double std) { CT_STATUS(T(t); t->t.normal_(mean, std)) }
int ct_clamp_(ct_tensor t, int has_min, double min, int has_max, double max) {
    CT_STATUS(T(t); t->t.clamp_(has_min ? c10::optional<at::Scalar>(min) : c10::nullopt,
                                has_max ? c10::optional<at::Scalar>(max) : c10::nullopt))
}

// ---- autograd ----
int ct_requires_grad(ct_tensor t) { CT_BEGIN return T(t).requires_grad() ? 1 : 0; CT_END(-1) }
int ct_set_requires_grad(ct_tensor t, int flag) { CT_STATUS(T(t); t->t.set_requires_grad(flag != 0)) }
ct_tensor ct_grad(ct_tensor t) {
    CT_BEGIN
    const at::Tensor &g = T(t).grad();
    return g.defined() ? wrap(g) : nullptr;
    CT_END(nullptr)
}
int ct_zero_grad(ct_tensor t) { CT_STATUS(T(t); t->t.mutable_grad().reset()) }
ct_tensor ct_detach(ct_tensor t) { CT_TENSOR(T(t).detach()) }
int ct_backward(ct_tensor t, ct_tensor grad_output, int retain_graph, int create_graph) {
    CT_STATUS(T(t).backward(grad_output ? T(grad_output) : at::Tensor(), retain_graph != 0, create_graph != 0))
}
int ct_autograd_grad(const ct_tensor *outputs, int n_out, const ct_tensor *grad_outputs, const ct_tensor *inputs,
                     int n_in, int retain_graph, int create_graph, int allow_unused, ct_tensor *results) {
    CT_BEGIN
    std::vector<at::Tensor> outs = tensors(outputs, n_out);
    std::vector<at::Tensor> ins = tensors(inputs, n_in);
    std::vector<at::Tensor> gos;
    if (grad_outputs != nullptr)
        for (int i = 0; i < n_out; ++i) gos.push_back(grad_outputs[i] ? T(grad_outputs[i]) : at::Tensor());
    auto grads = torch::autograd::grad(outs, ins, gos, retain_graph != 0, create_graph != 0, allow_unused != 0);
    for (int i = 0; i < n_in; ++i) results[i] = grads[static_cast<size_t>(i)].defined() ? wrap(grads[static_cast<size_t>(i)]) : nullptr;
    return 0;
    CT_END(-1)
}
int ct_is_grad_enabled(void) { return c10::GradMode::is_enabled() ? 1 : 0; }
int ct_set_grad_enabled(int enabled) {
    int previous = c10::GradMode::is_enabled() ? 1 : 0;
    c10::GradMode::set_enabled(enabled != 0);
    return previous;
}
ct_guard ct_inference_mode_enter(void) { CT_BEGIN return new ct_guard_s(); CT_END(nullptr) }
void ct_guard_free(ct_guard g) { delete g; }

// ---- runtime ----
void ct_manual_seed(uint64_t seed) {
    try {
        at::manual_seed(seed);
    } catch (const std::exception &e) {
        set_error(e.what());
    }
}
int64_t ct_cpu_rng_state(uint8_t *out, int64_t cap) {
    CT_BEGIN
    auto gen = at::detail::getDefaultCPUGenerator();
    at::Tensor state;
    {
        std::lock_guard<std::mutex> lock(gen.mutex());
        state = gen.get_state();
    }
    int64_t n = state.numel();
    if (out != nullptr) {
        if (cap < n) throw std::invalid_argument("rng state needs " + std::to_string(n) + " bytes");
        std::memcpy(out, state.data_ptr(), static_cast<size_t>(n));
    }
    return n;
    CT_END(-1)
}
int ct_set_cpu_rng_state(const uint8_t *state, int64_t n) {
    CT_BEGIN
    at::Tensor t = at::empty({n}, at::TensorOptions().dtype(at::kByte));
    std::memcpy(t.data_ptr(), state, static_cast<size_t>(n));
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(t);
    return 0;
    CT_END(-1)
}
// The BLAS libtorch links keeps its own thread pool, which at::set_num_threads leaves alone: Debian's OpenBLAS
// (pthread build) starts one thread per core and spins them in sched_yield, so a run told to use one thread took two
// cores. The library is found at run time (the PyPI wheel links MKL, which ATen already sets).
using BlasSetThreads = void (*)(int);
using BlasGetThreads = int (*)(void);
static BlasSetThreads blas_set_threads() {
    return reinterpret_cast<BlasSetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
}
void ct_set_num_threads(int n) {
    try {
        at::set_num_threads(n);
        if (auto set = blas_set_threads()) set(n);
    } catch (const std::exception &e) {
        set_error(e.what());
    }
}
int ct_get_num_threads(void) { return at::get_num_threads(); }
int ct_blas_num_threads(void) {
    auto get = reinterpret_cast<BlasGetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    return get ? get() : -1;
}
int ct_cuda_is_available(void) { CT_BEGIN return torch::cuda::is_available() ? 1 : 0; CT_END(0) }
int ct_cuda_device_count(void) { CT_BEGIN return static_cast<int>(torch::cuda::device_count()); CT_END(0) }
int ct_cuda_synchronize(int device) { CT_STATUS(at::detail::getCUDAHooks().deviceSynchronize(device)) }
// The legacy setters exist in 1.13 and 2.x alike; in 2.x they set conv and RNN together, so its check against
// mixed legacy/new settings stays quiet.
int ct_set_allow_tf32(int enabled) {
    CT_STATUS(at::globalContext().setAllowTF32CuDNN(enabled != 0); at::globalContext().setAllowTF32CuBLAS(enabled != 0))
}
int ct_allow_tf32(void) {
    CT_BEGIN return (at::globalContext().allowTF32CuDNN() || at::globalContext().allowTF32CuBLAS()) ? 1 : 0; CT_END(-1)
}
int ct_mallopt(int parameter, int value) {
#if defined(__GLIBC__)
    static const int parameters[] = {M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD};
    if (parameter < 0 || parameter > 2) return 0;
    return mallopt(parameters[parameter], value) == 1 ? 1 : 0;
#else
    (void)parameter;
    (void)value;
    return 0;
#endif
}
const char *ct_version(void) {
    static const std::string v = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
                                 "." + std::to_string(TORCH_VERSION_PATCH);
    return v.c_str();
}

double ct_bench_add_loop(ct_tensor a, ct_tensor b, int64_t iterations) {
    CT_BEGIN
    const at::Tensor &x = T(a), &y = T(b);
    auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < iterations; ++i) {
        at::Tensor r = at::add(x, y);
    }
    auto end = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::nano>(end - start).count() / static_cast<double>(iterations);
    CT_END(-1.0)
}

} // extern "C"

// The bridge for the shim's other translation units (ctorch_internal.hpp): one error slot, one handle check.
namespace ctorch {
std::atomic<BatchNormOverride> batch_norm_override{nullptr};
void report_error(const char *message) { set_error(message); }
const at::Tensor &tensor_of(ct_tensor h) { return T(h); }
} // namespace ctorch
