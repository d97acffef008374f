#include "optim.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "pool.h"
#include "vector_loops.h"

// Every element is computed as in src/optim: float32 values widened to double, IEEE double
// operations in the order the TypeScript writes them (no FMA: the addon is compiled with
// -ffp-contract=off), rounded to float32 where a value is stored. Each loop has a scalar form
// and a vector form doing the same operations on 8 doubles at a time (optim_vec.h, compiled
// for AVX-512 and for AVX2), chosen at run time.
// They are written by hand because the compiler leaves these loops scalar: under the default
// -fmath-errno, std::sqrt keeps a call (which may set errno) inside the loop.

// GCC 12 warns about the deliberately undefined upper parts in its own AVX-512 conversion
// intrinsics (a false positive inside avx512fintrin.h).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace bamsprod {
namespace {

// Blocks of the parallel split and of the ordered sums (optim.h).
constexpr int64_t kBlock = kOptimSumBlock;
constexpr int kLanes = kOptimSumLanes;
static_assert(kLanes == 8, "one AVX-512 register (two AVX2 registers) of doubles holds the lanes");
static_assert(kBlock % kLanes == 0, "blocks hold whole lane groups");

// Which loops run: AVX-512 when the CPU and the OS support AVX-512F, else AVX2 when they support
// AVX2, else scalar, read once at load time. BAMSPROD_OPTIM_PATH=avx2 or =scalar forces a lower
// one (the tests check every path this CPU supports).
const LoopPath kPath = widestPath("BAMSPROD_OPTIM_PATH", "scalar");

inline int64_t blocks(int64_t n) { return (n + kBlock - 1) / kBlock; }

// Runs fn(i0, i1, block) over the blocks of [0, n) on the pool (serially below 4 blocks).
template <typename F>
void forBlocks(int64_t n, F fn) {
  parallelFor(blocks(n), 4, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) fn(b * kBlock, std::min(n, (b + 1) * kBlock), b);
  });
}

