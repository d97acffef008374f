// Signs packed 32 channels to a word: the folded batch-norm + sign of packed inference, written
// straight into the bit layout the next binary layer reads (src/export/runtime/threshold.ts does
// the same in TypeScript), and with a zero threshold the plain sign the XNOR convolutions pack.
#include <cstring>

#include "kernels.h"
#include "pool.h"
#include "scratch.h"
#include "vector_loops.h"

namespace bamsprod {

namespace {

// Sets bit `shift` of words[s] where the sign of plane[s] is -1: unless (x >= t) XOR flip.
BAMSPROD_VECTOR_LOOP void orNegative(const float* __restrict plane, int64_t spatial, float t, uint32_t notFlip,
                                     int shift, uint32_t* __restrict words) {
  for (int64_t s = 0; s < spatial; s++) words[s] |= ((plane[s] >= t ? 1u : 0u) ^ notFlip) << shift;
}

}  // namespace

void signPlanes(const float* x, int64_t channels, int64_t spatial, const float* thresholds, const uint8_t* flip,
                uint32_t* planes) {
  std::memset(planes, 0, sizeof(uint32_t) * ((channels + 31) / 32) * spatial);
  for (int64_t c = 0; c < channels; c++) {
    const float t = thresholds == nullptr ? 0.0f : thresholds[c];
    const uint32_t notFlip = flip != nullptr && flip[c] != 0 ? 0u : 1u;
    vectorized<orNegative>(x + c * spatial, spatial, t, notFlip, static_cast<int>(c % 32), planes + (c / 32) * spatial);
  }
}

void thresholdImage(const float* x, int64_t channels, int64_t spatial, const float* thresholds, const uint8_t* flip,
                    uint32_t* out) {
  const int64_t words = (channels + 31) / 32;
  // Word-planar first ([word][s], contiguous, so the compare vectorizes), then interleaved.
  uint32_t* planar = words == 1 ? out : reinterpret_cast<uint32_t*>(scratch(5, static_cast<size_t>(words * spatial)));
  signPlanes(x, channels, spatial, thresholds, flip, planar);
  if (words == 1) return;
  for (int64_t s = 0; s < spatial; s++)
    for (int64_t w = 0; w < words; w++) out[s * words + w] = planar[w * spatial + s];
}

void thresholdPixels(const float* x, const ChannelLayout& l, const float* thresholds, const uint8_t* flip,
                     uint32_t* out) {
  const int64_t words = (l.channels + 31) / 32, spatial = l.spatial;
  parallelFor(l.batch, 1, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; n++)
      thresholdImage(x + n * l.channels * spatial, l.channels, spatial, thresholds, flip, out + n * spatial * words);
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
