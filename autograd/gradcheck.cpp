#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "engine/error.h"

namespace gripcu::ag {

GradcheckResult gradcheck(const std::function<Var(const std::vector<Var>&)>& f, const std::vector<Tensor>& inputs,
                          double h) {
  for (const auto& t : inputs)
    GRIPCU_CHECK(t.dtype() == DType::f64 && t.device().is_cpu(), "gradcheck: inputs must be f64 CPU, got ", t.describe());
  std::vector<Var> vars;
  for (const auto& t : inputs) vars.emplace_back(t.clone(), true);
  tape().clear();
  Var loss = f(vars);
  backward(loss);
  std::vector<std::vector<double>> analytic;
  for (const auto& v : vars)
    analytic.push_back(v.has_grad() ? v.grad().to_vector<double>() : std::vector<double>(static_cast<size_t>(v.value().numel()), 0.0));

  auto eval = [&](const std::vector<Var>& vs) {
    NoGrad ng;
    return f(vs).value().to_vector<double>()[0];
  };
  GradcheckResult r;
  for (size_t k = 0; k < vars.size(); ++k) {
    std::vector<Var> probe;
    for (const auto& v : vars) probe.emplace_back(v.value().clone(), false);
    double* p = probe[k].value_mut().data<double>();
    for (int64_t i = 0; i < probe[k].value().numel(); ++i) {
      const double x0 = p[i];
      p[i] = x0 + h;
      const double fp = eval(probe);
      p[i] = x0 - h;
      const double fm = eval(probe);
      p[i] = x0;
      const double num = (fp - fm) / (2 * h);
      const double a = analytic[k][static_cast<size_t>(i)];
      const double abs_err = std::fabs(a - num), rel = abs_err / std::max(1.0, std::fabs(num));
      r.max_abs_err = std::max(r.max_abs_err, abs_err);
      if (rel > r.max_rel_err || r.worst.empty()) {
        if (rel >= r.max_rel_err) {
          std::ostringstream os;
          os << "input " << k << " element " << i << ": analytic " << a << " numeric " << num;
          r.worst = os.str();
        }
        r.max_rel_err = std::max(r.max_rel_err, rel);
      }
    }
  }
  return r;
}

}  // namespace gripcu::ag
