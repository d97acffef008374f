#include "optim.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "pool.h"

// Every element is computed as in src/optim: float32 values widened to double, IEEE double
// operations in the order the TypeScript writes them (no FMA: the addon is compiled with
// -ffp-contract=off), rounded to float32 where a value is stored. Each loop has a scalar form
// and an AVX-512 form doing the same operations on 8 doubles at a time, chosen at run time.
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
static_assert(kLanes == 8, "one AVX-512 register of doubles holds the lanes");
static_assert(kBlock % kLanes == 0, "blocks hold whole lane groups");

// Whether to run the AVX-512 loops: the CPU and the OS support AVX-512F, read once at load time.
// BAMSPROD_OPTIM_PATH=scalar forces the scalar loops (the tests check them on AVX-512 machines).
const bool kAvx512 = [] {
  const char* path = std::getenv("BAMSPROD_OPTIM_PATH");
  if (path != nullptr && std::strcmp(path, "scalar") == 0) return false;
  __builtin_cpu_init();  // required in code that runs during static initialization
  return __builtin_cpu_supports("avx512f") != 0;
}();

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

// ---- AVX-512 forms: the same operations on 8 elements at a time ----

#define AVX512 __attribute__((target("avx512f")))

struct Vec {
  __m512d decay, beta1, beta2, ob1, ob2, stepSize, invBc2, eps;
  AVX512 explicit Vec(const Coefficients& c)
      : decay(_mm512_set1_pd(c.decay)),
        beta1(_mm512_set1_pd(c.beta1)),
        beta2(_mm512_set1_pd(c.beta2)),
        ob1(_mm512_set1_pd(c.ob1)),
        ob2(_mm512_set1_pd(c.ob2)),
        stepSize(_mm512_set1_pd(c.stepSize)),
        invBc2(_mm512_set1_pd(c.invBc2)),
        eps(_mm512_set1_pd(c.eps)) {}
};

AVX512 inline __m512d widen(__m256 f) { return _mm512_cvtps_pd(f); }
AVX512 inline __m512d load(const float* p) { return widen(_mm256_loadu_ps(p)); }
AVX512 inline __m256 narrow(__m512d d) { return _mm512_cvtpd_ps(d); }
AVX512 inline __m512d mul(__m512d a, __m512d b) { return _mm512_mul_pd(a, b); }
AVX512 inline __m512d add(__m512d a, __m512d b) { return _mm512_add_pd(a, b); }

AVX512 inline __m256 decayed(const float* x, const Vec& c) { return narrow(mul(load(x), c.decay)); }
AVX512 inline __m256 firstMoment(const float* m, __m512d g, const Vec& c) {
  return narrow(add(mul(c.beta1, load(m)), mul(c.ob1, g)));
}
AVX512 inline __m256 secondMoment(const float* v, __m512d g, const Vec& c) {
  return narrow(add(mul(c.beta2, load(v)), mul(mul(c.ob2, g), g)));
}
AVX512 inline __m256 runningMax(const float* vmax, __m256 v) {
  const __m256 old = _mm256_loadu_ps(vmax);
  return _mm256_blendv_ps(old, v, _mm256_cmp_ps(v, old, _CMP_GT_OQ));
}
AVX512 inline __m512d project(__m512d vt, __m512d lower, __m512d upper) {
  const __m512d capped = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(vt, upper, _CMP_GT_OQ), vt, upper);
  return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(vt, lower, _CMP_LT_OQ), capped, lower);
}
AVX512 inline __m256 stepped(__m256 x, __m256 m, __m512d second, const Vec& c) {
  const __m512d step = _mm512_div_pd(mul(c.stepSize, widen(m)), add(_mm512_sqrt_pd(second), c.eps));
  return narrow(_mm512_sub_pd(widen(x), step));
}
AVX512 inline __m256 clamp(__m256 x, __m256 lo, __m256 hi) {
  const __m256 capped = _mm256_blendv_ps(x, hi, _mm256_cmp_ps(x, hi, _CMP_GT_OQ));
  return _mm256_blendv_ps(capped, lo, _mm256_cmp_ps(x, lo, _CMP_LT_OQ));
}
// Adds the 8 vector lanes into lanes[0..7] (which the scalar tail then continues).
AVX512 inline void addLanes(__m512d acc, double* lanes) {
  alignas(64) double out[kLanes];
  _mm512_store_pd(out, acc);
  for (int l = 0; l < kLanes; l++) lanes[l] += out[l];
}

template <bool kMax, bool kProject, bool kSumAbs>
AVX512 void updateAvx512(float* x, const float* g, float* m, float* v, float* vmax, int64_t i0, int64_t i1,
                         const Coefficients& c, Bounds b, float clip, double* absLanes) {
  const Vec k(c);
  const __m512d lower = _mm512_set1_pd(b.lower), upper = _mm512_set1_pd(b.upper);
  const __m256 lo = _mm256_set1_ps(-clip), hi = _mm256_set1_ps(clip);
  __m512d absAcc = _mm512_setzero_pd();
  int64_t i = i0;
  for (; i + kLanes <= i1; i += kLanes) {
    const __m512d gi = load(g + i);
    const __m256 xi = decayed(x + i, k);
    const __m256 mi = firstMoment(m + i, gi, k);
    const __m256 vi = secondMoment(v + i, gi, k);
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    __m256 second = vi;
    if (kMax) {
      second = runningMax(vmax + i, vi);
      _mm256_storeu_ps(vmax + i, second);
    }
    __m512d vt = mul(widen(second), k.invBc2);
    if (kProject) vt = project(vt, lower, upper);
    const __m256 xn = clamp(stepped(xi, mi, vt, k), lo, hi);
    _mm256_storeu_ps(x + i, xn);
    if (kSumAbs) absAcc = add(absAcc, _mm512_abs_pd(widen(xn)));
  }
  if (kSumAbs) addLanes(absAcc, absLanes);
  updateScalar<kMax, kProject, kSumAbs>(x, g, m, v, vmax, i0, i, i1, c, b, clip, absLanes);
}

