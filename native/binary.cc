// Bit-packed binary products. Signs are packed 64 to a word (bit set = negative value, so
// equal signs XOR to 0); for +-1 vectors a.b = k - 2 * popcount(a XOR b). The padding bits of
// the last word are 0 in both operands and so never count. The code path is picked once from
// the CPU's features: AVX-512 VPOPCNTDQ (8 words per instruction), AVX2 (the nibble-table
// popcount of Mula, Kurz & Lemire, arXiv 1611.07612: two vpshufb per 256 bits), the POPCNT
// instruction, or the compiler's generic popcount, all exact.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels.h"
#include "pool.h"
#include "scratch.h"

namespace bamsprod {
namespace {

inline int64_t wordsPerRow(int64_t k) { return (k + 63) / 64; }

uint64_t* wordScratch(int slot, int64_t words) {
  return reinterpret_cast<uint64_t*>(scratch(slot, static_cast<size_t>(words) * 2));
}

// ---- packing ----

void packRowGeneric(int64_t k, const float* src, uint64_t* dst) {
  for (int64_t w = 0; w * 64 < k; w++) {
    const int64_t end = std::min<int64_t>(64, k - w * 64);
    uint64_t bits = 0;
    for (int64_t b = 0; b < end; b++) bits |= static_cast<uint64_t>(!(src[w * 64 + b] >= 0.0f)) << b;
    dst[w] = bits;
  }
}

__attribute__((target("avx512f"))) void packRowAvx512(int64_t k, const float* src, uint64_t* dst) {
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t w = 0; w * 64 < k; w++) {
    uint64_t bits = 0;
    for (int q = 0; q < 4; q++) {
      const int64_t at = w * 64 + q * 16;
      if (at >= k) break;
      const int64_t left = k - at;
      // Lanes past the end load as 0.0f, which is >= 0 and so leaves its bit clear.
      const __mmask16 load = left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
      const __m512 v = _mm512_maskz_loadu_ps(load, src + at);
      // "Not greater or equal, unordered": negative values and NaN get bit 1 (sign -1).
      const __mmask16 neg = _mm512_cmp_ps_mask(v, zero, _CMP_NGE_UQ);
      bits |= static_cast<uint64_t>(neg) << (16 * q);
    }
    dst[w] = bits;
  }
}

__attribute__((target("avx2"))) void packRowAvx2(int64_t k, const float* src, uint64_t* dst) {
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t w = 0; w * 64 < k; w++) {
    uint64_t bits = 0;
    int64_t at = w * 64;
    const int64_t end = std::min<int64_t>(k, at + 64);
    for (; at + 8 <= end; at += 8) {
      // "Not greater or equal, unordered": negative values and NaN get bit 1 (sign -1).
      const __m256 neg = _mm256_cmp_ps(_mm256_loadu_ps(src + at), zero, _CMP_NGE_UQ);
      bits |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_ps(neg))) << (at - w * 64);
    }
    for (; at < end; at++) bits |= static_cast<uint64_t>(!(src[at] >= 0.0f)) << (at - w * 64);
    dst[w] = bits;
  }
}

// ---- products: generic and POPCNT paths (row-major packed B) ----

