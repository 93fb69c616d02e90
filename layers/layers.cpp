#include "layers/layers.h"

#include <cmath>

namespace gripcu::nn {

Linear::Linear(ParamStore& s, const std::string& name, int64_t in, int64_t out, bool with_bias)
    : Module(s, name), in_features(in), out_features(out) {
  GRIPCU_CHECK(in > 0 && out > 0, "Linear ", name, ": sizes must be positive (", in, " -> ", out, ")");
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  weight = param("weight", {out, in}, Init::uniform(-bound, bound));
  if (with_bias) bias = param("bias", {out}, Init::uniform(-bound, bound));
}

Embedding::Embedding(ParamStore& s, const std::string& name, int64_t v, int64_t d) : Module(s, name), vocab(v), dim(d) {
  GRIPCU_CHECK(v > 0 && d > 0, "Embedding ", name, ": sizes must be positive (", v, " x ", d, ")");
  weight = param("weight", {v, d}, Init::normal(0.0, 1.0));
}

FiLM::FiLM(ParamStore& s, const std::string& name, int64_t cond_dim, int64_t f)
    : Module(s, name), features(f), to_gamma(s, child_name("gamma"), cond_dim, f), to_beta(s, child_name("beta"), cond_dim, f) {}

Var FiLM::operator()(const Var& h, const Var& cond) const {
  GRIPCU_CHECK(h.dim(1) == features, "FiLM ", prefix(), ": features ", h.value().describe(), " vs ", features);
  return ag::film(h, to_gamma(cond), to_beta(cond));
}

GradientReversal::GradientReversal(Device dev, DType dt, double lambda)
    : lambda_(lambda), lambda_t_(Tensor::full({1}, lambda, dt, dev)) {}

void GradientReversal::set_lambda(double l) {
  lambda_ = l;
  lambda_t_.copy_(Tensor::full({1}, l, lambda_t_.dtype(), Device::cpu()));
}

MLP::MLP(ParamStore& s, const std::string& name, const std::vector<int64_t>& sizes, ag::Act a, double sl, ag::Act oa)
    : Module(s, name), act(a), out_act(oa), slope(sl) {
  GRIPCU_CHECK(sizes.size() >= 2, "MLP ", name, ": needs at least input and output sizes");
  for (size_t i = 0; i + 1 < sizes.size(); ++i)
    layers.emplace_back(s, child_name(std::to_string(i)), sizes[i], sizes[i + 1]);
}

Var MLP::operator()(const Var& x) const {
  Var h = x;
  for (size_t i = 0; i < layers.size(); ++i) h = layers[i](h, i + 1 < layers.size() ? act : out_act, slope);
  return h;
}

}  // namespace gripcu::nn
