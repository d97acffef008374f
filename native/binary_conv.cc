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

template <typename T>
T* scratchAs(int slot, int64_t count) {
  static_assert(sizeof(T) == sizeof(float), "scratch holds 4-byte elements");
  return reinterpret_cast<T*>(scratch(slot, static_cast<size_t>(std::max<int64_t>(1, count))));
}

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

// ---- AVX-512 VPOPCNTDQ and AVX2 paths for stride 1 ----
// Vectorized across 16 consecutive output pixels of one row instead of across channels: the
// image is packed word-planar (xplane[word][row][col]), so a tap's words for 16 neighbouring
// outputs are 16 consecutive uint32s. For each output channel the block's accumulator stays in
// one register over all taps and words, and the 16 results are one contiguous store into y.
// Zero padding is handled with lane masks: a tap whose input column lies outside the image is
// neither loaded nor added for that lane, and each lane counts its valid taps, so
// y = validTaps * C - 2 * popcounts exactly as in the float convolution with zero padding.

constexpr int kMaxTapWords = 64;  // taps * words held per block (3x3 kernels: up to 7 words)

bool fastPathApplies(const ConvGeometry& g) {
  const BinaryPath path = currentBinaryPath();
  return (path == BinaryPath::Avx512 || path == BinaryPath::Avx2) && g.strideH == 1 && g.strideW == 1 &&
         g.kernelH * g.kernelW * wordsPerPixel(g.inChannels) <= kMaxTapWords;
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
// The same plan as the AVX-512 one, 8 output pixels per 256-bit vector, with the nibble-table
// popcount (binary.cc): each loaded tap-word is split once into its low and high nibbles, which
// then meet every output channel's weight nibbles (split once per call) in 2 xor + 2 vpshufb +
// 2 byte adds. Lanes whose tap lies in the padding (or past the row's end) hold 0x80 in every
// byte instead of a nibble: 0x80 XOR a weight nibble keeps the high bit set, for which vpshufb
// returns 0, so they add nothing without a mask per output channel. Byte counters take at most
// 8 per tap-word and are widened to 32 bits every 31 tap-words.

constexpr int64_t kByteRun = 31;

// Weights as wn[o][tap * q + word] = {low nibbles, high nibbles} of wq's word.
void splitWeightNibbles(const uint32_t* wq, int64_t count, uint32_t* wn) {
  for (int64_t i = 0; i < count; i++) {
    wn[2 * i] = wq[i] & 0x0f0f0f0fu;
    wn[2 * i + 1] = (wq[i] >> 4) & 0x0f0f0f0fu;
  }
}

// The lane mask (-1 or 0 per 32-bit lane) of tapLanes.
__attribute__((target("avx2"))) inline __m256i laneMask(__mmask16 m) {
  const __m256i bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(m), bits), bits);
}

// Output channels [o, o + O) of one block: their 8 lanes' popcounts over the tap-words.
template <int O>
__attribute__((target("avx2"), always_inline)) inline void channelsAvx2(const __m256i* xlo, const __m256i* xhi,
                                                                        const int32_t* index, int count,
                                                                        const uint32_t* wn, int64_t tw,
                                                                        __m256i* sums) {
  const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1,
                                         2, 2, 3, 2, 3, 3, 4);
  const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
  for (int j = 0; j < O; j++) sums[j] = _mm256_setzero_si256();
  for (int i0 = 0; i0 < count; i0 += kByteRun) {
    const int i1 = std::min<int>(count, i0 + kByteRun);
    __m256i acc[O];
    for (int j = 0; j < O; j++) acc[j] = _mm256_setzero_si256();
    for (int i = i0; i < i1; i++) {
      const __m256i lo = xlo[i], hi = xhi[i];
      for (int j = 0; j < O; j++) {
        const uint32_t* w = wn + 2 * (j * tw + index[i]);
        const __m256i a = _mm256_shuffle_epi8(table, _mm256_xor_si256(lo, _mm256_set1_epi32(static_cast<int>(w[0]))));
        const __m256i b = _mm256_shuffle_epi8(table, _mm256_xor_si256(hi, _mm256_set1_epi32(static_cast<int>(w[1]))));
        acc[j] = _mm256_add_epi8(acc[j], _mm256_add_epi8(a, b));
      }
    }
    for (int j = 0; j < O; j++)
      sums[j] = _mm256_add_epi32(sums[j], _mm256_madd_epi16(_mm256_maddubs_epi16(acc[j], ones8), ones16));
  }
}

