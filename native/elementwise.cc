// Element-wise kernels: the sign quantizer, its straight-through gradient, and the latent-weight
// clip. Each is a single pass bound by memory bandwidth; the loops are written so the compiler vectorizes them
// (vector.h: built for AVX-512, AVX2 and baseline x86-64, one chosen at load time) and large arrays are
// split across the pool. Results do not depend on the thread count (no reductions).
#include <algorithm>
#include <cmath>

#include "kernels.h"
#include "pool.h"
#include "vector_loops.h"

namespace bamsprod {
namespace {

// Elements per pool chunk: large enough that handing a chunk to another thread pays off.
constexpr int64_t kGrain = 32768;

BAMSPROD_VECTOR_LOOP void signRange(const float* __restrict x, float* __restrict y, int64_t i0, int64_t i1) {
  // "Not >= 0" rather than "< 0": NaN maps to -1, as in the portable kernel and packSigns.
  for (int64_t i = i0; i < i1; i++) y[i] = x[i] >= 0.0f ? 1.0f : -1.0f;
}

BAMSPROD_VECTOR_LOOP void steRange(const float* __restrict x, const float* __restrict dy, float* __restrict dx,
                                   int64_t i0, int64_t i1) {
  // dy * 0 rather than skipping the add, so a NaN or infinite dy propagates as it does in the
  // portable kernel (dx + dy*mask), and the two give bit-identical results. The mask in a
  // variable of its own: written inside the sum, GCC vectorized the loop for AVX-512 only.
  for (int64_t i = i0; i < i1; i++) {
    const float mask = std::fabs(x[i]) <= 1.0f ? 1.0f : 0.0f;
    dx[i] += dy[i] * mask;
  }
}

BAMSPROD_VECTOR_LOOP void clipRange(float* __restrict x, float bound, int64_t i0, int64_t i1) {
  // Comparisons, not fmin/fmax: NaN stays NaN and -0 stays -0, as in the portable kernel.
  for (int64_t i = i0; i < i1; i++) x[i] = x[i] < -bound ? -bound : x[i] > bound ? bound : x[i];
}

}  // namespace

void clipInPlace(float* x, int64_t n, float bound) {
  parallelFor(n, kGrain, [&](int64_t i0, int64_t i1) { vectorized<clipRange>(x, bound, i0, i1); });
}

void signForward(const float* x, int64_t n, float* y) {
  parallelFor(n, kGrain, [&](int64_t i0, int64_t i1) { vectorized<signRange>(x, y, i0, i1); });
}

void steBackward(const float* x, const float* dy, int64_t n, float* dx) {
  parallelFor(n, kGrain, [&](int64_t i0, int64_t i1) { vectorized<steRange>(x, dy, dx, i0, i1); });
}

}  // namespace bamsprod