template <int R, int C>
inline void blockScalar(int64_t words, int64_t k, const uint64_t* a, const uint64_t* b, float* c, int64_t ldc) {
  int64_t acc[R][C] = {};
  for (int64_t w = 0; w < words; w++) {
    for (int r = 0; r < R; r++) {
      const uint64_t av = a[r * words + w];
      for (int j = 0; j < C; j++) acc[r][j] += __builtin_popcountll(av ^ b[j * words + w]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int j = 0; j < C; j++) c[r * ldc + j] = static_cast<float>(k - 2 * acc[r][j]);
}

template <int R>
inline void rowsScalar(int64_t n, int64_t k, const uint64_t* a, const uint64_t* b, float* c) {
  const int64_t words = wordsPerRow(k);
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) blockScalar<R, 4>(words, k, a, b + j * words, c + j, n);
  for (; j < n; j++) blockScalar<R, 1>(words, k, a, b + j * words, c + j, n);
}

void productRowsGeneric(int64_t i0, int64_t i1, int64_t n, int64_t k, const uint64_t* a, const uint64_t* b,
                        float* c) {
  const int64_t words = wordsPerRow(k);
  int64_t i = i0;
  for (; i + 2 <= i1; i += 2) rowsScalar<2>(n, k, a + i * words, b, c + i * n);
  for (; i < i1; i++) rowsScalar<1>(n, k, a + i * words, b, c + i * n);
}

// The same source compiled for the POPCNT instruction (the generic build cannot assume it).
__attribute__((target("popcnt"))) void productRowsPopcnt(int64_t i0, int64_t i1, int64_t n, int64_t k,
                                                         const uint64_t* a, const uint64_t* b, float* c) {
  const int64_t words = wordsPerRow(k);
  for (int64_t i = i0; i < i1; i++) {
    const uint64_t* ar = a + i * words;
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
      const uint64_t* b0 = b + j * words;
      int64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int64_t w = 0; w < words; w++) {
        const uint64_t av = ar[w];
        s0 += __builtin_popcountll(av ^ b0[w]);
        s1 += __builtin_popcountll(av ^ b0[words + w]);
        s2 += __builtin_popcountll(av ^ b0[2 * words + w]);
        s3 += __builtin_popcountll(av ^ b0[3 * words + w]);
      }
      c[i * n + j] = static_cast<float>(k - 2 * s0);
      c[i * n + j + 1] = static_cast<float>(k - 2 * s1);
      c[i * n + j + 2] = static_cast<float>(k - 2 * s2);
      c[i * n + j + 3] = static_cast<float>(k - 2 * s3);
    }
    for (; j < n; j++) {
      int64_t s = 0;
      for (int64_t w = 0; w < words; w++) s += __builtin_popcountll(ar[w] ^ b[j * words + w]);
      c[i * n + j] = static_cast<float>(k - 2 * s);
    }
  }
}

// ---- product: AVX-512 VPOPCNTDQ path ----
// B is re-laid in panels of 8 rows, word-interleaved (panel[w][lane]), so one 512-bit load
// holds word w of 8 columns; a row's word is broadcast against it and the 8 lanes accumulate
// 8 outputs at once, with no horizontal sums. Blocks of 4 rows x 4 panels keep 16
// accumulators in registers.

constexpr int kPanel = 8;

void interleavePanels(int64_t n, int64_t words, const uint64_t* b, uint64_t* panels) {
  const int64_t count = (n + kPanel - 1) / kPanel;
  for (int64_t p = 0; p < count; p++) {
    uint64_t* dst = panels + p * words * kPanel;
    for (int64_t w = 0; w < words; w++) {
      for (int lane = 0; lane < kPanel; lane++) {
        const int64_t j = p * kPanel + lane;
        dst[w * kPanel + lane] = j < n ? b[j * words + w] : 0;
      }
    }
  }
}

template <int R, int P>
__attribute__((target("avx512f,avx512vpopcntdq"), always_inline)) inline void blockAvx512(
    int64_t words, int64_t k, const uint64_t* a, const uint64_t* panels, float* c, int64_t n, int64_t j0) {
  __m512i acc[R][P];
  for (int r = 0; r < R; r++)
    for (int p = 0; p < P; p++) acc[r][p] = _mm512_setzero_si512();
  for (int64_t w = 0; w < words; w++) {
    __m512i bv[P];
    for (int p = 0; p < P; p++) bv[p] = _mm512_loadu_si512(panels + (p * words + w) * kPanel);
    for (int r = 0; r < R; r++) {
      const __m512i av = _mm512_set1_epi64(static_cast<long long>(a[r * words + w]));
      for (int p = 0; p < P; p++)
        acc[r][p] = _mm512_add_epi64(acc[r][p], _mm512_popcnt_epi64(_mm512_xor_si512(av, bv[p])));
    }
  }
  for (int r = 0; r < R; r++) {
    for (int p = 0; p < P; p++) {
      alignas(64) int64_t counts[kPanel];
      _mm512_store_si512(counts, acc[r][p]);
      const int64_t j = j0 + p * kPanel;
      const int lanes = static_cast<int>(std::min<int64_t>(kPanel, n - j));
      for (int lane = 0; lane < lanes; lane++) c[r * n + j + lane] = static_cast<float>(k - 2 * counts[lane]);
    }
  }
}

