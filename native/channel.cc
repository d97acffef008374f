// Per-channel passes over x[batch, channels, spatial] with float32 vectors [channels] (RSign's
// shift, RPReLU, ChannelScale). They repeat the portable kernels' arithmetic operation for
// operation (src/kernels/portable/channel.ts), so both give bit-identical results:
//  - element-wise results are float32 chains, or double expressions rounded once, exactly as
//    JavaScript evaluates them (float32 values promoted to double);
//  - a plane's sums run in double, sequentially over its `spatial` values, eight planes at a
//    time (independent chains, no reordering), and each plane's sum is added into the float32
//    gradient of its channel in batch order.
// Element-wise passes are split by plane, reductions by channel, so results do not depend on
// the thread count.
#include <algorithm>

#include "kernels.h"
#include "pool.h"
#include "vector_loops.h"

namespace bamsprod {
namespace {

constexpr int64_t kLanes = 8;

int64_t planeGrain(int64_t spatial) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, spatial)); }

int64_t channelGrain(const ChannelLayout& l) {
  return std::max<int64_t>(1, 65536 / std::max<int64_t>(1, l.batch * l.spatial));
}

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

// Over the planes of channel c, eight at a time: first each(offset) for each of the eight
// planes (the element-wise part of a backward pass), then, while they are still in cache,
// add(i, sums) accumulates element i of a plane into that plane's K sums, in index order, and
// finish(sums) adds each plane's sums into the gradients, in batch order.
// With `summed` false (no sum wanted), only each(offset) runs, plane by plane.
template <int K, typename Each, typename Add, typename Finish>
void channelSums(const ChannelLayout& l, int64_t c, bool summed, Each each, Add add, Finish finish) {
  const int64_t stride = l.channels * l.spatial;
  const int64_t base = c * l.spatial;
  if (!summed) {
    for (int64_t n = 0; n < l.batch; n++) each(base + n * stride);
    return;
  }
  int64_t n = 0;
  for (; n + kLanes <= l.batch; n += kLanes) {
    double s[kLanes][K] = {};
    const int64_t o = base + n * stride;
    for (int64_t j = 0; j < kLanes; j++) each(o + j * stride);
    for (int64_t i = 0; i < l.spatial; i++)
      for (int64_t j = 0; j < kLanes; j++) add(o + j * stride + i, s[j]);
    for (int64_t j = 0; j < kLanes; j++) finish(s[j]);
  }
  for (; n < l.batch; n++) {
    double s[K] = {};
    const int64_t o = base + n * stride;
    each(o);
    for (int64_t i = 0; i < l.spatial; i++) add(o + i, s);
    finish(s);
  }
}

// Runs plane(offset, c) for every plane, split across the pool.
template <typename Plane>
void forPlanes(const ChannelLayout& l, Plane plane) {
  parallelFor(l.batch * l.channels, planeGrain(l.spatial), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) plane(p * l.spatial, p % l.channels);
  });
}

// Runs channel(c) for every channel, split across the pool.
template <typename Channel>
void forChannels(const ChannelLayout& l, Channel channel) {
  parallelFor(l.channels, channelGrain(l), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) channel(c);
  });
}

}  // namespace

void channelSubtract(const float* x, const ChannelLayout& l, const float* b, float* y) {
  forPlanes(l, [&](int64_t o, int64_t c) { vectorized<subtractPlane>(x + o, y + o, l.spatial, b[c]); });
}

void channelSubtractBackward(const float* dy, const ChannelLayout& l, float* dx, float* db) {
  forChannels(l, [&](int64_t c) {
    channelSums<1>(
        l, c, db != nullptr,
        [&](int64_t o) {
          if (dx != nullptr) vectorized<addPlane>(dy + o, dx + o, l.spatial);
        },
        [&](int64_t i, double* s) { s[0] += dy[i]; },
        [&](const double* s) {
          if (db != nullptr) db[c] = static_cast<float>(db[c] - s[0]);
        });
  });
}

void channelMultiply(const float* x, const ChannelLayout& l, const float* a, float* y) {
  forPlanes(l, [&](int64_t o, int64_t c) { vectorized<multiplyPlane>(x + o, y + o, l.spatial, a[c]); });
}

void channelMultiplyBackward(const float* x, const float* dy, const ChannelLayout& l, const float* a, float* dx,
                             float* da) {
  forChannels(l, [&](int64_t c) {
    const double ac = a[c];
    channelSums<1>(
        l, c, da != nullptr,
        [&](int64_t o) {
          if (dx != nullptr) vectorized<addScaledPlane>(dy + o, dx + o, l.spatial, ac);
        },
        [&](int64_t i, double* s) { s[0] += static_cast<double>(dy[i]) * x[i]; },
        [&](const double* s) {
          if (da != nullptr) da[c] = static_cast<float>(da[c] + s[0]);
        });
  });
}

void rpreluForward(const float* x, const ChannelLayout& l, const float* g, const float* a, const float* z, float* u,
                   float* y) {
  forPlanes(l, [&](int64_t o, int64_t c) { vectorized<rpreluPlane>(x + o, u + o, y + o, l.spatial, g[c], a[c], z[c]); });
}

void rpreluBackward(const float* u, const float* dy, const ChannelLayout& l, const float* a, float* dx, float* dg,
                    float* da, float* dz) {
  forChannels(l, [&](int64_t c) {
    const double ac = a[c];
    const double sPos = 1.0 + (1.0 - 1.0) * ac, sNeg = 0.0 + (1.0 - 0.0) * ac;
    // s[0]: sum of dy * s, s[1]: sum over u <= 0 of dy * u, s[2]: sum of dy.
    channelSums<3>(
        l, c, dg != nullptr || da != nullptr || dz != nullptr,
        [&](int64_t o) {
          if (dx != nullptr) vectorized<rpreluInputGradientPlane>(u + o, dy + o, dx + o, l.spatial, sPos, sNeg);
        },
        [&](int64_t i, double* s) {
          const double d = dy[i];
          const double p = u[i] > 0.0f ? 1.0 : 0.0;
          s[0] += d * (p > 0.0 ? sPos : sNeg);
          s[1] += (1.0 - p) * d * u[i];
          s[2] += d;
        },
        [&](const double* s) {
          if (dg != nullptr) dg[c] = static_cast<float>(dg[c] - s[0]);
          if (da != nullptr) da[c] = static_cast<float>(da[c] + s[1]);
          if (dz != nullptr) dz[c] = static_cast<float>(dz[c] + s[2]);
        });
  });
}

}  // namespace bamsprod