// A block's sum from its lanes, in the documented order.
inline double combineLanes(const double* s) {
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// Block sums added one after the other, in block order.
double ordered(const double* parts, int64_t count) {
  double total = 0;
  for (int64_t b = 0; b < count; b++) total += parts[b];
  return total;
}

// Per-block results of the calling thread, reused from step to step (grown, never shrunk).
double* blockScratch(int64_t count) {
  thread_local std::vector<double> scratch;
  if (static_cast<int64_t>(scratch.size()) < count) scratch.resize(count);
  return scratch.data();
}

// The scalars of a step, with 1 - beta computed as the TypeScript does.
struct Coefficients {
  double decay, beta1, beta2, ob1, ob2, stepSize, invBc2, eps;
  explicit Coefficients(const AdamScalars& s)
      : decay(s.decay),
        beta1(s.beta1),
        beta2(s.beta2),
        ob1(1 - s.beta1),
        ob2(1 - s.beta2),
        stepSize(s.stepSize),
        invBc2(s.invBc2),
        eps(s.eps) {}
};

// ---- Scalar forms (also the tails of the vector loops); comments number the spec's lines ----

inline float decayed(float x, const Coefficients& c) { return static_cast<float>(x * c.decay); }  // 1.
inline float firstMoment(float m, double g, const Coefficients& c) {                             // 2.
  return static_cast<float>(c.beta1 * m + c.ob1 * g);
}
inline float secondMoment(float v, double g, const Coefficients& c) {  // 3.
  return static_cast<float>(c.beta2 * v + c.ob2 * g * g);
}
inline float runningMax(float vmax, float v) { return v > vmax ? v : vmax; }  // 4.
inline double project(double vt, double lower, double upper) {                // 9.
  return vt < lower ? lower : vt > upper ? upper : vt;
}
// 10. on the decayed x, with `second` the bias-corrected (and projected) second moment.
inline float stepped(float x, float m, double second, const Coefficients& c) {
  return static_cast<float>(x - (c.stepSize * m) / (std::sqrt(second) + c.eps));
}
// 11. Clamping to float(clip) gives the float32 that the TypeScript's double clamp rounds to.
inline float clamp(float x, float clip) { return x < -clip ? -clip : x > clip ? clip : x; }

// One fused update pass (Adam's lines 1-5, 10-11), with what AMSGrad and BAMSProd add:
// kMax: the running maximum vmax of v, stored, in the denominator (line 4); kProject: vmax/bc2
// projected into [b.lower, b.upper] (BAMSProd's line 9); kSumAbs: |new x| summed into lanes,
// element i into lane (i - from) % kLanes (the next step's mean |x|, see bamsprodApply).
struct Bounds {
  double lower, upper;
};

template <bool kMax, bool kProject, bool kSumAbs>
void updateScalar(float* x, const float* g, float* m, float* v, float* vmax, int64_t from, int64_t i0, int64_t i1,
                  const Coefficients& c, Bounds b, float clip, double* absLanes) {
  for (int64_t i = i0; i < i1; i++) {
    const double gi = g[i];
    const float xi = decayed(x[i], c);
    const float mi = m[i] = firstMoment(m[i], gi, c);
    const float vi = v[i] = secondMoment(v[i], gi, c);
    float second = vi;
    if (kMax) second = vmax[i] = runningMax(vmax[i], vi);
    double vt = second * c.invBc2;  // 5.
    if (kProject) vt = project(vt, b.lower, b.upper);
    const float xn = x[i] = clamp(stepped(xi, mi, vt, c), clip);
    if (kSumAbs) absLanes[(i - from) % kLanes] += std::fabs(xn);
  }
}

// BAMSProd's read-only pass (phase 1 of a step): the gradient check (entries whose magnitude
// bits exceed `limitBits`, see gradientLimitBits), lines 3-4 computed but not stored with the new
// vmax summed, and for a binary tensor |x*decay| summed and, around a guess `pivot` of
// a = mean(|x*decay|), the deviations ||x*decay| - pivot| of line 6. Element i adds into lane
// (i - from) % kLanes.
struct InspectSums {
  int64_t bad = 0;
  double vmax[kLanes] = {}, abs[kLanes] = {}, deviation[kLanes] = {};
};

inline bool badGradient(const float* g, int64_t i, uint32_t limitBits) {
  uint32_t bits;
  std::memcpy(&bits, g + i, sizeof bits);
  return (bits & 0x7fffffffu) > limitBits;
}

template <bool kBinary>
void inspectScalar(const float* x, const float* g, const float* v, const float* vmax, int64_t from, int64_t i0,
                   int64_t i1, const Coefficients& c, uint32_t limitBits, double pivot, InspectSums& s) {
  for (int64_t i = i0; i < i1; i++) {
    const int64_t lane = (i - from) % kLanes;
    s.bad += badGradient(g, i, limitBits);
    s.vmax[lane] += runningMax(vmax[i], secondMoment(v[i], g[i], c));  // 3.-4.
    if (kBinary) {
      const double magnitude = std::fabs(decayed(x[i], c));  // 1., 6.
      s.abs[lane] += magnitude;
      s.deviation[lane] += std::fabs(magnitude - pivot);
    }
  }
}

// Line 6's deviations |x - a*sign(x)| = ||x| - a| (negation is exact), into lanes as above.
void deviationScalar(const float* x, int64_t from, int64_t i0, int64_t i1, const Coefficients& c, double a,
                     double* lanes) {
  for (int64_t i = i0; i < i1; i++) lanes[(i - from) % kLanes] += std::fabs(std::fabs(decayed(x[i], c)) - a);
}

// ---- Vector forms (optim_vec.h), compiled for AVX-512 and for AVX2 ----

namespace avx512 {
#pragma GCC push_options
#pragma GCC target("avx512f")
using Vd = __m512d;
inline Vd set1(double v) { return _mm512_set1_pd(v); }
inline Vd zero() { return _mm512_setzero_pd(); }
inline Vd widen(__m256 f) { return _mm512_cvtps_pd(f); }
inline __m256 narrow(Vd d) { return _mm512_cvtpd_ps(d); }
inline Vd load(const float* p) { return widen(_mm256_loadu_ps(p)); }
inline void store(double* p, Vd d) { _mm512_storeu_pd(p, d); }
inline Vd add(Vd a, Vd b) { return _mm512_add_pd(a, b); }
inline Vd sub(Vd a, Vd b) { return _mm512_sub_pd(a, b); }
inline Vd mul(Vd a, Vd b) { return _mm512_mul_pd(a, b); }
inline Vd div(Vd a, Vd b) { return _mm512_div_pd(a, b); }
inline Vd sqrt(Vd a) { return _mm512_sqrt_pd(a); }
inline Vd abs(Vd a) { return _mm512_abs_pd(a); }
inline Vd project(Vd vt, Vd lower, Vd upper) {
  const Vd capped = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(vt, upper, _CMP_GT_OQ), vt, upper);
  return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(vt, lower, _CMP_LT_OQ), capped, lower);
}
#include "optim_vec.h"
#pragma GCC pop_options
}  // namespace avx512