template <int R>
__attribute__((target("avx512f,avx512vpopcntdq"))) void rowsAvx512(int64_t n, int64_t k, const uint64_t* a,
                                                                    const uint64_t* panels, float* c) {
  const int64_t words = wordsPerRow(k), count = (n + kPanel - 1) / kPanel;
  int64_t p = 0;
  for (; p + 4 <= count; p += 4)
    blockAvx512<R, 4>(words, k, a, panels + p * words * kPanel, c, n, p * kPanel);
  for (; p < count; p++) blockAvx512<R, 1>(words, k, a, panels + p * words * kPanel, c, n, p * kPanel);
}

__attribute__((target("avx512f,avx512vpopcntdq"))) void productRowsAvx512(int64_t i0, int64_t i1, int64_t n,
                                                                           int64_t k, const uint64_t* a,
                                                                           const uint64_t* panels, float* c) {
  const int64_t words = wordsPerRow(k);
  int64_t i = i0;
  for (; i + 4 <= i1; i += 4) rowsAvx512<4>(n, k, a + i * words, panels, c + i * n);
  for (; i < i1; i++) rowsAvx512<1>(n, k, a + i * words, panels, c + i * n);
}

// ---- product: AVX2 path (nibble-table popcount) ----
// Lanes are columns, as in the AVX-512 path: B is re-laid in panels of 4 rows, word-interleaved,
// so one 256-bit load holds word w of 4 columns, against which a row's word is broadcast. Each
// word is split once, when the operands are re-laid, into its low and high nibbles (one per
// byte, high bit clear): the nibbles of a XOR b are those of a XOR those of b, so a step is
// 2 xor + 2 vpshufb (the table of 4-bit popcounts) + 2 byte adds per 256 bits. Byte counters
// take at most 8 per word, so they are widened (vpsadbw, one op for 4 outputs) every 31 words.
// Blocks of 6 rows x 1 panel keep 6 accumulators in registers (more spill: GCC hoists the
// loads); each loaded panel word feeds 6 rows.

constexpr int kPanel2 = 4;
constexpr int kRows2 = 6;  // rows per block (measured on an AMD EPYC Zen 3: 4-12 rows x 1-4 panels)
constexpr int64_t kByteRun = 31;  // words per byte-counter run: 31 * 8 <= 255

// lo/hi nibble bytes of one word, as two consecutive words.
inline void splitWord(uint64_t v, uint64_t* out) {
  out[0] = v & 0x0f0f0f0f0f0f0f0full;
  out[1] = (v >> 4) & 0x0f0f0f0f0f0f0f0full;
}

// a2[i][w] = {lo, hi} of a[i][w].
void splitRows(int64_t rows, int64_t words, const uint64_t* a, uint64_t* a2) {
  for (int64_t i = 0; i < rows * words; i++) splitWord(a[i], a2 + 2 * i);
}

// panels[p][w] = {lo of columns 4p..4p+3, hi of the same}, missing columns 0.
void splitPanels(int64_t n, int64_t words, const uint64_t* b, uint64_t* panels) {
  const int64_t count = (n + kPanel2 - 1) / kPanel2;
  for (int64_t p = 0; p < count; p++) {
    for (int64_t w = 0; w < words; w++) {
      uint64_t* dst = panels + (p * words + w) * 2 * kPanel2;
      for (int lane = 0; lane < kPanel2; lane++) {
        const int64_t j = p * kPanel2 + lane;
        uint64_t halves[2];
        splitWord(j < n ? b[j * words + w] : 0, halves);
        dst[lane] = halves[0];
        dst[kPanel2 + lane] = halves[1];
      }
    }
  }
}

