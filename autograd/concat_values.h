#pragma once
// Internal to autograd/: the values of several [rows, w_i] variables side by side in dst (row
// stride dst_ld), in one kernel pass: the forward of concat_cols and leaky_linear_cat's input.
#include <vector>

#include "autograd/dispatch.h"
#include "autograd/var.h"
#include "kernels/concat.h"

namespace gripcu::ag::detail {

template <typename T>
void concat_values(const Device& dev, int64_t rows, const std::vector<Var>& parts, T* dst, int64_t dst_ld) {
  std::vector<kernels::ColPart<T>> cp;
  cp.reserve(parts.size());
  for (const auto& p : parts) cp.push_back({p.value().data<T>(), p.dim(1), p.dim(1)});
  const int count = static_cast<int>(cp.size());
  GRIPCU_DEVICE_CALL(dev, kernels::concat_cols_cpu<T>(rows, count, cp.data(), dst, dst_ld),
                     kernels::concat_cols_cuda(rows, count, cp.data(), dst, dst_ld, stream));
}

}  // namespace gripcu::ag::detail
