#pragma once
// Internal to autograd/: pick the kernel twin by dtype and device.
//   GRIPCU_FLOAT_TYPES(dt, T, body): runs body with T = float or double.
//   GRIPCU_DEVICE_CALL(dev, cpu_call, cuda_call): cuda_call may use `stream`; in a build without
//   CUDA a CUDA device is an error (require_device throws), never a silent CPU fallback.
#include "engine/device.h"
#include "engine/error.h"
#include "engine/tensor.h"

#define GRIPCU_FLOAT_TYPES(dt, T, ...)                                        \
  do {                                                                        \
    if ((dt) == ::gripcu::DType::f32) { using T = float; __VA_ARGS__; }       \
    else if ((dt) == ::gripcu::DType::f64) { using T = double; __VA_ARGS__; } \
    else GRIPCU_FAIL("expected a floating-point tensor, got ", ::gripcu::dtype_name(dt)); \
  } while (0)

#ifdef GRIPCU_HAVE_CUDA
#define GRIPCU_DEVICE_CALL(dev, cpu_call, cuda_call)              \
  do {                                                            \
    if ((dev).is_cpu()) { cpu_call; }                             \
    else { cudaStream_t stream = ::gripcu::stream_for(dev); cuda_call; } \
  } while (0)
#else
#define GRIPCU_DEVICE_CALL(dev, cpu_call, cuda_call) \
  do {                                               \
    if ((dev).is_cpu()) { cpu_call; }                \
    else ::gripcu::require_device(dev);              \
  } while (0)
#endif
