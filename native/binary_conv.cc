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

// Sets bit `shift` of dst[p * stride] for the negative (or NaN) values of one channel plane.
__attribute__((target_clones("avx512f", "avx2", "default"))) void orSigns(const float* __restrict plane,
                                                                          int64_t hw, int64_t stride, int shift,
                                                                          uint32_t* __restrict dst) {
  if (stride == 1) {
    for (int64_t p = 0; p < hw; p++) dst[p] |= static_cast<uint32_t>(!(plane[p] >= 0.0f)) << shift;
  } else {
    for (int64_t p = 0; p < hw; p++) dst[p * stride] |= static_cast<uint32_t>(!(plane[p] >= 0.0f)) << shift;
  }
}

void packImage(const float* x, const ConvGeometry& g, int64_t n, uint32_t* xp) {
  const int64_t q = wordsPerPixel(g.inChannels), hw = g.inHeight * g.inWidth;
  std::memset(xp, 0, sizeof(uint32_t) * hw * q);
  for (int64_t c = 0; c < g.inChannels; c++)
    orSigns(x + (n * g.inChannels + c) * hw, hw, q, static_cast<int>(c % 32), xp + c / 32);
}

// One image's outputs; compiled once per code path so the popcount loop over output channels
// vectorizes where the CPU allows (VPOPCNTD) and uses the POPCNT instruction otherwise.
__attribute__((always_inline)) inline void imageBody(const uint32_t* __restrict xp, const uint32_t* __restrict wp,
                                                     const ConvGeometry& g, int64_t n, int32_t* __restrict acc,
                                                     int32_t* __restrict valid, float* __restrict y) {
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
      float* yr = y + (n * O + o) * ohw + oh * OW;
      for (int64_t ow = 0; ow < OW; ow++)
        yr[ow] = static_cast<float>(static_cast<int64_t>(valid[ow]) * C - 2 * static_cast<int64_t>(acc[ow * O + o]));
    }
  }
}

__attribute__((target("avx512f,avx512vpopcntdq"))) void imageAvx512(const uint32_t* xp, const uint32_t* wp,
                                                                     const ConvGeometry& g, int64_t n, int32_t* acc,
                                                                     int32_t* valid, float* y) {
  imageBody(xp, wp, g, n, acc, valid, y);
}

__attribute__((target("popcnt"))) void imagePopcnt(const uint32_t* xp, const uint32_t* wp, const ConvGeometry& g,
                                                   int64_t n, int32_t* acc, int32_t* valid, float* y) {
  imageBody(xp, wp, g, n, acc, valid, y);
}

