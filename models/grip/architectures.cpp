#include "models/grip/architectures.h"

#include <algorithm>

#include "models/grip/arch_cae.h"
#include "models/grip/arch_cnn.h"
#include "models/grip/arch_transformer.h"

namespace gripcu::grip {

namespace {
// The paper's networks (networks.h) behind the GripModel call interfaces.
class PaperGenerator final : public GeneratorNet {
 public:
  PaperGenerator(nn::ParamStore& s, const ModelConfig& c) : net(s, c) {}
  ag::Var operator()(const ag::Var& x, const Tensor& cells, const Tensor& drugs) const override { return net(x, cells, drugs); }
  Generator net;
};
class PaperDiscriminator final : public DiscriminatorNet {
 public:
  PaperDiscriminator(nn::ParamStore& s, const ModelConfig& c) : net(s, c) {}
  ag::Var operator()(const ag::Var& y, const Tensor& cells, const Tensor& drugs) const override { return net(y, cells, drugs); }
  Discriminator net;
};

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}
}  // namespace

const std::vector<std::string>& generator_names() {
  static const std::vector<std::string> v = {"residual", "cae", "transformer"};
  return v;
}
const std::vector<std::string>& discriminator_names() {
  static const std::vector<std::string> v = {"mlp", "cnn"};
  return v;
}

std::string generator_label(const std::string& name) {
  if (name == "residual") return "Res";
  if (name == "cae") return "cAE";
  if (name == "transformer") return "Transformer";
  return name;
}
std::string discriminator_label(const std::string& name) {
  if (name == "mlp") return "MLP";
  if (name == "cnn") return "1D-CNN";
  return name;
}

void check_generator_name(const std::string& name, const std::string& where) {
  const auto& v = generator_names();
  if (std::find(v.begin(), v.end(), name) == v.end())
    throw InputError(where, "unknown generator '" + name + "' (known: " + joined(v) + ")");
}
void check_discriminator_name(const std::string& name, const std::string& where) {
  const auto& v = discriminator_names();
  if (std::find(v.begin(), v.end(), name) == v.end())
    throw InputError(where, "unknown discriminator '" + name + "' (known: " + joined(v) + ")");
}

std::unique_ptr<GeneratorNet> make_generator(const std::string& name, nn::ParamStore& s, const ModelConfig& c) {
  check_generator_name(name, "generator");
  if (name == "cae") return std::make_unique<CaeGenerator>(s, c);
  if (name == "transformer") return std::make_unique<TransformerGenerator>(s, c);
  return std::make_unique<PaperGenerator>(s, c);
}

std::unique_ptr<DiscriminatorNet> make_discriminator(const std::string& name, nn::ParamStore& s, const ModelConfig& c) {
  check_discriminator_name(name, "discriminator");
  if (name == "cnn") return std::make_unique<CnnDiscriminator>(s, c);
  return std::make_unique<PaperDiscriminator>(s, c);
}

}  // namespace gripcu::grip
