#include "scratch.h"

namespace bamsprod {

float* scratch(int slot, size_t count) {
  thread_local std::vector<float> buffers[8];
  std::vector<float>& b = buffers[slot];
  if (b.size() < count) b.resize(count);
  return b.data();
}

}  // namespace bamsprod
