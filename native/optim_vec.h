// The vector forms of optim.cc's loops: the same operations as the scalar forms on 8 elements
// at a time (8 floats in one __m256, 8 doubles in a Vd). optim.cc includes this file once per
// instruction set, inside a namespace that defines Vd and its operations (set1, zero, widen,
// narrow, load, store, add, sub, mul, div, sqrt, abs, project) and under a matching
// `#pragma GCC target`, so each copy compiles for its own CPU. Not a standalone header.

struct Vec {
  Vd decay, beta1, beta2, ob1, ob2, stepSize, invBc2, eps;
  explicit Vec(const Coefficients& c)
      : decay(set1(c.decay)),
        beta1(set1(c.beta1)),
        beta2(set1(c.beta2)),
        ob1(set1(c.ob1)),
        ob2(set1(c.ob2)),
        stepSize(set1(c.stepSize)),
        invBc2(set1(c.invBc2)),
        eps(set1(c.eps)) {}
};

inline __m256 decayed(const float* x, const Vec& c) { return narrow(mul(load(x), c.decay)); }
inline __m256 firstMoment(const float* m, Vd g, const Vec& c) {
  return narrow(add(mul(c.beta1, load(m)), mul(c.ob1, g)));
}
inline __m256 secondMoment(const float* v, Vd g, const Vec& c) {
  return narrow(add(mul(c.beta2, load(v)), mul(mul(c.ob2, g), g)));
}
inline __m256 runningMax(const float* vmax, __m256 v) {
  const __m256 old = _mm256_loadu_ps(vmax);
  return _mm256_blendv_ps(old, v, _mm256_cmp_ps(v, old, _CMP_GT_OQ));
}
inline __m256 stepped(__m256 x, __m256 m, Vd second, const Vec& c) {
  const Vd step = div(mul(c.stepSize, widen(m)), add(sqrt(second), c.eps));
  return narrow(sub(widen(x), step));
}
inline __m256 clamp(__m256 x, __m256 lo, __m256 hi) {
  const __m256 capped = _mm256_blendv_ps(x, hi, _mm256_cmp_ps(x, hi, _CMP_GT_OQ));
  return _mm256_blendv_ps(capped, lo, _mm256_cmp_ps(x, lo, _CMP_LT_OQ));
}
// Adds the 8 vector lanes into lanes[0..7] (which the scalar tail then continues).
inline void addLanes(Vd acc, double* lanes) {
  alignas(64) double out[kLanes];
  store(out, acc);
  for (int l = 0; l < kLanes; l++) lanes[l] += out[l];
}

template <bool kMax, bool kProject, bool kSumAbs>
void updateVec(float* x, const float* g, float* m, float* v, float* vmax, int64_t i0, int64_t i1,
               const Coefficients& c, Bounds b, float clip, double* absLanes) {
  const Vec k(c);
  const Vd lower = set1(b.lower), upper = set1(b.upper);
  const __m256 lo = _mm256_set1_ps(-clip), hi = _mm256_set1_ps(clip);
  Vd absAcc = zero();
  int64_t i = i0;
  for (; i + kLanes <= i1; i += kLanes) {
    const Vd gi = load(g + i);
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
    Vd vt = mul(widen(second), k.invBc2);
    if (kProject) vt = project(vt, lower, upper);
    const __m256 xn = clamp(stepped(xi, mi, vt, k), lo, hi);
    _mm256_storeu_ps(x + i, xn);
    if (kSumAbs) absAcc = add(absAcc, abs(widen(xn)));
  }
  if (kSumAbs) addLanes(absAcc, absLanes);
  updateScalar<kMax, kProject, kSumAbs>(x, g, m, v, vmax, i0, i, i1, c, b, clip, absLanes);
}

// kDecayed: x*decay is rounded to float32 first (decay != 1; with decay 1 it is x itself).
template <bool kBinary, bool kDecayed>
void inspectVec(const float* x, const float* g, const float* v, const float* vmax, int64_t i0, int64_t i1,
                const Coefficients& c, uint32_t limitBits, double pivot, InspectSums& s) {
  const Vec k(c);
  const __m256i magnitudeBits = _mm256_set1_epi32(0x7fffffff);
  const __m256i limit = _mm256_set1_epi32(static_cast<int>(limitBits));  // both sides below 2^31
  const Vd pivotV = set1(pivot);
  __m256i badAcc = _mm256_setzero_si256();  // per lane, at most kBlock / kLanes
  Vd vmaxAcc = zero(), absAcc = zero(), deviationAcc = zero();
  int64_t i = i0;
  for (; i + kLanes <= i1; i += kLanes) {
    const __m256 gf = _mm256_loadu_ps(g + i);
    const __m256i gBits = _mm256_and_si256(_mm256_castps_si256(gf), magnitudeBits);
    badAcc = _mm256_sub_epi32(badAcc, _mm256_cmpgt_epi32(gBits, limit));  // a true compare is -1
    vmaxAcc = add(vmaxAcc, widen(runningMax(vmax + i, secondMoment(v + i, widen(gf), k))));
    if (kBinary) {
      const Vd magnitude = abs(kDecayed ? widen(decayed(x + i, k)) : load(x + i));
      absAcc = add(absAcc, magnitude);
      deviationAcc = add(deviationAcc, abs(sub(magnitude, pivotV)));
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

void deviationVec(const float* x, int64_t i0, int64_t i1, const Coefficients& c, double a,
                  double* lanes) {
  const Vec k(c);
  const Vd av = set1(a);
  Vd acc = zero();
  int64_t i = i0;
  for (; i + kLanes <= i1; i += kLanes)
    acc = add(acc, abs(sub(abs(widen(decayed(x + i, k))), av)));
  addLanes(acc, lanes);
  deviationScalar(x, i0, i, i1, c, a, lanes);
}

