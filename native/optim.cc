#include "optim.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "pool.h"

namespace bamsprod {
namespace {

// Block size of the ordered reductions (and of the parallel chunks).
constexpr int64_t kBlock = 4096;

inline int64_t blocks(int64_t n) { return (n + kBlock - 1) / kBlock; }

// Runs fn(i0, i1, block) over the blocks of [0, n) on the pool (serially below 4 blocks).
template <typename F>
void forBlocks(int64_t n, F fn) {
  parallelFor(blocks(n), 4, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) fn(b * kBlock, std::min(n, (b + 1) * kBlock), b);
  });
}

inline float clamp(float value, double clip) {
  return value < -clip ? static_cast<float>(-clip) : value > clip ? static_cast<float>(clip) : value;
}

// The element loops, on restrict pointers (so the compiler may vectorize them) and compiled
// for AVX-512, AVX2 and baseline x86-64, chosen at load time (GCC target_clones).
#define BAMSPROD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

BAMSPROD_CLONES void adamBlock(float* __restrict x, const float* __restrict g, float* __restrict m,
                               float* __restrict v, float* __restrict vmax, int64_t i0, int64_t i1,
                               const AdamScalars& s, double clip) {
  const double ob1 = 1 - s.beta1, ob2 = 1 - s.beta2;
  for (int64_t i = i0; i < i1; i++) {
    const double gi = g[i];
    const float xi = static_cast<float>(x[i] * s.decay);
    const float mi = static_cast<float>(s.beta1 * m[i] + ob1 * gi);
    const float vi = static_cast<float>(s.beta2 * v[i] + ob2 * gi * gi);
    m[i] = mi;
    v[i] = vi;
    float second = vi;
    if (vmax != nullptr) {
      second = vi > vmax[i] ? vi : vmax[i];
      vmax[i] = second;
    }
    const float xn = static_cast<float>(xi - (s.stepSize * mi) / (std::sqrt(second * s.invBc2) + s.eps));
    x[i] = clamp(xn, clip);
  }
}

// Lines 2-4; returns the block sums of |x*decay| (binary tensors) and vmax.
BAMSPROD_CLONES void momentsBlock(const float* __restrict x, const float* __restrict g, float* __restrict m,
                                  float* __restrict v, float* __restrict vmax, int64_t i0, int64_t i1,
                                  const AdamScalars& a, bool binary, double& absTotal, double& vmaxTotal) {
  const double ob1 = 1 - a.beta1, ob2 = 1 - a.beta2;
  double absSum = 0, vmaxSum = 0;
  for (int64_t i = i0; i < i1; i++) {
    const double gi = g[i];
    m[i] = static_cast<float>(a.beta1 * m[i] + ob1 * gi);
    const float vi = static_cast<float>(a.beta2 * v[i] + ob2 * gi * gi);
    v[i] = vi;
    const float vmaxi = vi > vmax[i] ? vi : vmax[i];
    vmax[i] = vmaxi;
    vmaxSum += vmaxi;
  }
  if (binary)
    for (int64_t i = i0; i < i1; i++) absSum += std::fabs(static_cast<float>(x[i] * a.decay));
  absTotal = absSum;
  vmaxTotal = vmaxSum;
}

BAMSPROD_CLONES double deviationBlock(const float* __restrict x, int64_t i0, int64_t i1, double decay,
                                      double scale) {
  double total = 0;
  for (int64_t i = i0; i < i1; i++) {
    const double xi = static_cast<float>(x[i] * decay);
    total += std::fabs(xi - (xi >= 0 ? scale : -scale));
  }
  return total;
}

BAMSPROD_CLONES void projectedBlock(float* __restrict x, const float* __restrict m, const float* __restrict vmax,
                                    int64_t i0, int64_t i1, const AdamScalars& a, double lower, double upper,
                                    double clip) {
  for (int64_t i = i0; i < i1; i++) {
    const float xi = static_cast<float>(x[i] * a.decay);
    const double vt = vmax[i] * a.invBc2;
    const double projected = vt < lower ? lower : vt > upper ? upper : vt;
    const float xn = static_cast<float>(xi - (a.stepSize * m[i]) / (std::sqrt(projected) + a.eps));
    x[i] = clamp(xn, clip);
  }
}

double ordered(const std::vector<double>& parts) {
  double total = 0;
  for (double p : parts) total += p;
  return total;
}

}  // namespace

void adamUpdate(float* x, const float* g, float* m, float* v, float* vmax, int64_t n, const AdamScalars& s,
                double clip) {
  forBlocks(n, [&](int64_t i0, int64_t i1, int64_t) { adamBlock(x, g, m, v, vmax, i0, i1, s, clip); });
}

BamsprodStats bamsprodUpdate(float* x, const float* g, float* m, float* v, float* vmax, int64_t n, bool binary,
                             const BamsprodScalars& s, double clip) {
  if (n == 0) return {0, 0, 0, 0};
  const AdamScalars& a = s.adam;
  std::vector<double> sumAbs(blocks(n)), sumVmax(blocks(n)), sumDev(blocks(n));

  // Pass 1 (lines 2-4, and the sums of lines 6-7).
  forBlocks(n, [&](int64_t i0, int64_t i1, int64_t b) {
    momentsBlock(x, g, m, v, vmax, i0, i1, a, binary, sumAbs[b], sumVmax[b]);
  });

  // Line 6: e = mean(|x - a*sign(x)|) / (a + 1e-12) on the decayed x; real tensors: 0.
  double quantError = 0;
  if (binary) {
    const double scale = ordered(sumAbs) / n;
    forBlocks(n, [&](int64_t i0, int64_t i1, int64_t b) { sumDev[b] = deviationBlock(x, i0, i1, a.decay, scale); });
    quantError = ordered(sumDev) / n / (scale + 1e-12);
  }

  // Lines 7-8.
  const double spread = 1 + s.lam * quantError;
  const double target = ordered(sumVmax) / n * a.invBc2 * (spread * spread);
  const double low = 1 - 1 / (s.gammaT + 1), high = 1 + 1 / s.gammaT;
  const double lower = target * (low * low);
  const double upper = target > 0 ? target * (high * high) : 0;

  // Pass 2 (lines 1, 5, 9-11).
  forBlocks(n, [&](int64_t i0, int64_t i1, int64_t) { projectedBlock(x, m, vmax, i0, i1, a, lower, upper, clip); });
  return {quantError, target, lower, upper};
}

}  // namespace bamsprod
