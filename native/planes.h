// The planes of x[batch, channels, spatial] (plane p = n * channels + c, at offset p * spatial),
// split across the pool for the per-channel element-wise passes (batchnorm.cc, channel.cc).
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels.h"
#include "pool.h"

namespace bamsprod {

// Items per pool chunk when each item is `spatial` elements: about 16k elements.
inline int64_t planeGrain(int64_t spatial) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, spatial)); }

// Runs plane(offset, c) for every plane, split across the pool in chunks fixed by the layout.
template <typename Plane>
void forPlanes(const ChannelLayout& l, Plane plane) {
  parallelFor(l.batch * l.channels, planeGrain(l.spatial), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) plane(p * l.spatial, p % l.channels);
  });
}

}  // namespace bamsprod
