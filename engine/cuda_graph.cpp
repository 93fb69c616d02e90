#include "engine/cuda_graph.h"

#include "engine/error.h"
#include "engine/memory.h"

#ifdef GRIPCU_HAVE_CUDA
#include "engine/cuda_check.h"
#endif

namespace gripcu {

CudaGraph::CudaGraph(Device d) : dev_(d) {}

CudaGraph::~CudaGraph() {
#ifdef GRIPCU_HAVE_CUDA
  // Destructors must not throw: errors here can only be reported, and the process goes on.
  if (exec_) (void)cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec_));
  if (graph_) (void)cudaGraphDestroy(static_cast<cudaGraph_t>(graph_));
  try {
    capture_pool_destroy(dev_, pool_);
  } catch (...) {
  }
#endif
}

void CudaGraph::capture(const std::function<void()>& body) {
  GRIPCU_CHECK(dev_.is_cuda(), "CUDA graph capture needs a CUDA device, not ", dev_.str());
  GRIPCU_CHECK(!captured(), "CudaGraph: already captured");
#ifdef GRIPCU_HAVE_CUDA
  cudaStream_t s = stream_for(dev_);
  GRIPCU_CUDA_CHECK(cudaSetDevice(dev_.index));
  if (pool_ == 0) pool_ = capture_pool_create(dev_);
  // Relaxed: the pool may still need a cudaMalloc the first time it grows.
  GRIPCU_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeRelaxed));
  capture_pool_begin(dev_, pool_);
  cudaGraph_t g = nullptr;
  try {
    body();
  } catch (...) {
    capture_pool_end(dev_);
    (void)cudaStreamEndCapture(s, &g);  // leave the stream usable; the partial graph is dropped
    if (g) (void)cudaGraphDestroy(g);
    (void)cudaGetLastError();
    throw;
  }
  capture_pool_end(dev_);
  GRIPCU_CUDA_CHECK(cudaStreamEndCapture(s, &g));
  graph_ = g;
  cudaGraphExec_t e = nullptr;
  GRIPCU_CUDA_CHECK(cudaGraphInstantiate(&e, g, 0));
  exec_ = e;
#else
  (void)body;
  GRIPCU_FAIL("CUDA graph capture: this gripcu was built without CUDA");
#endif
}

void CudaGraph::replay() {
  GRIPCU_CHECK(captured(), "CudaGraph::replay before capture");
#ifdef GRIPCU_HAVE_CUDA
  GRIPCU_CUDA_CHECK(cudaGraphLaunch(static_cast<cudaGraphExec_t>(exec_), stream_for(dev_)));
#endif
}

}  // namespace gripcu
