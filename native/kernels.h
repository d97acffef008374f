// The native kernels as plain C++ functions on raw arrays (row-major, caller-allocated), the
// same contracts as src/kernels/kernels.ts. addon.cc binds them to JavaScript; the argument
// sizes are checked there, so these trust their inputs.
#pragma once

#include <cstdint>

namespace bamsprod {

struct ConvGeometry {
  int64_t batch, inChannels, inHeight, inWidth, outChannels;
  int64_t kernelH, kernelW, strideH, strideW, padH, padW, outHeight, outWidth;
};

struct PoolGeometry {
  int64_t batch, channels, inHeight, inWidth, size, stride, outHeight, outWidth;
};

// C = alpha * op(A) * op(B) + beta * C through cblas_sgemm, without copying.
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          const float* b, float beta, float* c);

void conv2dForward(const float* x, const float* w, const ConvGeometry& g, float* y);
void conv2dBackwardInput(const float* dy, const float* w, const ConvGeometry& g, float* dx);
void conv2dBackwardFilter(const float* x, const float* dy, const ConvGeometry& g, float* dw);

void maxPoolForward(const float* x, const PoolGeometry& g, float* y, int32_t* argmax);
void maxPoolBackward(const float* dy, const int32_t* argmax, int64_t count, float* dx, int64_t dxLength);
void avgPoolForward(const float* x, const PoolGeometry& g, float* y);
void avgPoolBackward(const float* dy, const PoolGeometry& g, float* dx);

// c[m x n] = sum_k sign(a[i,k]) * sign(b[j,k]); sign(v) = +1 when v >= 0, else -1.
void binaryGemm(int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c);

// Sign bits, one row of `k` values per `rows`, packed into 64-bit words (bit set = negative),
// words per row = ceil(k / 64), unused high bits zero. Exposed for tests and benchmarks.
void packSigns(int64_t rows, int64_t k, const float* src, uint64_t* dst);

// XNOR product of packed operands: c[i,j] = k - 2 * popcount(a_i XOR b_j).
void binaryGemmPacked(int64_t m, int64_t n, int64_t k, const uint64_t* a, const uint64_t* b, float* c);

// Name of the XNOR/popcount code path chosen for this CPU ("avx512-vpopcntdq", "popcnt", "generic").
const char* binaryPath();

// Forces a code path by name (tests use it to check every path on one machine); false when the
// name is unknown or this CPU cannot run it.
bool setBinaryPath(const char* name);

}  // namespace bamsprod
