// Grow-only scratch buffers, one set per calling thread, so repeated kernel calls during
// training reuse the same memory (resident memory stays flat) and calls from different
// JavaScript worker threads never share a buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bamsprod {

// Returns a buffer of at least `count` floats for `slot` (0..7); contents are unspecified.
float* scratch(int slot, size_t count);

// The same buffer as at least `count` elements of T (any size; aligned as malloc aligns).
template <typename T>
T* scratchAs(int slot, int64_t count) {
  const int64_t floats = (count * static_cast<int64_t>(sizeof(T)) + 3) / 4;
  return reinterpret_cast<T*>(scratch(slot, static_cast<size_t>(floats > 1 ? floats : 1)));
}

}  // namespace bamsprod