namespace avx2 {
#pragma GCC push_options
#pragma GCC target("avx2")
// 8 doubles as two halves: elements 0-3 in lo, 4-7 in hi (so lane l is still element l).
struct Vd {
  __m256d lo, hi;
};
inline Vd set1(double v) { return {_mm256_set1_pd(v), _mm256_set1_pd(v)}; }
inline Vd zero() { return {_mm256_setzero_pd(), _mm256_setzero_pd()}; }
inline Vd widen(__m256 f) {
  return {_mm256_cvtps_pd(_mm256_castps256_ps128(f)), _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1))};
}
inline __m256 narrow(Vd d) { return _mm256_set_m128(_mm256_cvtpd_ps(d.hi), _mm256_cvtpd_ps(d.lo)); }
inline Vd load(const float* p) { return widen(_mm256_loadu_ps(p)); }
inline void store(double* p, Vd d) {
  _mm256_storeu_pd(p, d.lo);
  _mm256_storeu_pd(p + 4, d.hi);
}
inline Vd add(Vd a, Vd b) { return {_mm256_add_pd(a.lo, b.lo), _mm256_add_pd(a.hi, b.hi)}; }
inline Vd sub(Vd a, Vd b) { return {_mm256_sub_pd(a.lo, b.lo), _mm256_sub_pd(a.hi, b.hi)}; }
inline Vd mul(Vd a, Vd b) { return {_mm256_mul_pd(a.lo, b.lo), _mm256_mul_pd(a.hi, b.hi)}; }
inline Vd div(Vd a, Vd b) { return {_mm256_div_pd(a.lo, b.lo), _mm256_div_pd(a.hi, b.hi)}; }
inline Vd sqrt(Vd a) { return {_mm256_sqrt_pd(a.lo), _mm256_sqrt_pd(a.hi)}; }
inline Vd abs(Vd a) {
  const __m256d sign = _mm256_set1_pd(-0.0);
  return {_mm256_andnot_pd(sign, a.lo), _mm256_andnot_pd(sign, a.hi)};
}
inline __m256d project(__m256d vt, __m256d lower, __m256d upper) {
  const __m256d capped = _mm256_blendv_pd(vt, upper, _mm256_cmp_pd(vt, upper, _CMP_GT_OQ));
  return _mm256_blendv_pd(capped, lower, _mm256_cmp_pd(vt, lower, _CMP_LT_OQ));
}
inline Vd project(Vd vt, Vd lower, Vd upper) {
  return {project(vt.lo, lower.lo, upper.lo), project(vt.hi, lower.hi, upper.hi)};
}
#include "optim_vec.h"
#pragma GCC pop_options
}  // namespace avx2

