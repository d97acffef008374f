// Per-channel passes over x[batch, channels, spatial] with float32 vectors [channels] (RSign's
// shift, RPReLU, ChannelScale). They repeat the portable kernels' arithmetic operation for
// operation (src/kernels/portable/channel.ts), so both give bit-identical results:
//  - element-wise results are float32 chains, or double expressions rounded once, exactly as
//    JavaScript evaluates them (float32 values promoted to double);
//  - a plane's sums run in double, sequentially over its `spatial` values, eight planes at a
//    time (independent chains, no reordering), and each plane's sum is added into the float32
//    gradient of its channel in batch order.
// The pool splits the work by plane; the planes' sums are added into the gradients afterwards,
// on one thread, in order, so results do not depend on the thread count.
#include <algorithm>
#include <vector>

#include "kernels.h"
#include "planes.h"
#include "pool.h"
#include "scratch.h"
#include "vector_loops.h"

namespace bamsprod {
namespace {

constexpr int64_t kLanes = 8;

BAMSPROD_VECTOR_LOOP void subtractPlane(const float* __restrict x, float* __restrict y, int64_t n, float v) {
  for (int64_t i = 0; i < n; i++) y[i] = x[i] - v;
}

BAMSPROD_VECTOR_LOOP void multiplyPlane(const float* __restrict x, float* __restrict y, int64_t n, float v) {
  for (int64_t i = 0; i < n; i++) y[i] = x[i] * v;
}

BAMSPROD_VECTOR_LOOP void addPlane(const float* __restrict dy, float* __restrict dx, int64_t n) {
  for (int64_t i = 0; i < n; i++) dx[i] += dy[i];
}

BAMSPROD_VECTOR_LOOP void addScaledPlane(const float* __restrict dy, float* __restrict dx, int64_t n, double v) {
  for (int64_t i = 0; i < n; i++) dx[i] = static_cast<float>(dx[i] + dy[i] * v);
}

// y = (p * u + (1 - p) * fround(a * u)) + z in double, p = 1 where u > 0: the portable
// kernel's branch-free select, evaluated in the same order.
BAMSPROD_VECTOR_LOOP void rpreluPlane(const float* __restrict x, float* __restrict u, float* __restrict y, int64_t n,
                                      float g, float a, float z) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i] - g;
    u[i] = v;
    const double p = v > 0.0f ? 1.0 : 0.0;
    const float w = a * v;
    y[i] = static_cast<float>(p * v + (1.0 - p) * w + z);
  }
}

// dx + dy * s in double, rounded once, where s is sPos where u > 0, else sNeg: the portable
// kernel's p + (1 - p) * a with p = 1 and p = 0, taken once per channel (a select of two
// constants vectorizes; the expression with p in the loop did not).
BAMSPROD_VECTOR_LOOP void rpreluInputGradientPlane(const float* __restrict u, const float* __restrict dy,
                                                   float* __restrict dx, int64_t n, double sPos, double sNeg) {
  for (int64_t i = 0; i < n; i++) {
    const double s = u[i] > 0.0f ? sPos : sNeg;
    dx[i] = static_cast<float>(dx[i] + dy[i] * s);
  }
}

// The backward passes' shared loop, over the planes in memory order (plane p = n * channels +
// c at offset p * spatial), split across the pool: each(offset, c) runs the element-wise part
// (dx) of eight neighbouring planes, then, while they are in cache, add(i, c, sums) accumulates
// element i of each into that plane's K sums, in index order (eight independent chains). The
// planes' sums go to a buffer; finish(c, sums) then adds them into the gradients in memory
// order, which is batch order within each channel. Split by channel instead, each thread read
// planes a whole image apart, a pattern the hardware prefetchers did not follow. With `summed`
// false (no sum wanted) only each runs.
template <int K, typename Each, typename Add, typename Finish>
void backwardPass(const ChannelLayout& l, bool summed, Each each, Add add, Finish finish) {
  const int64_t planes = l.batch * l.channels;
  double* parts = summed ? scratchAs<double>(0, planes * K) : nullptr;
  parallelFor(planes, planeGrain(l.spatial), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p += kLanes) {
      const int64_t lanes = std::min(kLanes, p1 - p);
      for (int64_t j = 0; j < lanes; j++) each((p + j) * l.spatial, (p + j) % l.channels);
      if (!summed) continue;
      double s[kLanes][K] = {};
      const int64_t o = p * l.spatial;
      if (lanes == kLanes) {
        for (int64_t i = 0; i < l.spatial; i++)
          for (int64_t j = 0; j < kLanes; j++) add(o + j * l.spatial + i, (p + j) % l.channels, s[j]);
      } else {
        for (int64_t j = 0; j < lanes; j++)
          for (int64_t i = 0; i < l.spatial; i++) add(o + j * l.spatial + i, (p + j) % l.channels, s[j]);
      }
      for (int64_t j = 0; j < lanes; j++)
        for (int k = 0; k < K; k++) parts[(p + j) * K + k] = s[j][k];
    }
  });
  if (summed)
    for (int64_t p = 0; p < planes; p++) finish(p % l.channels, parts + p * K);
}

}  // namespace

