// Binary convolution forward by XNOR + popcount. Signs are packed along the channel axis, 32
// channels to a 32-bit word (bit set = negative), so one input pixel and one kernel tap are
// each ceil(C/32) words, and a tap's contribution to output channel o is
// C - 2 * popcount(x_pixel XOR w_tap,o) (padding bits past C are 0 in both operands and never
// count). Taps that fall in the zero padding are skipped: a padded input is 0, not +-1, so it
// contributes nothing, exactly as in the float convolution of the +-1 tensors. The results are
// small integers, exact in float32, hence bit-identical to that float convolution.
//
// Layouts: weights wp[tap][word][o] (o innermost, so a broadcast input word meets all output
// channels in one vector loop); one image xp[pixel][word]; the accumulators of one output row
// acc[ow][o], transposed into y[n, o, oh, :] when the row is done.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels.h"
#include "pool.h"
#include "scratch.h"

namespace bamsprod {
namespace {

inline int64_t wordsPerPixel(int64_t channels) { return (channels + 31) / 32; }

void packWeights(const float* w, const ConvGeometry& g, uint32_t* wp) {
  const int64_t q = wordsPerPixel(g.inChannels), taps = g.kernelH * g.kernelW, O = g.outChannels;
  std::memset(wp, 0, sizeof(uint32_t) * taps * q * O);
  for (int64_t o = 0; o < O; o++)
    for (int64_t c = 0; c < g.inChannels; c++)
      for (int64_t t = 0; t < taps; t++) {
        const uint32_t negative = !(w[(o * g.inChannels + c) * taps + t] >= 0.0f);
        wp[(t * q + c / 32) * O + o] |= negative << (c % 32);
      }
}

void packImage(const float* x, const ConvGeometry& g, int64_t n, uint32_t* xp) {
  const int64_t hw = g.inHeight * g.inWidth;
  thresholdImage(x + n * g.inChannels * hw, g.inChannels, hw, nullptr, nullptr, xp);
}

// One image's outputs; compiled once per code path so the popcount loop over output channels
// vectorizes where the CPU allows (VPOPCNTD) and uses the POPCNT instruction otherwise.
__attribute__((always_inline)) inline void imageBody(const uint32_t* __restrict xp, const uint32_t* __restrict wp,
                                                     const ConvGeometry& g, int32_t* __restrict acc, int32_t* __restrict valid,
                                                     float* __restrict y) {
  const int64_t q = wordsPerPixel(g.inChannels), O = g.outChannels, OW = g.outWidth;
  const int64_t C = g.inChannels, ohw = g.outHeight * OW;
  for (int64_t oh = 0; oh < g.outHeight; oh++) {
    for (int64_t ow = 0; ow < OW; ow++) {
      int32_t* a = acc + ow * O;
      for (int64_t o = 0; o < O; o++) a[o] = 0;
      int32_t taps = 0;
      for (int64_t kh = 0; kh < g.kernelH; kh++) {
        const int64_t ih = oh * g.strideH - g.padH + kh;
        if (ih < 0 || ih >= g.inHeight) continue;
        for (int64_t kw = 0; kw < g.kernelW; kw++) {
          const int64_t iw = ow * g.strideW - g.padW + kw;
          if (iw < 0 || iw >= g.inWidth) continue;
          taps++;
          const uint32_t* xw = xp + (ih * g.inWidth + iw) * q;
          const uint32_t* wt = wp + (kh * g.kernelW + kw) * q * O;
          for (int64_t word = 0; word < q; word++) {
            const uint32_t xv = xw[word];
            const uint32_t* wr = wt + word * O;
            for (int64_t o = 0; o < O; o++) a[o] += __builtin_popcount(xv ^ wr[o]);
          }
        }
      }
      valid[ow] = taps;
    }
    for (int64_t o = 0; o < O; o++) {
      float* yr = y + o * ohw + oh * OW;
      for (int64_t ow = 0; ow < OW; ow++)
        yr[ow] = static_cast<float>(static_cast<int64_t>(valid[ow]) * C - 2 * static_cast<int64_t>(acc[ow * O + o]));
    }
  }
}

__attribute__((target("avx512f,avx512vpopcntdq"))) void imageAvx512(const uint32_t* xp, const uint32_t* wp,
                                                                     const ConvGeometry& g, int32_t* acc, int32_t* valid,
                                                                     float* y) {
  imageBody(xp, wp, g, acc, valid, y);
}

__attribute__((target("popcnt"))) void imagePopcnt(const uint32_t* xp, const uint32_t* wp, const ConvGeometry& g,
                                                   int32_t* acc, int32_t* valid, float* y) {
  imageBody(xp, wp, g, acc, valid, y);
}

void imageGeneric(const uint32_t* xp, const uint32_t* wp, const ConvGeometry& g, int32_t* acc,
                  int32_t* valid, float* y) {
  imageBody(xp, wp, g, acc, valid, y);
}

// ---- AVX-512 VPOPCNTDQ path for stride 1 ----
// Vectorized across 16 consecutive output pixels of one row instead of across channels: the
// image is packed word-planar (xplane[word][row][col]), so a tap's words for 16 neighbouring
// outputs are 16 consecutive uint32s. For each output channel the block's accumulator stays in
// one register over all taps and words, and the 16 results are one contiguous store into y.
// Zero padding is handled with lane masks: a tap whose input column lies outside the image is
// neither loaded nor added for that lane, and each lane counts its valid taps, so
// y = validTaps * C - 2 * popcounts exactly as in the float convolution with zero padding.

constexpr int kMaxTapWords = 64;  // taps * words held per block (3x3 kernels: up to 7 words)

// The AVX2 table path has no such limit (its steps are listed in memory), but sums its counts
// in float: exact while a window holds fewer than 2^24 bits.
bool fastPathApplies(const ConvGeometry& g) {
  if (g.strideH != 1 || g.strideW != 1) return false;
  const int64_t taps = g.kernelH * g.kernelW;
  switch (currentBinaryPath()) {
    case BinaryPath::Avx512:
      return taps * wordsPerPixel(g.inChannels) <= kMaxTapWords;
    case BinaryPath::Avx2:
      return taps * g.inChannels < (int64_t{1} << 24);
    default:
      return false;
  }
}

// Weights as wq[o][tap * q + word].
void packWeightsByChannel(const float* w, const ConvGeometry& g, uint32_t* wq) {
  const int64_t q = wordsPerPixel(g.inChannels), taps = g.kernelH * g.kernelW;
  std::memset(wq, 0, sizeof(uint32_t) * g.outChannels * taps * q);
  for (int64_t o = 0; o < g.outChannels; o++)
    for (int64_t t = 0; t < taps; t++)
      for (int64_t c = 0; c < g.inChannels; c++) {
        const bool negative = !(w[(o * g.inChannels + c) * taps + t] >= 0.0f);
        wq[(o * taps + t) * q + c / 32] |= static_cast<uint32_t>(negative) << (c % 32);
      }
}

// One image into xplane[word][row][col] (unused channel bits 0).
void packImagePlanar(const float* x, const ConvGeometry& g, int64_t n, uint32_t* xplane) {
  const int64_t hw = g.inHeight * g.inWidth;
  signPlanes(x + n * g.inChannels * hw, g.inChannels, hw, nullptr, nullptr, xplane);
}

// Lanes l < lanes of the block starting at output column ow whose input column
// ow + l - padW + kw lies in [0, inWidth).
inline __mmask16 tapLanes(int64_t ow, int64_t kw, int lanes, const ConvGeometry& g) {
  const int64_t first = ow - g.padW + kw;  // input column of lane 0
  const int64_t lo = std::max<int64_t>(0, -first);
  const int64_t hi = std::min<int64_t>(lanes, g.inWidth - first);
  if (hi <= lo) return 0;
  return static_cast<__mmask16>(((1u << hi) - 1) & ~((1u << lo) - 1));
}

// The taps of one block of output pixels (row oh, columns ow .. ow + lanes - 1) that are not
// wholly in the zero padding: the tap's index kh * kernelW + kw, where lane 0's input lies in
// the image plane (ih * inWidth + iw, iw possibly outside the row), and the lanes whose input
// lies inside.
struct BlockTaps {
  int count = 0;
  int32_t tap[kMaxTapWords];
  int64_t offset[kMaxTapWords];
  __mmask16 lanes[kMaxTapWords];
};

void blockTaps(const ConvGeometry& g, int64_t oh, int64_t ow, int lanes, BlockTaps& t) {
  t.count = 0;
  for (int64_t kh = 0; kh < g.kernelH; kh++) {
    const int64_t ih = oh - g.padH + kh;
    if (ih < 0 || ih >= g.inHeight) continue;  // the whole row of taps is padding
    for (int64_t kw = 0; kw < g.kernelW; kw++) {
      const __mmask16 m = tapLanes(ow, kw, lanes, g);
      if (m == 0) continue;
      t.tap[t.count] = static_cast<int32_t>(kh * g.kernelW + kw);
      t.offset[t.count] = ih * g.inWidth + (ow - g.padW + kw);
      t.lanes[t.count++] = m;
    }
  }
}

__attribute__((target("avx512f,avx512vpopcntdq"))) void imageAvx512(const uint32_t* xplane, const uint32_t* wq,
                                                                     const ConvGeometry& g, float* y) {
  const int64_t q = wordsPerPixel(g.inChannels), tw = g.kernelH * g.kernelW * q, hw = g.inHeight * g.inWidth;
  const int64_t OW = g.outWidth, ohw = g.outHeight * OW;
  const __m512i channels = _mm512_set1_epi32(static_cast<int32_t>(g.inChannels));
  __m512i xv[kMaxTapWords];
  __mmask16 lanesOf[kMaxTapWords];
  int32_t index[kMaxTapWords];  // position of each loaded tap-word in a weight row
  BlockTaps taps;
  for (int64_t oh = 0; oh < g.outHeight; oh++) {
    for (int64_t ow = 0; ow < OW; ow += 16) {
      const int lanes = static_cast<int>(std::min<int64_t>(16, OW - ow));
      __m512i validTaps = _mm512_setzero_si512();
      int count = 0;
      blockTaps(g, oh, ow, lanes, taps);
      for (int t = 0; t < taps.count; t++) {
        const __mmask16 m = taps.lanes[t];
        validTaps = _mm512_mask_add_epi32(validTaps, m, validTaps, _mm512_set1_epi32(1));
        // Masked-off lanes are not read, so the address may point before the row.
        const uint32_t* at = xplane + taps.offset[t];
        for (int64_t word = 0; word < q; word++, count++) {
          xv[count] = _mm512_maskz_loadu_epi32(m, at + word * hw);
          lanesOf[count] = m;
          index[count] = static_cast<int32_t>(taps.tap[t] * q + word);
        }
      }
      const __m512i full = _mm512_mullo_epi32(validTaps, channels);
      const __mmask16 store = static_cast<__mmask16>(lanes == 16 ? 0xffff : (1u << lanes) - 1);
      for (int64_t o = 0; o < g.outChannels; o++) {
        const uint32_t* wr = wq + o * tw;
        __m512i acc = _mm512_setzero_si512();
        for (int i = 0; i < count; i++) {
          const __m512i diff = _mm512_xor_si512(xv[i], _mm512_set1_epi32(static_cast<int32_t>(wr[index[i]])));
          acc = _mm512_mask_add_epi32(acc, lanesOf[i], acc, _mm512_popcnt_epi32(diff));
        }
        const __m512i value = _mm512_sub_epi32(full, _mm512_add_epi32(acc, acc));
        _mm512_mask_storeu_ps(y + o * ohw + oh * OW + ow, store,
                              _mm512_maskz_cvtepi32_ps(store, value));
      }
    }
  }
}

// ---- AVX2 path for stride 1 ----
// The table product of binary.cc (binaryTableCountsAvx2): one vpshufb of a table chosen by two
// output channels' weight nibbles, looked up by 32 pixels' input nibbles, adds both channels'
// 4-bit popcounts (256 MACs per shuffle; the nibble-split popcount needs 2 shuffles and 4 more
// operations for 256). The image is re-laid as nibble planes on its zero-padded grid, width
// Wp = W + 2 padW, so output (oh, ow) at grid position p = oh * Wp + ow meets tap (kh, kw) at
// p + kh * Wp + kw: a step (tap, word, nibble) is one offset into the planes for all 32 lanes,
// and the grid's columns ow >= OW are computed and dropped. Padding bytes hold 0x80, for which
// vpshufb returns 0, so they add nothing and y = validTaps * C - 2 * count, as in the float
// convolution with zero padding.

struct TableGrid {
  int64_t width;    // Wp
  int64_t outputs;  // OH * Wp grid positions, rounded up to 32 lanes
  int64_t plane;    // bytes per nibble plane: every offset + lane lies inside
  int64_t steps;    // 8 nibbles per tap-word
};

TableGrid tableGrid(const ConvGeometry& g) {
  TableGrid t;
  t.width = g.inWidth + 2 * g.padW;
  t.outputs = (g.outHeight * t.width + 31) / 32 * 32;
  t.plane = t.outputs + (g.kernelH - 1) * t.width + g.kernelW - 1;
  t.steps = 8 * g.kernelH * g.kernelW * wordsPerPixel(g.inChannels);
  return t;
}

// What every image of one call shares: the weights as table numbers, where each step reads, and
// validTaps * C per grid position.
struct TablePlan {
  TableGrid grid;
  const uint8_t* idx;      // [pair][step]: nibble r of channel 2 pair's tap-word | channel 2 pair + 1's << 4
  const int64_t* offsets;  // [step]: plane and tap of step 8 (tap * q + word) + r
  const float* full;       // [grid position]
};

// Taps of a kernel of `size` along one axis at output `o` that land inside [0, extent).
inline int64_t inside(int64_t o, int64_t pad, int64_t size, int64_t extent) {
  return std::max<int64_t>(0, std::min(size, extent + pad - o) - std::max<int64_t>(0, pad - o));
}

// offsets[8 (tap * q + word) + r]: where step (tap, word, nibble r) reads for grid position 0.
void stepOffsets(const ConvGeometry& g, const TableGrid& t, int64_t* offsets) {
  const int64_t q = wordsPerPixel(g.inChannels);
  for (int64_t j = 0; j < t.steps / 8; j++) {
    const int64_t tap = j / q, word = j % q, shift = (tap / g.kernelW) * t.width + tap % g.kernelW;
    for (int r = 0; r < 8; r++) offsets[8 * j + r] = (8 * word + r) * t.plane + shift;
  }
}

// full[p] = validTaps * C at grid position p (0 on the dropped columns and rows).
void fullCounts(const ConvGeometry& g, const TableGrid& t, float* full) {
  for (int64_t p = 0; p < t.outputs; p++) {
    const int64_t oh = p / t.width, ow = p % t.width;
    const bool kept = oh < g.outHeight && ow < g.outWidth;
    full[p] = kept ? static_cast<float>(inside(oh, g.padH, g.kernelH, g.inHeight) *
                                        inside(ow, g.padW, g.kernelW, g.inWidth) * g.inChannels)
                   : 0.0f;
  }
}

// Built on the calling thread (slots 3 and 7) from wq[o][tap * q + word].
TablePlan tablePlan(const uint32_t* wq, const ConvGeometry& g) {
  const TableGrid t = tableGrid(g);
  uint8_t* idx = scratchAs<uint8_t>(3, (g.outChannels + 1) / 2 * t.steps);
  nibblePairIndices(g.outChannels, t.steps / 8, wq, idx);
  int64_t* offsets = scratchAs<int64_t>(7, t.steps + (t.outputs + 1) / 2);
  stepOffsets(g, t, offsets);
  float* full = reinterpret_cast<float*>(offsets + t.steps);
  fullCounts(g, t, full);
  return TablePlan{t, idx, offsets, full};
}

// One image's nibble planes: plane 8 word + r holds nibble r of each pixel's word at its place on
// the padded grid, 0x80 everywhere else.
void nibblePlanes(const uint32_t* xplane, const ConvGeometry& g, const TableGrid& t, uint8_t* planes) {
  const int64_t q = wordsPerPixel(g.inChannels), hw = g.inHeight * g.inWidth;
  std::memset(planes, 0x80, static_cast<size_t>(8 * q * t.plane));
  for (int64_t word = 0; word < q; word++)
    for (int64_t ih = 0; ih < g.inHeight; ih++)
      nibbleRows(xplane + word * hw + ih * g.inWidth, g.inWidth,
                 planes + 8 * word * t.plane + (g.padH + ih) * t.width + g.padW, t.plane);
}

void imageTable(const uint32_t* xplane, const TablePlan& plan, const ConvGeometry& g, float* y) {
  const TableGrid& t = plan.grid;
  const int64_t O = g.outChannels, OW = g.outWidth, ohw = g.outHeight * OW;
  uint8_t* planes = scratchAs<uint8_t>(1, 8 * wordsPerPixel(g.inChannels) * t.plane);
  float* counts = scratchAs<float>(6, O * t.outputs);
  nibblePlanes(xplane, g, t, planes);
  binaryTableCountsAvx2(O, t.outputs, t.steps, plan.idx, planes, plan.offsets, counts);
  for (int64_t o = 0; o < O; o++)
    for (int64_t oh = 0; oh < g.outHeight; oh++) {
      const float* c = counts + o * t.outputs + oh * t.width;
      const float* full = plan.full + oh * t.width;
      float* yr = y + o * ohw + oh * OW;
      for (int64_t ow = 0; ow < OW; ow++) yr[ow] = full[ow] - 2.0f * c[ow];
    }
}

// One image's packed signs, from the float input (packing them) or from signs already packed.
struct FloatImages {
  const float* x;
  const uint32_t* pixels(const ConvGeometry& g, int64_t n, uint32_t* xp) const {
    packImage(x, g, n, xp);
    return xp;
  }
  void planar(const ConvGeometry& g, int64_t n, uint32_t* xplane) const { packImagePlanar(x, g, n, xplane); }
};

struct PackedImages {
  const uint32_t* words;  // [N, H, W, q]
  const uint32_t* pixels(const ConvGeometry& g, int64_t n, uint32_t*) const {
    return words + n * g.inHeight * g.inWidth * wordsPerPixel(g.inChannels);
  }
  void planar(const ConvGeometry& g, int64_t n, uint32_t* xplane) const {
    const int64_t q = wordsPerPixel(g.inChannels), hw = g.inHeight * g.inWidth;
    const uint32_t* image = words + n * hw * q;
    for (int64_t p = 0; p < hw; p++)
      for (int64_t word = 0; word < q; word++) xplane[word * hw + p] = image[p * q + word];
  }
};

// Where one image's convolution goes: straight into y[n, O, OH, OW] (Floats), or into a
// per-thread buffer that is thresholded, while it is still in cache, into the packed per-pixel
// signs the next binary layer reads (Signs: the fused batch-norm + sign + packing).
struct Floats {
  float* y;
  float* image(const ConvGeometry& g, int64_t n) const { return y + n * g.outChannels * g.outHeight * g.outWidth; }
  void done(const ConvGeometry&, int64_t, const float*) const {}
};

struct Signs {
  const float* thresholds;
  const uint8_t* flip;
  uint32_t* out;  // [N, OH, OW, ceil(O/32)]
  float* image(const ConvGeometry& g, int64_t) const {
    return scratchAs<float>(4, g.outChannels * g.outHeight * g.outWidth);
  }
  void done(const ConvGeometry& g, int64_t n, const float* y) const {
    const int64_t spatial = g.outHeight * g.outWidth;
    thresholdImage(y, g.outChannels, spatial, thresholds, flip, out + n * spatial * wordsPerPixel(g.outChannels));
  }
};

template <typename Images, typename Output>
void binaryConvStride1(const Images& images, const float* w, const ConvGeometry& g, const Output& output) {
  const int64_t q = wordsPerPixel(g.inChannels), taps = g.kernelH * g.kernelW;
  uint32_t* wq = scratchAs<uint32_t>(2, g.outChannels * taps * q);
  packWeightsByChannel(w, g, wq);
  const bool avx512 = currentBinaryPath() == BinaryPath::Avx512;
  const TablePlan plan = avx512 ? TablePlan{} : tablePlan(wq, g);
  // Slots 2, 3 and 7 are the calling thread's; the image tasks use 0, 1, 4, 5 and 6.
  parallelFor(g.batch, 1, [&](int64_t n0, int64_t n1) {
    uint32_t* xplane = scratchAs<uint32_t>(0, q * g.inHeight * g.inWidth);
    for (int64_t n = n0; n < n1; n++) {
      images.planar(g, n, xplane);
      float* y = output.image(g, n);
      if (avx512)
        imageAvx512(xplane, wq, g, y);
      else
        imageTable(xplane, plan, g, y);
      output.done(g, n, y);
    }
  });
}

template <typename Images, typename Output>
void binaryConv(const Images& images, const float* w, const ConvGeometry& g, const Output& output) {
  if (g.batch == 0 || g.outChannels == 0) return;
  if (fastPathApplies(g)) {
    binaryConvStride1(images, w, g, output);
    return;
  }
  const int64_t q = wordsPerPixel(g.inChannels);
  // Slot 2 is used on the calling thread only; the image tasks (which the calling thread also
  // runs) use slots 0, 1 and 4 of whichever thread runs them.
  uint32_t* wp = scratchAs<uint32_t>(2, g.kernelH * g.kernelW * q * g.outChannels);
  packWeights(w, g, wp);
  const BinaryPath path = currentBinaryPath();
  parallelFor(g.batch, 1, [&](int64_t n0, int64_t n1) {
    uint32_t* xp = scratchAs<uint32_t>(0, g.inHeight * g.inWidth * q);
    int32_t* acc = scratchAs<int32_t>(1, g.outWidth * (g.outChannels + 1));
    int32_t* valid = acc + g.outWidth * g.outChannels;
    for (int64_t n = n0; n < n1; n++) {
      const uint32_t* image = images.pixels(g, n, xp);
      float* y = output.image(g, n);
      if (path == BinaryPath::Avx512)
        imageAvx512(image, wp, g, acc, valid, y);
      else if (path == BinaryPath::Popcnt)
        imagePopcnt(image, wp, g, acc, valid, y);
      else
        imageGeneric(image, wp, g, acc, valid, y);
      output.done(g, n, y);
    }
  });
}

}  // namespace

void binaryConv2dForward(const float* x, const float* w, const ConvGeometry& g, float* y) {
  binaryConv(FloatImages{x}, w, g, Floats{y});
}

void binaryConv2dPixels(const uint32_t* pixels, const float* w, const ConvGeometry& g, float* y) {
  binaryConv(PackedImages{pixels}, w, g, Floats{y});
}

void binaryConv2dThresholdPixels(const uint32_t* pixels, const float* w, const ConvGeometry& g,
                                 const float* thresholds, const uint8_t* flip, uint32_t* out) {
  binaryConv(PackedImages{pixels}, w, g, Signs{thresholds, flip, out});
}

}  // namespace bamsprod
