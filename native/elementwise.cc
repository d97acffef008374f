// Element-wise kernels: the sign quantizer, its straight-through and Bi-Real gradients, the
// latent-weight clip, and the float32 sum of two arrays. Each is a single pass bound by memory
// bandwidth; the loops are written so the compiler vectorizes them (vector_loops.h: built for
// AVX-512, AVX2 and baseline x86-64, one chosen at load time) and large arrays are split across
// the pool. Results do not depend on the thread count (no reductions).
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

// dx + dy * g in double, rounded once, with g = 2 - 2|x| on [-1, 1] and 0 outside (also for a
// NaN x), as the portable kernel computes it, so the two give the same bits. Written as
// "2 - 2|x| where that is > 0, else 0" (the same values: +0 at |x| = 1), which GCC vectorizes;
// "|x| <= 1 ? 2 - 2|x| : 0" it left scalar ("control flow in loop").
BAMSPROD_VECTOR_LOOP void approxSignRange(const float* __restrict x, const float* __restrict dy, float* __restrict dx,
                                          int64_t i0, int64_t i1) {
  for (int64_t i = i0; i < i1; i++) {
    const double t = 2.0 - 2.0 * std::fabs(static_cast<double>(x[i]));
    const double g = t > 0.0 ? t : 0.0;
    dx[i] = static_cast<float>(dx[i] + dy[i] * g);
  }
}

// y may be a or b (no __restrict): the compiler checks for overlap before its vector loop.
BAMSPROD_VECTOR_LOOP void addRange(const float* a, const float* b, float* y, int64_t i0, int64_t i1) {
  for (int64_t i = i0; i < i1; i++) y[i] = a[i] + b[i];
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

void approxSignBackward(const float* x, const float* dy, int64_t n, float* dx) {
  parallelFor(n, kGrain, [&](int64_t i0, int64_t i1) { vectorized<approxSignRange>(x, dy, dx, i0, i1); });
}

void addArrays(const float* a, const float* b, int64_t n, float* y) {
  parallelFor(n, kGrain, [&](int64_t i0, int64_t i1) { vectorized<addRange>(a, b, y, i0, i1); });
}

}  // namespace bamsprod
