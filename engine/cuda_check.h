#pragma once
// Checks for CUDA runtime, cuBLAS(Lt) and cuDNN calls: each failure throws gripcu::Error with the
// call, file, line and the library's own message. Include only from CUDA-enabled code.
#include <cuda_runtime.h>
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cudnn.h>

#include "engine/error.h"

namespace gripcu::detail {
const char* cublas_status_string(cublasStatus_t s);
}

#define GRIPCU_CUDA_CHECK(call)                                                                   \
  do {                                                                                            \
    cudaError_t gripcu_err_ = (call);                                                             \
    if (gripcu_err_ != cudaSuccess)                                                               \
      ::gripcu::detail::throw_error(__FILE__, __LINE__, ::gripcu::detail::concat(                 \
          #call, " failed: ", cudaGetErrorName(gripcu_err_), ": ", cudaGetErrorString(gripcu_err_))); \
  } while (0)

// After a kernel launch: launch-configuration errors surface here (no device sync).
#define GRIPCU_CUDA_LAUNCH_CHECK() GRIPCU_CUDA_CHECK(cudaGetLastError())

#define GRIPCU_CUBLAS_CHECK(call)                                                                  \
  do {                                                                                             \
    cublasStatus_t gripcu_st_ = (call);                                                            \
    if (gripcu_st_ != CUBLAS_STATUS_SUCCESS)                                                       \
      ::gripcu::detail::throw_error(__FILE__, __LINE__, ::gripcu::detail::concat(                  \
          #call, " failed: ", ::gripcu::detail::cublas_status_string(gripcu_st_)));                \
  } while (0)

#define GRIPCU_CUDNN_CHECK(call)                                                                   \
  do {                                                                                             \
    cudnnStatus_t gripcu_st_ = (call);                                                             \
    if (gripcu_st_ != CUDNN_STATUS_SUCCESS)                                                        \
      ::gripcu::detail::throw_error(__FILE__, __LINE__, ::gripcu::detail::concat(                  \
          #call, " failed: ", cudnnGetErrorString(gripcu_st_)));                                   \
  } while (0)
