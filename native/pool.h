// A small persistent worker pool for all threaded kernels (GEMM blocks, im2col, pooling,
// packing, XNOR products, optimizer steps). OpenBLAS itself runs single-threaded (gemm.cc), so
// the pool is the only source of threads, and kernels split work over it only by independent
// outputs, in pieces fixed by the problem's shape, never by the thread count.
#pragma once

#include <cstdint>
#include <functional>

namespace bamsprod {

// Number of threads kernels use (the calling thread included); at least 1.
int poolThreads();

// Resizes the pool to `threads` (calling thread included). Not to be called from a task.
void setPoolThreads(int threads);

// Runs fn(begin, end) over [0, n) split into contiguous chunks of at least `grain` items, on
// the pool and the calling thread; returns when every chunk is done. Runs serially when n is
// small, when the pool has one thread, when called from inside a task of another parallelFor,
// or when another caller holds the pool (for example a second JavaScript worker thread), so it
// is always safe to call.
void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace bamsprod
