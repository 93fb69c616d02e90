#pragma once
// safetensors (https://huggingface.co/docs/safetensors): 8-byte little-endian header length, a
// JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then the raw
// little-endian bytes. Files written here load with PyTorch's `safetensors` package, and the
// project's reference scripts write their fixtures in the same format.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace gripcu::io {

struct SafeTensors {
  std::vector<std::pair<std::string, Tensor>> tensors;  // in file order (CPU tensors)
  std::map<std::string, std::string> metadata;
  const Tensor& get(const std::string& name) const;   // InputError naming the file and tensor
  bool has(const std::string& name) const;
  std::string source;
};

// Tensors may live on any device (copied to the host). Written atomically. Tensor names must be
// unique; order is kept (sorted by name in the header only if `sort` is set).
std::string safetensors_serialize(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                  const std::map<std::string, std::string>& metadata);
void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
SafeTensors load_safetensors(const std::string& path);

}  // namespace gripcu::io
