// GEMM through OpenBLAS, with results that do not depend on the thread count. OpenBLAS's own
// threads split a product differently for each thread count, and its per-thread blocking then
// changes the order of the sums (measured: thousands of differing elements between 1 and 2
// threads on bmlp's products, AMD EPYC, OpenBLAS 0.3.21 Zen). So OpenBLAS always runs on one
// thread, and a large product is cut here into blocks of whole output rows or columns, fixed by
// the shape alone, which the worker pool runs: every thread count makes the same OpenBLAS calls
// on the same shapes, and no sum is ever split.
#include <cblas.h>

#include <algorithm>

#include "kernels.h"
#include "pool.h"

namespace bamsprod {
namespace {

// Products smaller than this many multiply-adds run as one call (a hand-off costs more).
constexpr int64_t kMinSplitMacs = int64_t(1) << 22;
// Narrowest block along the cut dimension: each block repacks the other operand, which costs
// 0-5% at 256 (measured single-threaded on bmlp's shapes) and up to 15% at 128.
constexpr int64_t kMinBlock = 256;
// Most blocks a product is cut into (fixed, like the rest, by the shape alone): bcnn's chunked
// convolution GEMMs cut into 256-wide blocks trained ~20% slower at 1 thread than uncut ones.
constexpr int64_t kMaxBlocks = 8;
// Block widths are multiples of this (OpenBLAS's micro-kernel widths divide it).
constexpr int64_t kBlockAlign = 16;

struct Operands {
  bool transA, transB;
  int64_t m, n, k;
  float alpha, beta;
  const float* a;
  const float* b;
  float* c;
};

// Rows [i0, i1) and columns [j0, j1) of C, one OpenBLAS call. Row-major leading dimensions of
// the arrays as stored (A is k x m when transposed, B n x k).
void block(const Operands& p, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  const int64_t lda = p.transA ? p.m : p.k, ldb = p.transB ? p.k : p.n;
  const float* a = p.a + (p.transA ? i0 : i0 * lda);
  const float* b = p.b + (p.transB ? j0 * ldb : j0);
  cblas_sgemm(CblasRowMajor, p.transA ? CblasTrans : CblasNoTrans, p.transB ? CblasTrans : CblasNoTrans,
              static_cast<int>(i1 - i0), static_cast<int>(j1 - j0), static_cast<int>(p.k), p.alpha, a,
              static_cast<int>(std::max<int64_t>(1, lda)), b, static_cast<int>(std::max<int64_t>(1, ldb)), p.beta,
              p.c + i0 * p.n + j0, static_cast<int>(std::max<int64_t>(1, p.n)));
}

// Width of the blocks the longer output dimension `length` is cut into (length: one block).
int64_t blockWidth(int64_t length, int64_t macs) {
  const int64_t blocks = macs < kMinSplitMacs ? 1 : std::clamp<int64_t>(length / kMinBlock, 1, kMaxBlocks);
  const int64_t width = (length + blocks - 1) / blocks;
  return (width + kBlockAlign - 1) / kBlockAlign * kBlockAlign;
}

}  // namespace

void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          const float* b, float beta, float* c) {
  if (m == 0 || n == 0) return;
  const Operands p{transA, transB, m, n, k, alpha, beta, a, b, c};
  const bool byColumns = n >= m;
  const int64_t length = byColumns ? n : m;
  const int64_t width = blockWidth(length, m * n * k);
  parallelFor((length + width - 1) / width, 1, [&](int64_t q0, int64_t q1) {
    const int64_t lo = q0 * width, hi = std::min(length, q1 * width);
    for (int64_t s = lo; s < hi; s += width) {
      const int64_t e = std::min(hi, s + width);
      if (byColumns)
        block(p, 0, m, s, e);
      else
        block(p, s, e, 0, n);
    }
  });
}

void gemmSingle(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                const float* b, float beta, float* c) {
  if (m == 0 || n == 0) return;
  block(Operands{transA, transB, m, n, k, alpha, beta, a, b, c}, 0, m, 0, n);
}

void useSingleThreadedBlas() { openblas_set_num_threads(1); }

}  // namespace bamsprod
