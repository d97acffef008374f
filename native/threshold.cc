// Packed inference: the folded batch-norm + sign of a layer's output, written straight into the
// bit layout the next binary layer reads (src/export/runtime/threshold.ts does the same in
// TypeScript).
#include <cstring>

#include "kernels.h"
#include "pool.h"

namespace bamsprod {

void thresholdPixels(const float* x, const ChannelLayout& l, const float* thresholds, const uint8_t* flip,
                     uint32_t* out) {
  const int64_t words = (l.channels + 31) / 32, spatial = l.spatial;
  parallelFor(l.batch, 1, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; n++) {
      uint32_t* image = out + n * spatial * words;
      std::memset(image, 0, sizeof(uint32_t) * spatial * words);
      for (int64_t c = 0; c < l.channels; c++) {
        const float t = thresholds[c];
        const uint32_t notFlip = flip[c] == 0 ? 1u : 0u;
        const int shift = static_cast<int>(c % 32);
        const float* plane = x + (n * l.channels + c) * spatial;
        uint32_t* dst = image + c / 32;
        for (int64_t s = 0; s < spatial; s++)
          dst[s * words] |= ((plane[s] >= t ? 1u : 0u) ^ notFlip) << shift;
      }
    }
  });
}

void thresholdRows(const float* x, const ChannelLayout& l, const float* thresholds, const uint8_t* flip,
                   int64_t rowWords, uint32_t* out) {
  const int64_t spatial = l.spatial, size = l.channels * spatial;
  parallelFor(l.batch, 64, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; n++) {
      uint32_t* row = out + n * rowWords;
      std::memset(row, 0, sizeof(uint32_t) * rowWords);
      const float* image = x + n * size;
      for (int64_t c = 0; c < l.channels; c++) {
        const float t = thresholds[c];
        const uint32_t notFlip = flip[c] == 0 ? 1u : 0u;
        for (int64_t s = 0, j = c * spatial; s < spatial; s++, j++)
          row[j / 32] |= ((image[j] >= t ? 1u : 0u) ^ notFlip) << (j % 32);
      }
    }
  });
}

}  // namespace bamsprod
