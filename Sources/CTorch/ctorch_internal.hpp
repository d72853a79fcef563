// What the shim's translation units share (not part of the C ABI): the tensor handle's layout and the
// thread-local error slot that ct_last_error() reads. Defined in ctorch.cpp.
#pragma once

#include <ATen/ATen.h>

#include "ctorch.h"

struct ct_tensor_s {
    at::Tensor t;
};

namespace ctorch {
/// Records `message` as this thread's last shim error.
void report_error(const char *message);
/// The tensor behind a handle; throws for NULL or an undefined tensor (an earlier operation failed).
const at::Tensor &tensor_of(ct_tensor h);
} // namespace ctorch
