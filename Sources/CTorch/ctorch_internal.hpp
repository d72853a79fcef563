// What the shim's translation units share (not part of the C ABI): the tensor handle's layout and the
// thread-local error slot that ct_last_error() reads. Defined in ctorch.cpp.
#pragma once

#include <ATen/ATen.h>

#include <atomic>

#include "ctorch.h"

struct ct_tensor_s {
    at::Tensor t;
};

namespace ctorch {
/// Records `message` as this thread's last shim error.
void report_error(const char *message);
/// The tensor behind a handle; throws for NULL or an undefined tensor (an earlier operation failed).
const at::Tensor &tensor_of(ct_tensor h);

/// Batch norm with batch statistics, as at::batch_norm in training mode; ct_batch_norm calls it instead of
/// at::batch_norm while set and gradients are recorded (data-parallel training sets it: statistics over every
/// rank's batch, see ctorch_distributed.cpp).
using BatchNormOverride = at::Tensor (*)(const at::Tensor &x, const c10::optional<at::Tensor> &weight,
                                         const c10::optional<at::Tensor> &bias,
                                         const c10::optional<at::Tensor> &running_mean,
                                         const c10::optional<at::Tensor> &running_var, double momentum, double eps);
extern std::atomic<BatchNormOverride> batch_norm_override;
} // namespace ctorch
