// Batch-normalization passes over x[batch, channels, spatial] (spatial = H*W, 1 for [N, C]).
// They repeat the portable kernels' arithmetic operation for operation, in double precision
// and in the same order, so both give bit-identical results:
//  - a plane's sum runs sequentially over its `spatial` values; eight planes are summed at
//    once (eight independent dependency chains keep the core busy without reordering any sum);
//  - a channel's total adds its planes' sums in batch order.
// For [N, C] (spatial 1) each "plane" is one value, so the sums run row by row across
// channels, which vectorizes. Work is split by channel (reductions) or by plane (element-wise
// passes), so results do not depend on the thread count.
#include <algorithm>
#include <vector>

#include "kernels.h"
#include "planes.h"
#include "pool.h"
#include "vector_loops.h"

namespace bamsprod {
namespace {

// Channels per chunk of the reductions: about 64k elements.
int64_t channelGrain(const ChannelLayout& l) {
  return std::max<int64_t>(1, 65536 / std::max<int64_t>(1, l.batch * l.spatial));
}

// out[n] = sum over the plane (n, c) of term(value, i) where i is the element's index,
// sequentially within each plane, eight planes at a time.
template <typename Term>
inline void planeSums(const ChannelLayout& l, int64_t c, Term term, double* out) {
  const int64_t stride = l.channels * l.spatial;
  const int64_t base = c * l.spatial;
  int64_t n = 0;
  for (; n + 8 <= l.batch; n += 8) {
    double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const int64_t o = base + n * stride;
    for (int64_t i = 0; i < l.spatial; i++)
      for (int j = 0; j < 8; j++) s[j] += term(o + j * stride + i);
    for (int j = 0; j < 8; j++) out[n + j] = s[j];
  }
  for (; n < l.batch; n++) {
    double s = 0;
    const int64_t o = base + n * stride;
    for (int64_t i = 0; i < l.spatial; i++) s += term(o + i);
    out[n] = s;
  }
}

double inOrder(const double* parts, int64_t count) {
  double total = 0;
  for (int64_t n = 0; n < count; n++) total += parts[n];
  return total;
}

BAMSPROD_VECTOR_LOOP void rowStatistics(const float* __restrict x, const ChannelLayout& l, double* __restrict mean,
                                        double* __restrict variance, int64_t c0, int64_t c1) {
  const int64_t C = l.channels;
  for (int64_t c = c0; c < c1; c++) mean[c] = 0;
  for (int64_t n = 0; n < l.batch; n++)
    for (int64_t c = c0; c < c1; c++) mean[c] += x[n * C + c];
  for (int64_t c = c0; c < c1; c++) mean[c] /= static_cast<double>(l.batch);
  for (int64_t c = c0; c < c1; c++) variance[c] = 0;
  for (int64_t n = 0; n < l.batch; n++) {
    for (int64_t c = c0; c < c1; c++) {
      const double d = x[n * C + c] - mean[c];
      variance[c] += d * d;
    }
  }
  for (int64_t c = c0; c < c1; c++) variance[c] /= static_cast<double>(l.batch);
}

BAMSPROD_VECTOR_LOOP void rowGradientSums(const float* __restrict x, const float* __restrict dy, const ChannelLayout& l,
                                          const double* __restrict mean, const double* __restrict invStd,
                                          double* __restrict sumDy, double* __restrict sumDyXhat, int64_t c0,
                                          int64_t c1) {
  const int64_t C = l.channels;
  for (int64_t c = c0; c < c1; c++) sumDy[c] = sumDyXhat[c] = 0;
  for (int64_t n = 0; n < l.batch; n++) {
    for (int64_t c = c0; c < c1; c++) {
      const double g = dy[n * C + c];
      sumDy[c] += g;
      sumDyXhat[c] += (g * (x[n * C + c] - mean[c])) * invStd[c];
    }
  }
}

BAMSPROD_VECTOR_LOOP void applyPlane(const float* __restrict x, float* __restrict y, int64_t spatial, double scale,
                                     double shift) {
  for (int64_t i = 0; i < spatial; i++) y[i] = static_cast<float>(x[i] * scale + shift);
}

BAMSPROD_VECTOR_LOOP void applyRows(const float* __restrict x, float* __restrict y, const ChannelLayout& l,
                                    const double* __restrict scale, const double* __restrict shift, int64_t n0,
                                    int64_t n1) {
  const int64_t C = l.channels;
  for (int64_t n = n0; n < n1; n++)
    for (int64_t c = 0; c < C; c++) y[n * C + c] = static_cast<float>(x[n * C + c] * scale[c] + shift[c]);
}

BAMSPROD_VECTOR_LOOP void inputGradientPlane(const float* __restrict x, const float* __restrict dy,
                                             float* __restrict dx, int64_t spatial, double k, double mean,
                                             double meanDy, double xCoef) {
  for (int64_t i = 0; i < spatial; i++)
    dx[i] = static_cast<float>(dx[i] + k * (dy[i] - meanDy - (x[i] - mean) * xCoef));
}

BAMSPROD_VECTOR_LOOP void inputGradientRows(const float* __restrict x, const float* __restrict dy, float* __restrict dx,
                                            const ChannelLayout& l, const double* __restrict mean,
                                            const double* __restrict k, const double* __restrict meanDy,
                                            const double* __restrict xCoef, int64_t n0, int64_t n1) {
  const int64_t C = l.channels;
  for (int64_t n = n0; n < n1; n++) {
    for (int64_t c = 0; c < C; c++) {
      const int64_t i = n * C + c;
      dx[i] = static_cast<float>(dx[i] + k[c] * (dy[i] - meanDy[c] - (x[i] - mean[c]) * xCoef[c]));
    }
  }
}

}  // namespace

void batchNormStatistics(const float* x, const ChannelLayout& l, double* mean, double* variance) {
  const double count = static_cast<double>(l.batch * l.spatial);
  if (l.spatial == 1) {
    parallelFor(l.channels, std::max<int64_t>(64, channelGrain(l)),
                [&](int64_t c0, int64_t c1) { vectorized<rowStatistics>(x, l, mean, variance, c0, c1); });
    return;
  }
  parallelFor(l.channels, channelGrain(l), [&](int64_t c0, int64_t c1) {
    std::vector<double> parts(l.batch);
    for (int64_t c = c0; c < c1; c++) {
      planeSums(l, c, [&](int64_t i) { return static_cast<double>(x[i]); }, parts.data());
      const double m = inOrder(parts.data(), l.batch) / count;
      planeSums(l, c, [&](int64_t i) { const double d = x[i] - m; return d * d; }, parts.data());
      mean[c] = m;
      variance[c] = inOrder(parts.data(), l.batch) / count;
    }
  });
}

void batchNormApply(const float* x, const ChannelLayout& l, const double* scale, const double* shift, float* y) {
  if (l.spatial == 1) {
    parallelFor(l.batch, planeGrain(l.channels),
                [&](int64_t n0, int64_t n1) { vectorized<applyRows>(x, y, l, scale, shift, n0, n1); });
    return;
  }
  forPlanes(l, [&](int64_t o, int64_t c) { vectorized<applyPlane>(x + o, y + o, l.spatial, scale[c], shift[c]); });
}

void batchNormGradientSums(const float* x, const float* dy, const ChannelLayout& l, const double* mean,
                           const double* invStd, double* sumDy, double* sumDyXhat) {
  if (l.spatial == 1) {
    parallelFor(l.channels, std::max<int64_t>(64, channelGrain(l)), [&](int64_t c0, int64_t c1) {
      vectorized<rowGradientSums>(x, dy, l, mean, invStd, sumDy, sumDyXhat, c0, c1);
    });
    return;
  }
  parallelFor(l.channels, channelGrain(l), [&](int64_t c0, int64_t c1) {
    std::vector<double> parts(l.batch);
    for (int64_t c = c0; c < c1; c++) {
      const double m = mean[c];
      planeSums(l, c, [&](int64_t i) { return static_cast<double>(dy[i]); }, parts.data());
      sumDy[c] = inOrder(parts.data(), l.batch);
      planeSums(l, c, [&](int64_t i) { return dy[i] * (x[i] - m); }, parts.data());
      double total = 0;
      for (int64_t n = 0; n < l.batch; n++) total += parts[n] * invStd[c];
      sumDyXhat[c] = total;
    }
  });
}

void batchNormInputGradient(const float* x, const float* dy, const ChannelLayout& l, const double* mean,
                            const double* k, const double* meanDy, const double* xCoef, float* dx) {
  if (l.spatial == 1) {
    parallelFor(l.batch, planeGrain(l.channels), [&](int64_t n0, int64_t n1) {
      vectorized<inputGradientRows>(x, dy, dx, l, mean, k, meanDy, xCoef, n0, n1);
    });
    return;
  }
  forPlanes(l, [&](int64_t o, int64_t c) {
    vectorized<inputGradientPlane>(x + o, dy + o, dx + o, l.spatial, k[c], mean[c], meanDy[c], xCoef[c]);
  });
}

}  // namespace bamsprod
