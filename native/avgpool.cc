// Average pooling without padding (every window full). Sums are in double and scaled by the
// double 1/size^2, as in the portable kernel, so both give bit-identical results.
#include <algorithm>

#include "kernels.h"
#include "pool.h"

namespace bamsprod {

namespace {

// Calls visit(start, o) for every window of every plane: `start` is the offset of the window's
// first input element in x (or dx), `o` the window's output index in y (or dy). Parallel over
// planes: overlapping windows only ever share inputs within one plane.
template <typename Visit>
void forEachWindow(const PoolGeometry& g, Visit visit) {
  const int64_t hw = g.inHeight * g.inWidth;
  parallelFor(g.batch * g.channels, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, hw)),
              [&](int64_t p0, int64_t p1) {
                for (int64_t p = p0; p < p1; p++) {
                  for (int64_t oh = 0; oh < g.outHeight; oh++) {
                    for (int64_t ow = 0; ow < g.outWidth; ow++)
                      visit(p * hw + oh * g.stride * g.inWidth + ow * g.stride, (p * g.outHeight + oh) * g.outWidth + ow);
                  }
                }
              });
}

}  // namespace

void avgPoolForward(const float* x, const PoolGeometry& g, float* y) {
  const double inv = 1.0 / static_cast<double>(g.size * g.size);
  forEachWindow(g, [&](int64_t start, int64_t o) {
    double sum = 0;
    for (int64_t i = 0; i < g.size; i++)
      for (int64_t j = 0; j < g.size; j++) sum += x[start + i * g.inWidth + j];
    y[o] = static_cast<float>(sum * inv);
  });
}

void avgPoolBackward(const float* dy, const PoolGeometry& g, float* dx) {
  const double inv = 1.0 / static_cast<double>(g.size * g.size);
  forEachWindow(g, [&](int64_t start, int64_t o) {
    const double share = dy[o] * inv;
    for (int64_t i = 0; i < g.size; i++)
      for (int64_t j = 0; j < g.size; j++) {
        float* e = dx + start + i * g.inWidth + j;
        *e = static_cast<float>(*e + share);
      }
  });
}

}  // namespace bamsprod
