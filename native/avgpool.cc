// Average pooling without padding (every window full). Sums are in double and scaled by the
// double 1/size^2, as in the portable kernel, so both give bit-identical results.
#include <algorithm>

#include "kernels.h"
#include "pool.h"

namespace bamsprod {

void avgPoolForward(const float* x, const PoolGeometry& g, float* y) {
  const int64_t hw = g.inHeight * g.inWidth, ohw = g.outHeight * g.outWidth;
  const double inv = 1.0 / static_cast<double>(g.size * g.size);
  parallelFor(g.batch * g.channels, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, hw)),
              [&](int64_t p0, int64_t p1) {
                for (int64_t p = p0; p < p1; p++) {
                  const float* plane = x + p * hw;
                  float* yp = y + p * ohw;
                  for (int64_t oh = 0; oh < g.outHeight; oh++) {
                    for (int64_t ow = 0; ow < g.outWidth; ow++) {
                      const float* start = plane + oh * g.stride * g.inWidth + ow * g.stride;
                      double sum = 0;
                      for (int64_t i = 0; i < g.size; i++)
                        for (int64_t j = 0; j < g.size; j++) sum += start[i * g.inWidth + j];
                      yp[oh * g.outWidth + ow] = static_cast<float>(sum * inv);
                    }
                  }
                }
              });
}

// Parallel over planes: overlapping windows only ever share inputs within one plane.
void avgPoolBackward(const float* dy, const PoolGeometry& g, float* dx) {
  const int64_t hw = g.inHeight * g.inWidth, ohw = g.outHeight * g.outWidth;
  const double inv = 1.0 / static_cast<double>(g.size * g.size);
  parallelFor(g.batch * g.channels, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, hw)),
              [&](int64_t p0, int64_t p1) {
                for (int64_t p = p0; p < p1; p++) {
                  float* plane = dx + p * hw;
                  const float* dp = dy + p * ohw;
                  for (int64_t oh = 0; oh < g.outHeight; oh++) {
                    for (int64_t ow = 0; ow < g.outWidth; ow++) {
                      float* start = plane + oh * g.stride * g.inWidth + ow * g.stride;
                      const double share = dp[oh * g.outWidth + ow] * inv;
                      for (int64_t i = 0; i < g.size; i++)
                        for (int64_t j = 0; j < g.size; j++)
                          start[i * g.inWidth + j] = static_cast<float>(start[i * g.inWidth + j] + share);
                    }
                  }
                }
              });
}

}  // namespace bamsprod
