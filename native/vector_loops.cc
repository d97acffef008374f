#include "vector_loops.h"

#include <cstdlib>
#include <cstring>

namespace bamsprod {

LoopPath widestPath(const char* variable, const char* lowest) {
  __builtin_cpu_init();  // required in code that runs during static initialization
  const LoopPath best = __builtin_cpu_supports("avx512f") ? LoopPath::Avx512
                        : __builtin_cpu_supports("avx2")  ? LoopPath::Avx2
                                                          : LoopPath::Baseline;
  const char* forced = std::getenv(variable);
  if (forced != nullptr && std::strcmp(forced, lowest) == 0) return LoopPath::Baseline;
  if (forced != nullptr && std::strcmp(forced, "avx2") == 0 && best != LoopPath::Baseline) return LoopPath::Avx2;
  return best;
}

const char* pathName(LoopPath path, const char* lowest) {
  return path == LoopPath::Avx512 ? "avx512" : path == LoopPath::Avx2 ? "avx2" : lowest;
}

namespace {

const LoopPath kPath = widestPath("BAMSPROD_LOOP_PATH", "baseline");

}  // namespace

LoopPath loopPath() { return kPath; }

const char* loopPathName() { return pathName(kPath, "baseline"); }

}  // namespace bamsprod
