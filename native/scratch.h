// Grow-only scratch buffers, one set per calling thread, so repeated kernel calls during
// training reuse the same memory (resident memory stays flat) and calls from different
// JavaScript worker threads never share a buffer.
#pragma once

#include <cstddef>
#include <vector>

namespace bamsprod {

// Returns a buffer of at least `count` floats for `slot` (0..7); contents are unspecified.
float* scratch(int slot, size_t count);

}  // namespace bamsprod