template <int R, int P>
__attribute__((target("avx2"), always_inline)) inline void blockAvx2(int64_t words, int64_t k, const uint64_t* a2,
                                                                     const uint64_t* panels, float* c, int64_t n,
                                                                     int64_t j0) {
  const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1,
                                         2, 2, 3, 2, 3, 3, 4);
  // Widened counts, in memory: registers are for the byte counters of the inner loop.
  alignas(32) int64_t total[R][P][kPanel2] = {};
  for (int64_t w0 = 0; w0 < words; w0 += kByteRun) {
    const int64_t w1 = std::min(words, w0 + kByteRun);
    __m256i acc[R][P];
    for (int r = 0; r < R; r++)
      for (int p = 0; p < P; p++) acc[r][p] = _mm256_setzero_si256();
    for (int64_t w = w0; w < w1; w++) {
      for (int r = 0; r < R; r++) {
        const uint64_t* ar = a2 + 2 * (r * words + w);
        const __m256i alo = _mm256_set1_epi64x(static_cast<long long>(ar[0]));
        const __m256i ahi = _mm256_set1_epi64x(static_cast<long long>(ar[1]));
        for (int p = 0; p < P; p++) {
          const __m256i* at = reinterpret_cast<const __m256i*>(panels + (p * words + w) * 2 * kPanel2);
          const __m256i lo = _mm256_xor_si256(alo, _mm256_loadu_si256(at));
          const __m256i hi = _mm256_xor_si256(ahi, _mm256_loadu_si256(at + 1));
          acc[r][p] = _mm256_add_epi8(acc[r][p], _mm256_add_epi8(_mm256_shuffle_epi8(table, lo),
                                                                 _mm256_shuffle_epi8(table, hi)));
        }
      }
    }
    for (int r = 0; r < R; r++)
      for (int p = 0; p < P; p++) {
        __m256i* t = reinterpret_cast<__m256i*>(total[r][p]);
        _mm256_store_si256(t, _mm256_add_epi64(_mm256_load_si256(t), _mm256_sad_epu8(acc[r][p], _mm256_setzero_si256())));
      }
  }
  for (int r = 0; r < R; r++) {
    for (int p = 0; p < P; p++) {
      const int64_t j = j0 + p * kPanel2;
      const int lanes = static_cast<int>(std::min<int64_t>(kPanel2, n - j));
      for (int lane = 0; lane < lanes; lane++) c[r * n + j + lane] = static_cast<float>(k - 2 * total[r][p][lane]);
    }
  }
}

template <int R>
__attribute__((target("avx2"))) void rowsAvx2(int64_t n, int64_t k, const uint64_t* a2, const uint64_t* panels,
                                              float* c) {
  const int64_t words = wordsPerRow(k), count = (n + kPanel2 - 1) / kPanel2;
  const int64_t stride = words * 2 * kPanel2;
  for (int64_t p = 0; p < count; p++) blockAvx2<R, 1>(words, k, a2, panels + p * stride, c, n, p * kPanel2);
}

__attribute__((target("avx2"))) void productRowsAvx2(int64_t i0, int64_t i1, int64_t n, int64_t k,
                                                     const uint64_t* a2, const uint64_t* panels, float* c) {
  const int64_t words = wordsPerRow(k);
  int64_t i = i0;
  for (; i + kRows2 <= i1; i += kRows2) rowsAvx2<kRows2>(n, k, a2 + 2 * i * words, panels, c + i * n);
  for (; i < i1; i++) rowsAvx2<1>(n, k, a2 + 2 * i * words, panels, c + i * n);
}

// ---- dispatch ----

using Path = BinaryPath;

Path detectPath() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq")) return Path::Avx512;
  if (__builtin_cpu_supports("avx2")) return Path::Avx2;
  if (__builtin_cpu_supports("popcnt")) return Path::Popcnt;
  return Path::Generic;
}