void channelSubtract(const float* x, const ChannelLayout& l, const float* b, float* y) {
  forPlanes(l, [&](int64_t o, int64_t c) { vectorized<subtractPlane>(x + o, y + o, l.spatial, b[c]); });
}

void channelSubtractBackward(const float* dy, const ChannelLayout& l, float* dx, float* db) {
  backwardPass<1>(
      l, db != nullptr,
      [&](int64_t o, int64_t) {
        if (dx != nullptr) vectorized<addPlane>(dy + o, dx + o, l.spatial);
      },
      [&](int64_t i, int64_t, double* s) { s[0] += dy[i]; },
      [&](int64_t c, const double* s) { db[c] = static_cast<float>(db[c] - s[0]); });
}

void channelMultiply(const float* x, const ChannelLayout& l, const float* a, float* y) {
  forPlanes(l, [&](int64_t o, int64_t c) { vectorized<multiplyPlane>(x + o, y + o, l.spatial, a[c]); });
}

void channelMultiplyBackward(const float* x, const float* dy, const ChannelLayout& l, const float* a, float* dx,
                             float* da) {
  backwardPass<1>(
      l, da != nullptr,
      [&](int64_t o, int64_t c) {
        if (dx != nullptr) vectorized<addScaledPlane>(dy + o, dx + o, l.spatial, double{a[c]});
      },
      [&](int64_t i, int64_t, double* s) { s[0] += static_cast<double>(dy[i]) * x[i]; },
      [&](int64_t c, const double* s) { da[c] = static_cast<float>(da[c] + s[0]); });
}

void rpreluForward(const float* x, const ChannelLayout& l, const float* g, const float* a, const float* z, float* u,
                   float* y) {
  forPlanes(l, [&](int64_t o, int64_t c) { vectorized<rpreluPlane>(x + o, u + o, y + o, l.spatial, g[c], a[c], z[c]); });
}

void rpreluBackward(const float* u, const float* dy, const ChannelLayout& l, const float* a, float* dx, float* dg,
                    float* da, float* dz) {
  // The portable kernel's s = p + (1 - p) * a[c] for p = 0 and p = 1, once per channel,
  // indexed by p in the sums: a data-dependent branch there was mispredicted on real
  // activations (about 5x slower on random signs, 128x32x14x14).
  std::vector<double> sByP(2 * l.channels);
  for (int64_t c = 0; c < l.channels; c++) {
    sByP[2 * c] = 0.0 + (1.0 - 0.0) * a[c];
    sByP[2 * c + 1] = 1.0 + (1.0 - 1.0) * a[c];
  }
  // s[0]: sum of dy * s, s[1]: sum over u <= 0 of dy * u, s[2]: sum of dy.
  backwardPass<3>(
      l, dg != nullptr || da != nullptr || dz != nullptr,
      [&](int64_t o, int64_t c) {
        if (dx != nullptr)
          vectorized<rpreluInputGradientPlane>(u + o, dy + o, dx + o, l.spatial, sByP[2 * c + 1], sByP[2 * c]);
      },
      [&](int64_t i, int64_t c, double* s) {
        const double d = dy[i];
        const int positive = u[i] > 0.0f;
        const double p = positive;
        s[0] += d * sByP[2 * c + positive];
        s[1] += (1.0 - p) * d * u[i];
        s[2] += d;
      },
      [&](int64_t c, const double* s) {
        if (dg != nullptr) dg[c] = static_cast<float>(dg[c] - s[0]);
        if (da != nullptr) da[c] = static_cast<float>(da[c] + s[1]);
        if (dz != nullptr) dz[c] = static_cast<float>(dz[c] + s[2]);
      });
}

}  // namespace bamsprod