void imageGeneric(const uint32_t* xp, const uint32_t* wp, const ConvGeometry& g, int64_t n, int32_t* acc,
                  int32_t* valid, float* y) {
  imageBody(xp, wp, g, n, acc, valid, y);
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

bool fastPathApplies(const ConvGeometry& g) {
  return currentBinaryPath() == BinaryPath::Avx512 && g.strideH == 1 && g.strideW == 1 &&
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
  const int64_t q = wordsPerPixel(g.inChannels), hw = g.inHeight * g.inWidth;
  std::memset(xplane, 0, sizeof(uint32_t) * q * hw);
  for (int64_t c = 0; c < g.inChannels; c++)
    orSigns(x + (n * g.inChannels + c) * hw, hw, 1, static_cast<int>(c % 32), xplane + (c / 32) * hw);
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

__attribute__((target("avx512f,avx512vpopcntdq"))) void imageAvx512(const uint32_t* xplane, const uint32_t* wq,
                                                                     const ConvGeometry& g, int64_t n, float* y) {
  const int64_t q = wordsPerPixel(g.inChannels), tw = g.kernelH * g.kernelW * q, hw = g.inHeight * g.inWidth;
  const int64_t OW = g.outWidth, ohw = g.outHeight * OW;
  const __m512i channels = _mm512_set1_epi32(static_cast<int32_t>(g.inChannels));
  __m512i xv[kMaxTapWords];
  __mmask16 lanesOf[kMaxTapWords];
  int32_t index[kMaxTapWords];  // position of each loaded tap-word in a weight row
  for (int64_t oh = 0; oh < g.outHeight; oh++) {
    for (int64_t ow = 0; ow < OW; ow += 16) {
      const int lanes = static_cast<int>(std::min<int64_t>(16, OW - ow));
      __m512i validTaps = _mm512_setzero_si512();
      int count = 0;
      for (int64_t kh = 0; kh < g.kernelH; kh++) {
        const int64_t ih = oh - g.padH + kh;
        if (ih < 0 || ih >= g.inHeight) continue;  // the whole row of taps is padding
        for (int64_t kw = 0; kw < g.kernelW; kw++) {
          const __mmask16 m = tapLanes(ow, kw, lanes, g);
          if (m == 0) continue;
          validTaps = _mm512_mask_add_epi32(validTaps, m, validTaps, _mm512_set1_epi32(1));
          // Masked-off lanes are not read, so the address may point before the row.
          const uint32_t* at = xplane + ih * g.inWidth + (ow - g.padW + kw);
          for (int64_t word = 0; word < q; word++, count++) {
            xv[count] = _mm512_maskz_loadu_epi32(m, at + word * hw);
            lanesOf[count] = m;
            index[count] = static_cast<int32_t>((kh * g.kernelW + kw) * q + word);
          }
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
        _mm512_mask_storeu_ps(y + (n * g.outChannels + o) * ohw + oh * OW + ow, store,
                              _mm512_maskz_cvtepi32_ps(store, value));
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

template <typename Images>
void binaryConvStride1(const Images& images, const float* w, const ConvGeometry& g, float* y) {
  const int64_t q = wordsPerPixel(g.inChannels), taps = g.kernelH * g.kernelW;
  uint32_t* wq = scratchAs<uint32_t>(2, g.outChannels * taps * q);
  packWeightsByChannel(w, g, wq);
  parallelFor(g.batch, 1, [&](int64_t n0, int64_t n1) {
    uint32_t* xplane = scratchAs<uint32_t>(0, q * g.inHeight * g.inWidth);
    for (int64_t n = n0; n < n1; n++) {
      images.planar(g, n, xplane);
      imageAvx512(xplane, wq, g, n, y);
    }
  });
}

template <typename Images>
void binaryConv(const Images& images, const float* w, const ConvGeometry& g, float* y) {
  if (g.batch == 0 || g.outChannels == 0) return;
  if (fastPathApplies(g)) {
    binaryConvStride1(images, w, g, y);
    return;
  }
  const int64_t q = wordsPerPixel(g.inChannels);
  // Slot 2 is used on the calling thread only; the image tasks (which the calling thread also
  // runs) use slots 0 and 1 of whichever thread runs them.
  uint32_t* wp = scratchAs<uint32_t>(2, g.kernelH * g.kernelW * q * g.outChannels);
  packWeights(w, g, wp);
  const BinaryPath path = currentBinaryPath();
  parallelFor(g.batch, 1, [&](int64_t n0, int64_t n1) {
    uint32_t* xp = scratchAs<uint32_t>(0, g.inHeight * g.inWidth * q);
    int32_t* acc = scratchAs<int32_t>(1, g.outWidth * (g.outChannels + 1));
    int32_t* valid = acc + g.outWidth * g.outChannels;
    for (int64_t n = n0; n < n1; n++) {
      const uint32_t* image = images.pixels(g, n, xp);
      if (path == BinaryPath::Avx512)
        imageAvx512(image, wp, g, n, acc, valid, y);
      else if (path == BinaryPath::Popcnt)
        imagePopcnt(image, wp, g, n, acc, valid, y);
      else
        imageGeneric(image, wp, g, n, acc, valid, y);
    }
  });
}

}  // namespace

void binaryConv2dForward(const float* x, const float* w, const ConvGeometry& g, float* y) {
  binaryConv(FloatImages{x}, w, g, y);
}

void binaryConv2dPixels(const uint32_t* pixels, const float* w, const ConvGeometry& g, float* y) {
  binaryConv(PackedImages{pixels}, w, g, y);
}

}  // namespace bamsprod
