// CUDA twin of kernels/concat.h: a strided block copy (or add) of `width` columns per row.
#include "kernels/concat.h"

#include "kernels/cuda/common.cuh"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

template <typename T, bool ACC>
struct CopyCols {
  int64_t width;
  const T* src;
  int64_t src_ld;
  T* dst;
  int64_t dst_ld;
  // Flat index over rows x width: consecutive threads touch consecutive columns (coalesced).
  __device__ void operator()(int64_t i) const {
    const int64_t r = i / width, c = i - r * width;
    const T v = src[r * src_ld + c];
    T& d = dst[r * dst_ld + c];
    d = ACC ? d + v : v;
  }
};

template <typename T>
void copy_cols_impl(int64_t rows, int64_t width, const T* src, int64_t src_ld, T* dst, int64_t dst_ld,
                    bool accumulate, cudaStream_t s) {
  if (rows <= 0 || width <= 0) return;
  if (!accumulate) {
    // A plain copy is a 2-D memcpy: the copy engine / driver path is as fast as a kernel.
    GRIPCU_CUDA_CHECK(cudaMemcpy2DAsync(dst, sizeof(T) * static_cast<size_t>(dst_ld), src,
                                        sizeof(T) * static_cast<size_t>(src_ld), sizeof(T) * static_cast<size_t>(width),
                                        static_cast<size_t>(rows), cudaMemcpyDeviceToDevice, s));
    return;
  }
  launch_map(rows * width, CopyCols<T, true>{width, src, src_ld, dst, dst_ld}, s);
}

template <typename T>
void concat_cols_impl(int64_t rows, int count, const ColPart<T>* parts, T* dst, int64_t dst_ld, cudaStream_t s) {
  for (int i = 0; i < count; ++i) {
    copy_cols_impl(rows, parts[i].width, parts[i].src, parts[i].src_ld, dst, dst_ld, false, s);
    dst += parts[i].width;
  }
}

}  // namespace

void copy_cols_cuda(int64_t rows, int64_t width, const float* src, int64_t src_ld, float* dst, int64_t dst_ld,
                    bool accumulate, cudaStream_t s) {
  copy_cols_impl(rows, width, src, src_ld, dst, dst_ld, accumulate, s);
}
void copy_cols_cuda(int64_t rows, int64_t width, const double* src, int64_t src_ld, double* dst, int64_t dst_ld,
                    bool accumulate, cudaStream_t s) {
  copy_cols_impl(rows, width, src, src_ld, dst, dst_ld, accumulate, s);
}

void concat_cols_cuda(int64_t rows, int count, const ColPart<float>* parts, float* dst, int64_t dst_ld, cudaStream_t s) {
  concat_cols_impl(rows, count, parts, dst, dst_ld, s);
}
void concat_cols_cuda(int64_t rows, int count, const ColPart<double>* parts, double* dst, int64_t dst_ld,
                      cudaStream_t s) {
  concat_cols_impl(rows, count, parts, dst, dst_ld, s);
}

}  // namespace gripcu::kernels