// kDecayed: x*decay is rounded to float32 first (decay != 1; with decay 1 it is x itself).
template <bool kBinary, bool kDecayed>
AVX512 void inspectAvx512(const float* x, const float* g, const float* v, const float* vmax, int64_t i0, int64_t i1,
                          const Coefficients& c, uint32_t limitBits, double pivot, InspectSums& s) {
  const Vec k(c);
  const __m256i magnitudeBits = _mm256_set1_epi32(0x7fffffff);
  const __m256i limit = _mm256_set1_epi32(static_cast<int>(limitBits));  // both sides below 2^31
  const __m512d pivotV = _mm512_set1_pd(pivot);
  __m256i badAcc = _mm256_setzero_si256();  // per lane, at most kBlock / kLanes
  __m512d vmaxAcc = _mm512_setzero_pd(), absAcc = _mm512_setzero_pd(), deviationAcc = _mm512_setzero_pd();
  int64_t i = i0;
  for (; i + kLanes <= i1; i += kLanes) {
    const __m256 gf = _mm256_loadu_ps(g + i);
    const __m256i gBits = _mm256_and_si256(_mm256_castps_si256(gf), magnitudeBits);
    badAcc = _mm256_sub_epi32(badAcc, _mm256_cmpgt_epi32(gBits, limit));  // a true compare is -1
    vmaxAcc = add(vmaxAcc, widen(runningMax(vmax + i, secondMoment(v + i, widen(gf), k))));
    if (kBinary) {
      const __m512d magnitude = _mm512_abs_pd(kDecayed ? widen(decayed(x + i, k)) : load(x + i));
      absAcc = add(absAcc, magnitude);
      deviationAcc = add(deviationAcc, _mm512_abs_pd(_mm512_sub_pd(magnitude, pivotV)));
    }
  }
  alignas(32) int32_t bad[kLanes];
  _mm256_store_si256(reinterpret_cast<__m256i*>(bad), badAcc);
  for (int l = 0; l < kLanes; l++) s.bad += bad[l];
  addLanes(vmaxAcc, s.vmax);
  if (kBinary) {
    addLanes(absAcc, s.abs);
    addLanes(deviationAcc, s.deviation);
  }
  inspectScalar<kBinary>(x, g, v, vmax, i0, i, i1, c, limitBits, pivot, s);
}

AVX512 void deviationAvx512(const float* x, int64_t i0, int64_t i1, const Coefficients& c, double a,
                            double* lanes) {
  const Vec k(c);
  const __m512d av = _mm512_set1_pd(a);
  __m512d acc = _mm512_setzero_pd();
  int64_t i = i0;
  for (; i + kLanes <= i1; i += kLanes)
    acc = add(acc, _mm512_abs_pd(_mm512_sub_pd(_mm512_abs_pd(widen(decayed(x + i, k))), av)));
  addLanes(acc, lanes);
  deviationScalar(x, i0, i, i1, c, a, lanes);
}

// ---- One block, in AVX-512 when the CPU has it ----

// One block of a fused update pass; returns its sum of |new x| when kSumAbs (else 0).
template <bool kMax, bool kProject, bool kSumAbs>
double updateBlock(float* x, const float* g, float* m, float* v, float* vmax, int64_t i0, int64_t i1,
                   const Coefficients& c, Bounds b, float clip) {
  double absLanes[kLanes] = {};
  if (kAvx512)
    updateAvx512<kMax, kProject, kSumAbs>(x, g, m, v, vmax, i0, i1, c, b, clip, absLanes);
  else
    updateScalar<kMax, kProject, kSumAbs>(x, g, m, v, vmax, i0, i0, i1, c, b, clip, absLanes);
  return kSumAbs ? combineLanes(absLanes) : 0;
}

template <bool kBinary>
void inspectBlock(const float* x, const float* g, const float* v, const float* vmax, int64_t i0, int64_t i1,
                  const Coefficients& c, uint32_t limitBits, double pivot, InspectSums& s) {
  if (kAvx512 && c.decay != 1)
    inspectAvx512<kBinary, true>(x, g, v, vmax, i0, i1, c, limitBits, pivot, s);
  else if (kAvx512)
    inspectAvx512<kBinary, false>(x, g, v, vmax, i0, i1, c, limitBits, pivot, s);
  else
    inspectScalar<kBinary>(x, g, v, vmax, i0, i0, i1, c, limitBits, pivot, s);
}

double deviationBlock(const float* x, int64_t i0, int64_t i1, const Coefficients& c, double a) {
  double lanes[kLanes] = {};
  if (kAvx512)
    deviationAvx512(x, i0, i1, c, a, lanes);
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
__attribute__((target_clones("avx512f", "avx2", "default"))) int64_t countAbove(const uint32_t* __restrict bits,
                                                                                int64_t i0, int64_t i1,
                                                                                uint32_t limit) {
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
    counts[b] = static_cast<double>(countAbove(bits, i0, i1, limitBits));
  });
  return static_cast<int64_t>(ordered(counts, blocks(n)));
}

}  // namespace bamsprod