// ---- One block, on the path chosen for this CPU ----

// One block of a fused update pass; returns its sum of |new x| when kSumAbs (else 0).
template <bool kMax, bool kProject, bool kSumAbs>
double updateBlock(float* x, const float* g, float* m, float* v, float* vmax, int64_t i0, int64_t i1,
                   const Coefficients& c, Bounds b, float clip) {
  double absLanes[kLanes] = {};
  if (kPath == LoopPath::Avx512)
    avx512::updateVec<kMax, kProject, kSumAbs>(x, g, m, v, vmax, i0, i1, c, b, clip, absLanes);
  else if (kPath == LoopPath::Avx2)
    avx2::updateVec<kMax, kProject, kSumAbs>(x, g, m, v, vmax, i0, i1, c, b, clip, absLanes);
  else
    updateScalar<kMax, kProject, kSumAbs>(x, g, m, v, vmax, i0, i0, i1, c, b, clip, absLanes);
  return kSumAbs ? combineLanes(absLanes) : 0;
}

template <bool kBinary>
void inspectBlock(const float* x, const float* g, const float* v, const float* vmax, int64_t i0, int64_t i1,
                  const Coefficients& c, uint32_t limitBits, double pivot, InspectSums& s) {
  const bool decay = c.decay != 1;
  if (kPath == LoopPath::Avx512 && decay)
    avx512::inspectVec<kBinary, true>(x, g, v, vmax, i0, i1, c, limitBits, pivot, s);
  else if (kPath == LoopPath::Avx512)
    avx512::inspectVec<kBinary, false>(x, g, v, vmax, i0, i1, c, limitBits, pivot, s);
  else if (kPath == LoopPath::Avx2 && decay)
    avx2::inspectVec<kBinary, true>(x, g, v, vmax, i0, i1, c, limitBits, pivot, s);
  else if (kPath == LoopPath::Avx2)
    avx2::inspectVec<kBinary, false>(x, g, v, vmax, i0, i1, c, limitBits, pivot, s);
  else
    inspectScalar<kBinary>(x, g, v, vmax, i0, i0, i1, c, limitBits, pivot, s);
}

double deviationBlock(const float* x, int64_t i0, int64_t i1, const Coefficients& c, double a) {
  double lanes[kLanes] = {};
  if (kPath == LoopPath::Avx512)
    avx512::deviationVec(x, i0, i1, c, a, lanes);
  else if (kPath == LoopPath::Avx2)
    avx2::deviationVec(x, i0, i1, c, a, lanes);
  else
    deviationScalar(x, i0, i0, i1, c, a, lanes);
  return combineLanes(lanes);
}

// The magnitude bits of the largest float32 <= limit (limit >= 0): |g| > limit exactly when the
// magnitude bits of g exceed them (NaNs and infinities have the largest patterns).
uint32_t gradientLimitBits(double limit) {
  float largest = static_cast<float>(limit);
  if (largest > limit) largest = std::nextafter(largest, 0.0f);
  uint32_t bits;
  std::memcpy(&bits, &largest, sizeof bits);
  return bits;
}

// Integer compares only, which the compiler vectorizes by itself: |g| > limit exactly when the
// magnitude bits of g exceed those of the largest float32 <= limit (NaNs and infinities have
// the largest patterns).
BAMSPROD_VECTOR_LOOP int64_t countAbove(const uint32_t* __restrict bits, int64_t i0, int64_t i1, uint32_t limit) {
  int64_t bad = 0;
  for (int64_t i = i0; i < i1; i++) bad += (bits[i] & 0x7fffffffu) > limit;
  return bad;
}

}  // namespace

