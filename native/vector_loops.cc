#include "vector_loops.h"

#include <cstdlib>
#include <cstring>

namespace bamsprod {

namespace {

const LoopPath kPath = [] {
  __builtin_cpu_init();  // required in code that runs during static initialization
  const LoopPath best = __builtin_cpu_supports("avx512f") ? LoopPath::Avx512
                          : __builtin_cpu_supports("avx2")  ? LoopPath::Avx2
                                                            : LoopPath::Baseline;
  const char* forced = std::getenv("BAMSPROD_LOOP_PATH");
  if (forced != nullptr && std::strcmp(forced, "baseline") == 0) return LoopPath::Baseline;
  if (forced != nullptr && std::strcmp(forced, "avx2") == 0 && best != LoopPath::Baseline) return LoopPath::Avx2;
  return best;
}();

}  // namespace

LoopPath loopPath() { return kPath; }

const char* loopPathName() {
  return kPath == LoopPath::Avx512 ? "avx512" : kPath == LoopPath::Avx2 ? "avx2" : "baseline";
}

}  // namespace bamsprod
