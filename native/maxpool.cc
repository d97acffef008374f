// Max pooling without padding: every window lies inside the input. Ties keep the first
// maximum in row-major window order, matching the portable kernel.
#include <algorithm>

#include "kernels.h"
#include "pool.h"

namespace bamsprod {

void maxPoolForward(const float* x, const PoolGeometry& g, float* y, int32_t* argmax) {
  const int64_t hw = g.inHeight * g.inWidth, ohw = g.outHeight * g.outWidth;
  parallelFor(g.batch * g.channels, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, hw)),
              [&](int64_t p0, int64_t p1) {
                for (int64_t p = p0; p < p1; p++) {
                  const int64_t base = p * hw;
                  float* yp = y + p * ohw;
                  int32_t* ap = argmax + p * ohw;
                  for (int64_t oh = 0; oh < g.outHeight; oh++) {
                    for (int64_t ow = 0; ow < g.outWidth; ow++) {
                      int64_t best = base + oh * g.stride * g.inWidth + ow * g.stride;
                      float bestValue = x[best];
                      for (int64_t i = 0; i < g.size; i++) {
                        const int64_t row = base + (oh * g.stride + i) * g.inWidth + ow * g.stride;
                        for (int64_t j = 0; j < g.size; j++) {
                          if (x[row + j] > bestValue) {
                            bestValue = x[row + j];
                            best = row + j;
                          }
                        }
                      }
                      yp[oh * g.outWidth + ow] = bestValue;
                      ap[oh * g.outWidth + ow] = static_cast<int32_t>(best);
                    }
                  }
                }
              });
}

// Serial on purpose: overlapping windows can send two outputs to one input, and the scatter
// is a single cheap pass over dy.
void maxPoolBackward(const float* dy, const int32_t* argmax, int64_t count, float* dx, int64_t dxLength) {
  for (int64_t i = 0; i < count; i++) {
    const int64_t at = argmax[i];
    if (at >= 0 && at < dxLength) dx[at] += dy[i];
  }
}

}  // namespace bamsprod
