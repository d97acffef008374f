// Loops the compiler vectorizes (sign, straight-through gradient, clip, batch-norm passes, the
// im2col/Winograd row sums and tile transforms, ...) are compiled three times, for AVX-512F, AVX2
// and baseline x86-64, and one build runs: the best this CPU supports, or a lower one that
// BAMSPROD_LOOP_PATH=avx2 or =baseline forces, read once at load time, so that the tests can
// check every build this CPU can run against the portable kernels.
//
// A loop is written once as an always-inline function and called as vectorized<loop>(args...):
// each build inlines it into a function compiled for its instruction set. Built with
// -ffp-contract=off, the three do the same IEEE operations in the same order.
#pragma once

namespace bamsprod {

enum class LoopPath { Avx512, Avx2, Baseline };

// The widest of AVX-512F, AVX2 and baseline x86-64 that the CPU and the OS support, or a lower
// one that the environment variable `variable` names: "avx2", or `lowest` (the family's name for
// the baseline). Each dispatch family with such loops (these, the fused optimizer updates in
// optim.cc) reads its own variable once, at load time.
LoopPath widestPath(const char* variable, const char* lowest);
// "avx512", "avx2", or `lowest` for the baseline.
const char* pathName(LoopPath path, const char* lowest);

LoopPath loopPath();
// "avx512", "avx2" or "baseline" (info().loopPath).
const char* loopPathName();

#define BAMSPROD_VECTOR_LOOP __attribute__((always_inline)) inline

template <auto Loop, typename... A>
__attribute__((target("avx512f"))) decltype(auto) onAvx512(A... args) {
  return Loop(args...);
}

template <auto Loop, typename... A>
__attribute__((target("avx2"))) decltype(auto) onAvx2(A... args) {
  return Loop(args...);
}

template <auto Loop, typename... A>
decltype(auto) onBaseline(A... args) {
  return Loop(args...);
}

template <auto Loop, typename... A>
decltype(auto) vectorized(A... args) {
  switch (loopPath()) {
    case LoopPath::Avx512:
      return onAvx512<Loop>(args...);
    case LoopPath::Avx2:
      return onAvx2<Loop>(args...);
    default:
      return onBaseline<Loop>(args...);
  }
}

}  // namespace bamsprod