void adamUpdate(float* x, const float* g, float* m, float* v, float* vmax, int64_t n, const AdamScalars& s,
                double clip) {
  const Coefficients c(s);
  const float bound = static_cast<float>(clip);
  if (vmax == nullptr)
    forBlocks(n, [&](int64_t i0, int64_t i1, int64_t) {
      updateBlock<false, false, false>(x, g, m, v, nullptr, i0, i1, c, Bounds{0, 0}, bound);
    });
  else
    forBlocks(n, [&](int64_t i0, int64_t i1, int64_t) {
      updateBlock<true, false, false>(x, g, m, v, vmax, i0, i1, c, Bounds{0, 0}, bound);
    });
}

BamsprodSums bamsprodInspect(const float* x, const float* g, const float* v, const float* vmax, int64_t n,
                             const AdamScalars& s, double limit, double pivot) {
  if (n == 0) return {0, 0, 0, 0};
  const Coefficients c(s);
  const uint32_t limitBits = gradientLimitBits(std::max(limit, 0.0));
  const int64_t count = blocks(n);
  double* const bad = blockScratch(4 * count);  // at most kBlock each: exact in a double
  double* const vmaxSums = bad + count;
  double* const absSums = bad + 2 * count;
  double* const deviationSums = bad + 3 * count;
  forBlocks(n, [&](int64_t i0, int64_t i1, int64_t b) {
    InspectSums sums;
    if (x != nullptr)
      inspectBlock<true>(x, g, v, vmax, i0, i1, c, limitBits, pivot, sums);
    else
      inspectBlock<false>(x, g, v, vmax, i0, i1, c, limitBits, pivot, sums);
    bad[b] = static_cast<double>(sums.bad);
    vmaxSums[b] = combineLanes(sums.vmax);
    absSums[b] = combineLanes(sums.abs);
    deviationSums[b] = combineLanes(sums.deviation);
  });
  const int64_t badCount = !(limit >= 0) ? n : static_cast<int64_t>(ordered(bad, count));
  return {badCount, ordered(vmaxSums, count), ordered(absSums, count), ordered(deviationSums, count)};
}

double bamsprodDeviation(const float* x, int64_t n, const AdamScalars& s, double a) {
  const Coefficients c(s);
  const int64_t count = blocks(n);
  double* const sums = blockScratch(count);
  forBlocks(n, [&](int64_t i0, int64_t i1, int64_t b) { sums[b] = deviationBlock(x, i0, i1, c, a); });
  return ordered(sums, count);
}

double bamsprodApply(float* x, const float* g, float* m, float* v, float* vmax, int64_t n, bool binary,
                     const AdamScalars& s, double lower, double upper, double clip) {
  const Coefficients c(s);
  const float bound = static_cast<float>(clip);
  const int64_t count = blocks(n);
  double* const sums = blockScratch(count);
  if (binary)
    forBlocks(n, [&](int64_t i0, int64_t i1, int64_t b) {
      sums[b] = updateBlock<true, true, true>(x, g, m, v, vmax, i0, i1, c, Bounds{lower, upper}, bound);
    });
  else
    forBlocks(n, [&](int64_t i0, int64_t i1, int64_t b) {
      sums[b] = updateBlock<true, true, false>(x, g, m, v, vmax, i0, i1, c, Bounds{lower, upper}, bound);
    });
  return ordered(sums, count);
}

int64_t countBadGradients(const float* g, int64_t n, double limit) {
  if (n <= 0) return 0;
  if (!(limit >= 0)) return n;  // every entry is beyond a negative (or NaN) limit
  const uint32_t limitBits = gradientLimitBits(limit);
  const uint32_t* bits = reinterpret_cast<const uint32_t*>(g);
  double* const counts = blockScratch(blocks(n));  // at most kBlock each: exact in a double
  forBlocks(n, [&](int64_t i0, int64_t i1, int64_t b) {
    counts[b] = static_cast<double>(vectorized<countAbove>(bits, i0, i1, limitBits));
  });
  return static_cast<int64_t>(ordered(counts, blocks(n)));
}

}  // namespace bamsprod

namespace bamsprod {
const char* optimPath() {
  return pathName(kPath, "scalar");
}
}  // namespace bamsprod
