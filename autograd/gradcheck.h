#pragma once
// Finite-difference gradient check in float64 on the CPU: the analytic gradient from backward()
// against central differences (f(x + h) - f(x - h)) / 2h for every element of every input.
#include <functional>
#include <string>
#include <vector>

#include "autograd/var.h"

namespace gripcu::ag {

struct GradcheckResult {
  double max_abs_err = 0, max_rel_err = 0;  // rel = |a - n| / max(1, |n|)
  std::string worst;                        // "input 2 element 17: analytic ... numeric ..."
  bool ok(double tol) const { return max_rel_err <= tol; }
};

// `f` maps leaf variables (requires_grad, f64, CPU) to a one-element loss.
GradcheckResult gradcheck(const std::function<Var(const std::vector<Var>&)>& f, const std::vector<Tensor>& inputs,
                          double h = 1e-6);

}  // namespace gripcu::ag