// Whether this CPU can run `path` (each path's instructions imply those of the ones below it).
bool supported(Path path) { return static_cast<int>(path) <= static_cast<int>(detectPath()); }

Path& currentPath() {
  static Path path = detectPath();
  return path;
}

void packRows(int64_t rows, int64_t k, const float* src, uint64_t* dst) {
  const int64_t words = wordsPerRow(k);
  const Path path = currentPath();
  parallelFor(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, k)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      if (path == Path::Avx512)
        packRowAvx512(k, src + r * k, dst + r * words);
      else if (path == Path::Avx2)
        packRowAvx2(k, src + r * k, dst + r * words);
      else
        packRowGeneric(k, src + r * k, dst + r * words);
    }
  });
}

}  // namespace

BinaryPath currentBinaryPath() { return currentPath(); }

const char* binaryPath() {
  switch (currentPath()) {
    case Path::Avx512:
      return "avx512-vpopcntdq";
    case Path::Avx2:
      return "avx2";
    case Path::Popcnt:
      return "popcnt";
    default:
      return "generic";
  }
}

bool setBinaryPath(const char* name) {
  Path wanted;
  if (std::strcmp(name, "generic") == 0)
    wanted = Path::Generic;
  else if (std::strcmp(name, "popcnt") == 0)
    wanted = Path::Popcnt;
  else if (std::strcmp(name, "avx2") == 0)
    wanted = Path::Avx2;
  else if (std::strcmp(name, "avx512-vpopcntdq") == 0)
    wanted = Path::Avx512;
  else
    return false;
  if (!supported(wanted)) return false;
  currentPath() = wanted;
  return true;
}

void packSigns(int64_t rows, int64_t k, const float* src, uint64_t* dst) { packRows(rows, k, src, dst); }

void binaryGemmPacked(int64_t m, int64_t n, int64_t k, const uint64_t* a, const uint64_t* b, float* c) {
  if (m == 0 || n == 0) return;
  const int64_t words = wordsPerRow(k);
  // Enough rows per chunk for the pool's hand-off to be cheap against the work.
  const int64_t grain = std::max<int64_t>(4, 65536 / std::max<int64_t>(1, n * words));
  switch (currentPath()) {
    case Path::Avx512: {
      uint64_t* panels = wordScratch(3, ((n + kPanel - 1) / kPanel) * kPanel * words);
      interleavePanels(n, words, b, panels);
      parallelFor((m + 3) / 4, grain / 4 + 1, [&](int64_t q0, int64_t q1) {
        productRowsAvx512(q0 * 4, std::min(m, q1 * 4), n, k, a, panels, c);
      });
      break;
    }
    case Path::Avx2: {
      uint64_t* panels = wordScratch(3, ((n + kPanel2 - 1) / kPanel2) * kPanel2 * 2 * words);
      uint64_t* a2 = wordScratch(0, 2 * m * words);
      splitPanels(n, words, b, panels);
      splitRows(m, words, a, a2);
      parallelFor((m + kRows2 - 1) / kRows2, grain / kRows2 + 1, [&](int64_t q0, int64_t q1) {
        productRowsAvx2(q0 * kRows2, std::min(m, q1 * kRows2), n, k, a2, panels, c);
      });
      break;
    }
    case Path::Popcnt:
      parallelFor(m, grain, [&](int64_t i0, int64_t i1) { productRowsPopcnt(i0, i1, n, k, a, b, c); });
      break;
    default:
      parallelFor(m, grain, [&](int64_t i0, int64_t i1) { productRowsGeneric(i0, i1, n, k, a, b, c); });
  }
}

void binaryGemm(int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c) {
  if (m == 0 || n == 0) return;
  const int64_t words = wordsPerRow(k);
  uint64_t* ap = wordScratch(2, std::max<int64_t>(1, m * words));
  uint64_t* bp = wordScratch(1, std::max<int64_t>(1, n * words));
  packRows(m, k, a, ap);
  packRows(n, k, b, bp);
  binaryGemmPacked(m, n, k, ap, bp, c);
}

}  // namespace bamsprod
