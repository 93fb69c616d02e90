#pragma once
// The GRIP-Lung architectures by name (§2.1-2.3, Table 2): generators "residual" (the paper's
// residual-FiLM network, networks.h), "cae" (conditional autoencoder, arch_cae.h), "transformer"
// (gene-group tokens, arch_transformer.h); discriminators "mlp" (LeakyReLU MLP, networks.h) and
// "cnn" (1D-CNN, arch_cnn.h). Every generator pairs with every discriminator. The choice lives in
// ModelConfig (generator / discriminator) and so in the checkpoint; sizes: docs/grip_architectures.md.
#include <memory>
#include <string>
#include <vector>

#include "models/grip/model.h"

namespace gripcu::grip {

const std::vector<std::string>& generator_names();      // residual, cae, transformer
const std::vector<std::string>& discriminator_names();  // mlp, cnn
// Short labels for tables ("Res", "cAE", "Transformer"; "MLP", "1D-CNN").
std::string generator_label(const std::string& name);
std::string discriminator_label(const std::string& name);
// InputError(where, "unknown generator 'x' (known: residual, cae, transformer)") and likewise.
void check_generator_name(const std::string& name, const std::string& where);
void check_discriminator_name(const std::string& name, const std::string& where);

// Declare the networks' parameters in `s` (generator.* / discriminator.*), in a fixed order.
std::unique_ptr<GeneratorNet> make_generator(const std::string& name, nn::ParamStore& s, const ModelConfig& c);
std::unique_ptr<DiscriminatorNet> make_discriminator(const std::string& name, nn::ParamStore& s, const ModelConfig& c);

}  // namespace gripcu::grip
