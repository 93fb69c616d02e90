#include "layers/attention.h"

namespace gripcu::nn {

LayerNorm::LayerNorm(ParamStore& s, const std::string& name, int64_t d, double e) : Module(s, name), dim(d), eps(e) {
  GRIPCU_CHECK(d > 0, "LayerNorm ", name, ": dim must be positive");
  weight = param("weight", {d}, Init::ones());
  bias = param("bias", {d}, Init::zeros());
}

MultiHeadAttention::MultiHeadAttention(ParamStore& s, const std::string& name, int64_t d, int64_t h)
    : Module(s, name), dim(d), heads(h), qkv(s, child_name("qkv"), d, 3 * d), out(s, child_name("out"), d, d) {
  GRIPCU_CHECK(h > 0 && d % h == 0, "MultiHeadAttention ", name, ": dim ", d, " is not a multiple of ", h, " heads");
}

Var MultiHeadAttention::operator()(const Var& x, int64_t batch) const {
  const Var t = qkv(x);
  const Var a = ag::attention(ag::slice_cols(t, 0, dim), ag::slice_cols(t, dim, dim), ag::slice_cols(t, 2 * dim, dim),
                              batch, heads);
  return out(a);
}

TransformerBlock::TransformerBlock(ParamStore& s, const std::string& name, int64_t dim, int64_t heads, int64_t ffn)
    : Module(s, name),
      ln1(s, child_name("ln1"), dim),
      attn(s, child_name("attn"), dim, heads),
      ln2(s, child_name("ln2"), dim),
      ff1(s, child_name("ff1"), dim, ffn),
      ff2(s, child_name("ff2"), ffn, dim) {}

Var TransformerBlock::operator()(const Var& x, int64_t batch) const {
  const Var h = ag::add(x, attn(ln1(x), batch));
  return ag::add(h, ff2(ff1(ln2(h), ag::Act::relu)));
}

}  // namespace gripcu::nn
