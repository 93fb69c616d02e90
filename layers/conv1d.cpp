#include "layers/conv1d.h"

#include <cmath>

#include "autograd/ops.h"

namespace gripcu::nn {

Conv1d::Conv1d(ParamStore& s, const std::string& name, int64_t ci, int64_t co, int64_t k, int64_t st, int64_t p)
    : Module(s, name), cin(ci), cout(co), kernel(k), stride(st), pad(p) {
  GRIPCU_CHECK(ci > 0 && co > 0 && k > 0 && st > 0 && p >= 0, "Conv1d ", name, ": bad sizes (cin ", ci, ", cout ", co,
               ", kernel ", k, ", stride ", st, ", pad ", p, ")");
  const double bound = 1.0 / std::sqrt(static_cast<double>(ci * k));
  weight = param("weight", {co, ci, k}, Init::uniform(-bound, bound));
  bias = param("bias", {co}, Init::uniform(-bound, bound));
}

Var Conv1d::operator()(const Var& x) const { return ag::conv1d(x, weight, bias, stride, pad); }

}  // namespace gripcu::nn
