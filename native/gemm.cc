#include <cblas.h>

#include "kernels.h"

namespace bamsprod {

void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          const float* b, float beta, float* c) {
  if (m == 0 || n == 0) return;
  // Row-major leading dimensions of the arrays as stored (A is k x m when transposed, B n x k).
  const int lda = static_cast<int>(transA ? m : k);
  const int ldb = static_cast<int>(transB ? k : n);
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a, lda > 0 ? lda : 1,
              b, ldb > 0 ? ldb : 1, beta, c, static_cast<int>(n));
}

int blasThreads() { return openblas_get_num_threads(); }

void setBlasThreads(int threads) { openblas_set_num_threads(threads); }

}  // namespace bamsprod
