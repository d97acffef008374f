// Max pooling without padding: every window lies inside the input. Ties keep the first
// maximum in row-major window order, matching the portable kernel.
#include <algorithm>

#include "kernels.h"
#include "pool.h"

namespace bamsprod {
namespace {

// The common 2x2 window with stride 2, planes [p0, p1): the same comparisons in the same order
// as the general loop (a later value wins only when strictly greater). No branches: the
// maximum as selects (maxss), the winner's offset in the window by integer masks. Selects on
// the index had compiled to branches, which real activations mispredict (3-5x slower than
// this on random values; measured equal on regular test patterns). The AVX-512/AVX2 builds of
// this loop were slower than the baseline one, so there is one build.
void maxPool2x2(const float* __restrict x, const PoolGeometry& g, int64_t p0, int64_t p1, float* __restrict y,
                int32_t* __restrict argmax) {
  const int64_t W = g.inWidth, hw = g.inHeight * W, OW = g.outWidth, ohw = g.outHeight * OW;
  const int32_t w = static_cast<int32_t>(W);
  // mask ? b : a for a mask of all ones or all zeros.
  const auto pick = [](int32_t mask, int32_t a, int32_t b) { return (a & ~mask) | (b & mask); };
  for (int64_t p = p0; p < p1; p++) {
    for (int64_t oh = 0; oh < g.outHeight; oh++) {
      const int64_t row = p * hw + 2 * oh * W;
      const float* r0 = x + row;
      const float* r1 = r0 + W;
      float* yr = y + p * ohw + oh * OW;
      int32_t* ar = argmax + p * ohw + oh * OW;
      for (int64_t ow = 0; ow < OW; ow++) {
        float best = r0[2 * ow];
        const float b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
        int32_t offset = pick(-static_cast<int32_t>(b > best), 0, 1);
        best = b > best ? b : best;
        offset = pick(-static_cast<int32_t>(c > best), offset, w);
        best = c > best ? c : best;
        offset = pick(-static_cast<int32_t>(d > best), offset, w + 1);
        best = d > best ? d : best;
        yr[ow] = best;
        ar[ow] = static_cast<int32_t>(row + 2 * ow) + offset;
      }
    }
  }
}

}  // namespace

void maxPoolForward(const float* x, const PoolGeometry& g, float* y, int32_t* argmax) {
  const int64_t hw = g.inHeight * g.inWidth, ohw = g.outHeight * g.outWidth;
  parallelFor(g.batch * g.channels, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, hw)),
              [&](int64_t p0, int64_t p1) {
                if (g.size == 2 && g.stride == 2) {
                  maxPool2x2(x, g, p0, p1, y, argmax);
                  return;
                }
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
