// CUDA twin of kernels/grl.h. lambda stays in device memory (read by every thread) so a captured
// graph picks up a new schedule value without re-capture.
#include "kernels/grl.h"

#include "kernels/cuda/common.cuh"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

template <typename T, bool ACC>
struct GrlBackward {
  const T *lambda, *dy;
  T* dx;
  __device__ void operator()(int64_t i) const {
    const T g = -lambda[0] * dy[i];  // same rounding as the CPU's (-lambda) * dy
    dx[i] = ACC ? dx[i] + g : g;
  }
};

template <typename T>
void grl_forward_impl(int64_t n, const T* x, T* y, cudaStream_t s) {
  if (n <= 0 || x == y) return;  // identity in place: nothing to move
  GRIPCU_CUDA_CHECK(cudaMemcpyAsync(y, x, sizeof(T) * static_cast<size_t>(n), cudaMemcpyDeviceToDevice, s));
}
template <typename T>
void grl_backward_impl(int64_t n, const T* lambda, const T* dy, T* dx, bool accumulate, cudaStream_t s) {
  if (accumulate) launch_map(n, GrlBackward<T, true>{lambda, dy, dx}, s);
  else launch_map(n, GrlBackward<T, false>{lambda, dy, dx}, s);
}

}  // namespace

void grl_forward_cuda(int64_t n, const float* x, float* y, cudaStream_t s) { grl_forward_impl(n, x, y, s); }
void grl_forward_cuda(int64_t n, const double* x, double* y, cudaStream_t s) { grl_forward_impl(n, x, y, s); }
void grl_backward_cuda(int64_t n, const float* lambda, const float* dy, float* dx, bool accumulate, cudaStream_t s) {
  grl_backward_impl(n, lambda, dy, dx, accumulate, s);
}
void grl_backward_cuda(int64_t n, const double* lambda, const double* dy, double* dx, bool accumulate,
                       cudaStream_t s) {
  grl_backward_impl(n, lambda, dy, dx, accumulate, s);
}

}  // namespace gripcu::kernels