// y = full - 2 * popcounts, in the lanes of `store` (all 8 when `whole`).
__attribute__((target("avx2"), always_inline)) inline void storeOutputs(__m256i full, __m256i sum, bool whole,
                                                                        __m256i store, float* y) {
  const __m256 value = _mm256_cvtepi32_ps(_mm256_sub_epi32(full, _mm256_add_epi32(sum, sum)));
  if (whole)
    _mm256_storeu_ps(y, value);
  else
    _mm256_maskstore_ps(y, store, value);
}

__attribute__((target("avx2"))) void imageAvx2(const uint32_t* xplane, const uint32_t* wn, const ConvGeometry& g,
                                               float* y) {
  const int64_t q = wordsPerPixel(g.inChannels), tw = g.kernelH * g.kernelW * q, hw = g.inHeight * g.inWidth;
  const int64_t OW = g.outWidth, ohw = g.outHeight * OW, O = g.outChannels;
  const __m256i nibble = _mm256_set1_epi8(0x0f), outside = _mm256_set1_epi8(static_cast<char>(0x80));
  const __m256i channels = _mm256_set1_epi32(static_cast<int32_t>(g.inChannels));
  __m256i xlo[kMaxTapWords], xhi[kMaxTapWords];
  int32_t index[kMaxTapWords];
  BlockTaps taps;
  for (int64_t oh = 0; oh < g.outHeight; oh++) {
    for (int64_t start = 0; start < OW; start += 8) {
      // A short last block moves left to end at the row's end: it recomputes (and rewrites with
      // the same values) a few outputs, but stores whole vectors (masked stores are slow on AMD).
      const int64_t ow = OW >= 8 && start + 8 > OW ? OW - 8 : start;
      const int lanes = static_cast<int>(std::min<int64_t>(8, OW - ow));
      __m256i validTaps = _mm256_setzero_si256();
      int count = 0;
      blockTaps(g, oh, ow, lanes, taps);
      for (int t = 0; t < taps.count; t++) {
        const __m256i m = laneMask(taps.lanes[t]);
        validTaps = _mm256_sub_epi32(validTaps, m);  // a true lane is -1
        // Masked-off lanes are not read, so the address may point before the row.
        const uint32_t* at = xplane + taps.offset[t];
        for (int64_t word = 0; word < q; word++, count++) {
          const __m256i x = _mm256_maskload_epi32(reinterpret_cast<const int*>(at + word * hw), m);
          xlo[count] = _mm256_blendv_epi8(outside, _mm256_and_si256(x, nibble), m);
          xhi[count] = _mm256_blendv_epi8(outside, _mm256_and_si256(_mm256_srli_epi32(x, 4), nibble), m);
          index[count] = static_cast<int32_t>(taps.tap[t] * q + word);
        }
      }
      const __m256i full = _mm256_mullo_epi32(validTaps, channels);
      const __m256i store = laneMask(static_cast<__mmask16>((1u << lanes) - 1));
      float* yo = y + oh * OW + ow;
      int64_t o = 0;
      for (; o + 4 <= O; o += 4) {
        __m256i sums[4];
        channelsAvx2<4>(xlo, xhi, index, count, wn + 2 * o * tw, tw, sums);
        for (int j = 0; j < 4; j++) storeOutputs(full, sums[j], lanes == 8, store, yo + (o + j) * ohw);
      }
      for (; o < O; o++) {
        __m256i sum;
        channelsAvx2<1>(xlo, xhi, index, count, wn + 2 * o * tw, tw, &sum);
        storeOutputs(full, sum, lanes == 8, store, yo + o * ohw);
      }
    }
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
  const int64_t weightWords = g.outChannels * taps * q;
  uint32_t* wq = scratchAs<uint32_t>(2, weightWords);
  packWeightsByChannel(w, g, wq);
  const bool avx512 = currentBinaryPath() == BinaryPath::Avx512;
  uint32_t* wn = nullptr;
  if (!avx512) {
    wn = scratchAs<uint32_t>(3, 2 * weightWords);
    splitWeightNibbles(wq, weightWords, wn);
  }
  parallelFor(g.batch, 1, [&](int64_t n0, int64_t n1) {
    uint32_t* xplane = scratchAs<uint32_t>(0, q * g.inHeight * g.inWidth);
    for (int64_t n = n0; n < n1; n++) {
      images.planar(g, n, xplane);
      float* y = output.image(g, n);
      if (avx512)
        imageAvx512(xplane, wq, g, y);
      else
        imageAvx2(xplane, wn, g, y);
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
