#pragma once
// Conv1d layer (torch.nn.Conv1d names and init): weight [cout, cin, k], bias [cout], both
// U(-1/sqrt(cin k), 1/sqrt(cin k)). Input [n, cin, l] -> [n, cout, lout] (autograd/ops.h conv1d).
#include "layers/module.h"

namespace gripcu::nn {

class Conv1d : public Module {
 public:
  Conv1d(ParamStore& s, const std::string& name, int64_t cin, int64_t cout, int64_t kernel, int64_t stride = 1,
         int64_t pad = 0);
  Var operator()(const Var& x) const;
  int64_t out_length(int64_t l) const { return (l + 2 * pad - kernel) / stride + 1; }
  int64_t cin, cout, kernel, stride, pad;
  Var weight, bias;
};

}  // namespace gripcu::nn
