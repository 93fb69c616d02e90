#pragma once
// Embedding lookup and its deterministic backward.
//   forward:  out[i, :] = table[idx[i], :]          (table [vocab, dim], idx [n], out [n, dim])
//   backward: dtable[v, :] (+)= sum over i with idx[i] == v of dout[i, :], summed in increasing i
//             on every device (no atomics: the order, hence the bits, never change).
// Indices outside [0, vocab) are an error (CPU: gripcu::Error; CUDA: the forward row is
// zero-filled, the backward skips that position, and embedding_index_check_cuda reports it).
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

template <typename T>
void embedding_forward_cpu(int64_t n, int64_t dim, int64_t vocab, const T* table, const int64_t* idx, T* out);
template <typename T>
void embedding_backward_cpu(int64_t n, int64_t dim, int64_t vocab, const int64_t* idx, const T* dout, T* dtable,
                            bool accumulate);

void embedding_forward_cuda(int64_t n, int64_t dim, int64_t vocab, const float* table, const int64_t* idx, float* out,
                            cudaStream_t s);
void embedding_forward_cuda(int64_t n, int64_t dim, int64_t vocab, const double* table, const int64_t* idx,
                            double* out, cudaStream_t s);
void embedding_backward_cuda(int64_t n, int64_t dim, int64_t vocab, const int64_t* idx, const float* dout,
                             float* dtable, bool accumulate, cudaStream_t s);
void embedding_backward_cuda(int64_t n, int64_t dim, int64_t vocab, const int64_t* idx, const double* dout,
                             double* dtable, bool accumulate, cudaStream_t s);
// Position of the first index outside [0, vocab), or -1 when all are valid. Waits for the stream
// (it returns a host value): for input validation and tests, not inside a captured step.
int64_t embedding_index_check_cuda(int64_t n, int64_t vocab, const int64_t* idx, cudaStream_t s);

}  // namespace gripcu::kernels
