#pragma once
// A gradient destination for the fused kernel families (film_residual, leaky_mlp): where to write,
// and whether to add into what is there. The autograd tape writes a variable's gradient on its
// first contribution and adds after; a null pointer means the gradient is not wanted (the kernel
// skips the work that only feeds it).
namespace gripcu::kernels {

template <typename T>
struct GradOut {
  T* p = nullptr;
  bool accumulate = false;
  explicit operator bool() const { return p != nullptr; }
};

}  // namespace gripcu::kernels
