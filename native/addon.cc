// JavaScript bindings of the native kernels (Node-API through node-addon-api). Typed arrays
// are used in place: the kernels read and write the JavaScript buffers directly. Sizes are
// checked here so that a wrong call throws instead of touching memory it does not own.
#include <napi.h>

#include <algorithm>
#include <string>
#include <thread>

#include "kernels.h"
#include "optim.h"
#include "pool.h"
#include "vector_loops.h"

extern "C" {
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}

namespace bamsprod {
namespace {

[[noreturn]] void fail(const Napi::Env& env, const std::string& message) {
  throw Napi::RangeError::New(env, "bamsprod native: " + message);
}

int64_t integer(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string("bamsprod native: ") + name + " must be a number");
  const double value = info[i].As<Napi::Number>().DoubleValue();
  if (!(value >= 0) || value > 2147483647.0 || value != static_cast<double>(static_cast<int64_t>(value)))
    fail(info.Env(), std::string(name) + " must be a non-negative integer below 2^31, got " + std::to_string(value));
  return static_cast<int64_t>(value);
}

double number(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string("bamsprod native: ") + name + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

template <typename T, napi_typedarray_type Type>
T* typed(const Napi::Value& value, int64_t minLength, const char* name, const char* typeName) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != Type)
    throw Napi::TypeError::New(value.Env(), std::string("bamsprod native: ") + name + " must be a " + typeName);
  auto array = value.As<Napi::TypedArrayOf<T>>();
  if (static_cast<int64_t>(array.ElementLength()) < minLength)
    fail(value.Env(), std::string(name) + " has " + std::to_string(array.ElementLength()) + " elements, needs " +
                          std::to_string(minLength));
  return array.Data();
}

float* f32(const Napi::Value& v, int64_t minLength, const char* name) {
  return typed<float, napi_float32_array>(v, minLength, name, "Float32Array");
}

int64_t lengthOf(const Napi::Value& v) { return static_cast<int64_t>(v.As<Napi::TypedArray>().ElementLength()); }

int64_t field(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) fail(o.Env(), std::string("geometry.") + key + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 2147483647.0 || d != static_cast<double>(static_cast<int64_t>(d)))
    fail(o.Env(), std::string("geometry.") + key + " must be a non-negative integer, got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

ConvGeometry convGeometry(const Napi::Value& value) {
  if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "bamsprod native: geometry must be an object");
  Napi::Object o = value.As<Napi::Object>();
  ConvGeometry g{field(o, "batch"),   field(o, "inChannels"), field(o, "inHeight"), field(o, "inWidth"),
                 field(o, "outChannels"), field(o, "kernelH"), field(o, "kernelW"),  field(o, "strideH"),
                 field(o, "strideW"), field(o, "padH"),       field(o, "padW"),     field(o, "outHeight"),
                 field(o, "outWidth")};
  if (g.strideH < 1 || g.strideW < 1 || g.kernelH < 1 || g.kernelW < 1)
    fail(value.Env(), "convolution strides and kernel sizes must be at least 1");
  if (g.inHeight + 2 * g.padH < g.kernelH || g.inWidth + 2 * g.padW < g.kernelW ||
      g.outHeight != (g.inHeight + 2 * g.padH - g.kernelH) / g.strideH + 1 ||
      g.outWidth != (g.inWidth + 2 * g.padW - g.kernelW) / g.strideW + 1)
    fail(value.Env(), "convolution geometry is inconsistent (outHeight/outWidth do not follow from the input)");
  return g;
}

PoolGeometry poolGeometry(const Napi::Value& value) {
  if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "bamsprod native: geometry must be an object");
  Napi::Object o = value.As<Napi::Object>();
  PoolGeometry g{field(o, "batch"), field(o, "channels"), field(o, "inHeight"),  field(o, "inWidth"),
                 field(o, "size"),  field(o, "stride"),   field(o, "outHeight"), field(o, "outWidth")};
  if (g.size < 1 || g.stride < 1 || g.inHeight < g.size || g.inWidth < g.size ||
      g.outHeight != (g.inHeight - g.size) / g.stride + 1 || g.outWidth != (g.inWidth - g.size) / g.stride + 1)
    fail(value.Env(), "pooling geometry is inconsistent (outHeight/outWidth do not follow from the input)");
  return g;
}

// The element counts of a convolution's input [N, C, H, W], weights [O, C, KH, KW] and output
// [N, O, OH, OW], and of a pooling's input and output planes.
int64_t inputSize(const ConvGeometry& g) { return g.batch * g.inChannels * g.inHeight * g.inWidth; }
int64_t weightSize(const ConvGeometry& g) { return g.outChannels * g.inChannels * g.kernelH * g.kernelW; }
int64_t outputSize(const ConvGeometry& g) { return g.batch * g.outChannels * g.outHeight * g.outWidth; }
int64_t inputSize(const PoolGeometry& g) { return g.batch * g.channels * g.inHeight * g.inWidth; }
int64_t outputSize(const PoolGeometry& g) { return g.batch * g.channels * g.outHeight * g.outWidth; }

// A Float32Array argument of a convolution: its name and its element count.
struct ConvArray {
  const char* name;
  int64_t (*size)(const ConvGeometry&);
};

// A convolution pass bound as (a, b, geometry, c): each array checked for its size, then
// kernel(a, b, g, c).
Napi::Value ConvPass(const Napi::CallbackInfo& info, void (*kernel)(const float*, const float*, const ConvGeometry&, float*),
                     ConvArray a, ConvArray b, ConvArray c) {
  const ConvGeometry g = convGeometry(info[2]);
  const float* first = f32(info[0], a.size(g), a.name);
  const float* second = f32(info[1], b.size(g), b.name);
  kernel(first, second, g, f32(info[3], c.size(g), c.name));
  return info.Env().Undefined();
}

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const bool ta = info[0].ToBoolean(), tb = info[1].ToBoolean();
  const int64_t m = integer(info, 2, "m"), n = integer(info, 3, "n"), k = integer(info, 4, "k");
  const float alpha = static_cast<float>(number(info, 5, "alpha"));
  const float* a = f32(info[6], m * k, "a");
  const float* b = f32(info[7], k * n, "b");
  const float beta = static_cast<float>(number(info, 8, "beta"));
  float* c = f32(info[9], m * n, "c");
  gemm(ta, tb, m, n, k, alpha, a, b, beta, c);
  return info.Env().Undefined();
}

Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  return ConvPass(info, conv2dForward, {"x", inputSize}, {"w", weightSize}, {"y", outputSize});
}

Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  return ConvPass(info, conv2dBackwardInput, {"dy", outputSize}, {"w", weightSize}, {"dx", inputSize});
}

Napi::Value Conv2dBackwardFilter(const Napi::CallbackInfo& info) {
  return ConvPass(info, conv2dBackwardFilter, {"x", inputSize}, {"dy", outputSize}, {"dw", weightSize});
}

Napi::Value MaxPoolForward(const Napi::CallbackInfo& info) {
  const PoolGeometry g = poolGeometry(info[1]);
  const float* x = f32(info[0], inputSize(g), "x");
  const int64_t outCount = outputSize(g);
  float* y = f32(info[2], outCount, "y");
  int32_t* argmax = typed<int32_t, napi_int32_array>(info[3], outCount, "argmax", "Int32Array");
  maxPoolForward(x, g, y, argmax);
  return info.Env().Undefined();
}

Napi::Value MaxPoolBackward(const Napi::CallbackInfo& info) {
  const float* dy = f32(info[0], 0, "dy");
  const int64_t count = lengthOf(info[0]);
  const int32_t* argmax = typed<int32_t, napi_int32_array>(info[1], count, "argmax", "Int32Array");
  float* dx = f32(info[2], 0, "dx");
  maxPoolBackward(dy, argmax, count, dx, lengthOf(info[2]));
  return info.Env().Undefined();
}

Napi::Value AvgPoolForward(const Napi::CallbackInfo& info) {
  const PoolGeometry g = poolGeometry(info[1]);
  avgPoolForward(f32(info[0], inputSize(g), "x"), g, f32(info[2], outputSize(g), "y"));
  return info.Env().Undefined();
}

Napi::Value AvgPoolBackward(const Napi::CallbackInfo& info) {
  const PoolGeometry g = poolGeometry(info[1]);
  avgPoolBackward(f32(info[0], outputSize(g), "dy"), g, f32(info[2], inputSize(g), "dx"));
  return info.Env().Undefined();
}

Napi::Value BinaryGemm(const Napi::CallbackInfo& info) {
  const int64_t m = integer(info, 0, "m"), n = integer(info, 1, "n"), k = integer(info, 2, "k");
  binaryGemm(m, n, k, f32(info[3], m * k, "a"), f32(info[4], n * k, "b"), f32(info[5], m * n, "c"));
  return info.Env().Undefined();
}

// Packed words travel as Uint32Array pairs (little-endian halves of one 64-bit word), which
// every JavaScript engine has; BigUint64Array would force BigInt on callers.
uint64_t* words(const Napi::Value& v, int64_t words64, const char* name) {
  return reinterpret_cast<uint64_t*>(typed<uint32_t, napi_uint32_array>(v, 2 * words64, name, "Uint32Array"));
}

Napi::Value PackSigns(const Napi::CallbackInfo& info) {
  const int64_t rows = integer(info, 0, "rows"), k = integer(info, 1, "k");
  packSigns(rows, k, f32(info[2], rows * k, "src"), words(info[3], rows * ((k + 63) / 64), "dst"));
  return info.Env().Undefined();
}

Napi::Value BinaryGemmPacked(const Napi::CallbackInfo& info) {
  const int64_t m = integer(info, 0, "m"), n = integer(info, 1, "n"), k = integer(info, 2, "k");
  const int64_t w = (k + 63) / 64;
  binaryGemmPacked(m, n, k, words(info[3], m * w, "a"), words(info[4], n * w, "b"), f32(info[5], m * n, "c"));
  return info.Env().Undefined();
}

double* f64(const Napi::Value& v, int64_t minLength, const char* name) {
  return typed<double, napi_float64_array>(v, minLength, name, "Float64Array");
}

ChannelLayout channelLayout(const Napi::Value& value) {
  if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "bamsprod native: layout must be an object");
  Napi::Object o = value.As<Napi::Object>();
  return {field(o, "batch"), field(o, "channels"), field(o, "spatial")};
}

// clipInPlace(x, bound): x = min(max(x, -bound), bound).
Napi::Value ClipInPlace(const Napi::CallbackInfo& info) {
  const int64_t n = lengthOf(info[0]);
  clipInPlace(f32(info[0], n, "x"), n, static_cast<float>(number(info, 1, "bound")));
  return info.Env().Undefined();
}

// signForward(x, y): y = sign(x) over x's length.
Napi::Value SignForward(const Napi::CallbackInfo& info) {
  const int64_t n = lengthOf(info[0]);
  signForward(f32(info[0], n, "x"), n, f32(info[1], n, "y"));
  return info.Env().Undefined();
}

// steBackward(x, dy, dx): dx += dy * 1{|x| <= 1} over x's length.
Napi::Value SteBackward(const Napi::CallbackInfo& info) {
  const int64_t n = lengthOf(info[0]);
  steBackward(f32(info[0], n, "x"), f32(info[1], n, "dy"), n, f32(info[2], n, "dx"));
  return info.Env().Undefined();
}

// approxSignBackward(x, dy, dx): dx += dy * (|x| <= 1 ? 2 - 2|x| : 0) over x's length.
Napi::Value ApproxSignBackward(const Napi::CallbackInfo& info) {
  const int64_t n = lengthOf(info[0]);
  approxSignBackward(f32(info[0], n, "x"), f32(info[1], n, "dy"), n, f32(info[2], n, "dx"));
  return info.Env().Undefined();
}

// addArrays(a, b, y): y = a + b over y's length.
Napi::Value AddArrays(const Napi::CallbackInfo& info) {
  const int64_t n = lengthOf(info[2]);
  addArrays(f32(info[0], n, "a"), f32(info[1], n, "b"), n, f32(info[2], n, "y"));
  return info.Env().Undefined();
}

int64_t count(const ChannelLayout& l) { return l.batch * l.channels * l.spatial; }

// Argument i, a Float64Array with one value per channel of l.
double* perChannel(const Napi::CallbackInfo& info, size_t i, const ChannelLayout& l, const char* name) {
  return f64(info[i], l.channels, name);
}

// The arguments (x, dy, layout, ...) the batch-norm backward passes start with.
struct BackwardArgs {
  ChannelLayout l;
  const float* x;
  const float* dy;
};

BackwardArgs backwardArgs(const Napi::CallbackInfo& info) {
  const ChannelLayout l = channelLayout(info[2]);
  return {l, f32(info[0], count(l), "x"), f32(info[1], count(l), "dy")};
}

// Argument i, a Float32Array with one value per channel of l.
const float* channelVector(const Napi::CallbackInfo& info, size_t i, const ChannelLayout& l, const char* name) {
  return f32(info[i], l.channels, name);
}

// Argument i, a gradient of `size` floats, or null when it is empty (not wanted).
float* wanted(const Napi::CallbackInfo& info, size_t i, int64_t size, const char* name) {
  f32(info[i], 0, name);  // the type check
  return lengthOf(info[i]) == 0 ? nullptr : f32(info[i], size, name);
}

// channelSubtract(x, layout, b, y) and channelMultiply(x, layout, a, y)
Napi::Value ChannelPass(const Napi::CallbackInfo& info,
                        void (*kernel)(const float*, const ChannelLayout&, const float*, float*)) {
  const ChannelLayout l = channelLayout(info[1]);
  kernel(f32(info[0], count(l), "x"), l, channelVector(info, 2, l, "vector"), f32(info[3], count(l), "y"));
  return info.Env().Undefined();
}
Napi::Value ChannelSubtract(const Napi::CallbackInfo& info) { return ChannelPass(info, channelSubtract); }
Napi::Value ChannelMultiply(const Napi::CallbackInfo& info) { return ChannelPass(info, channelMultiply); }

// channelSubtractBackward(dy, layout, dx, db)
Napi::Value ChannelSubtractBackward(const Napi::CallbackInfo& info) {
  const ChannelLayout l = channelLayout(info[1]);
  channelSubtractBackward(f32(info[0], count(l), "dy"), l, wanted(info, 2, count(l), "dx"),
                          wanted(info, 3, l.channels, "db"));
  return info.Env().Undefined();
}

// channelMultiplyBackward(x, dy, layout, a, dx, da)
Napi::Value ChannelMultiplyBackward(const Napi::CallbackInfo& info) {
  const BackwardArgs b = backwardArgs(info);
  channelMultiplyBackward(b.x, b.dy, b.l, channelVector(info, 3, b.l, "a"), wanted(info, 4, count(b.l), "dx"),
                          wanted(info, 5, b.l.channels, "da"));
  return info.Env().Undefined();
}

// rpreluForward(x, layout, g, a, z, u, y)
Napi::Value RpreluForward(const Napi::CallbackInfo& info) {
  const ChannelLayout l = channelLayout(info[1]);
  rpreluForward(f32(info[0], count(l), "x"), l, channelVector(info, 2, l, "g"), channelVector(info, 3, l, "a"),
                channelVector(info, 4, l, "z"), f32(info[5], count(l), "u"), f32(info[6], count(l), "y"));
  return info.Env().Undefined();
}

// rpreluBackward(u, dy, layout, a, dx, dg, da, dz)
Napi::Value RpreluBackward(const Napi::CallbackInfo& info) {
  const ChannelLayout l = channelLayout(info[2]);
  rpreluBackward(f32(info[0], count(l), "u"), f32(info[1], count(l), "dy"), l, channelVector(info, 3, l, "a"),
                 wanted(info, 4, count(l), "dx"), wanted(info, 5, l.channels, "dg"), wanted(info, 6, l.channels, "da"),
                 wanted(info, 7, l.channels, "dz"));
  return info.Env().Undefined();
}

// batchNormStatistics(x, layout, mean, variance)
Napi::Value BatchNormStatistics(const Napi::CallbackInfo& info) {
  const ChannelLayout l = channelLayout(info[1]);
  const float* x = f32(info[0], count(l), "x");
  batchNormStatistics(x, l, perChannel(info, 2, l, "mean"), perChannel(info, 3, l, "variance"));
  return info.Env().Undefined();
}

// batchNormApply(x, layout, scale, shift, y)
Napi::Value BatchNormApply(const Napi::CallbackInfo& info) {
  const ChannelLayout l = channelLayout(info[1]);
  const float* x = f32(info[0], count(l), "x");
  batchNormApply(x, l, perChannel(info, 2, l, "scale"), perChannel(info, 3, l, "shift"), f32(info[4], count(l), "y"));
  return info.Env().Undefined();
}

// batchNormGradientSums(x, dy, layout, mean, invStd, sumDy, sumDyXhat)
Napi::Value BatchNormGradientSums(const Napi::CallbackInfo& info) {
  const BackwardArgs a = backwardArgs(info);
  batchNormGradientSums(a.x, a.dy, a.l, perChannel(info, 3, a.l, "mean"), perChannel(info, 4, a.l, "invStd"),
                        perChannel(info, 5, a.l, "sumDy"), perChannel(info, 6, a.l, "sumDyXhat"));
  return info.Env().Undefined();
}

// batchNormInputGradient(x, dy, layout, mean, k, meanDy, xCoef, dx)
Napi::Value BatchNormInputGradient(const Napi::CallbackInfo& info) {
  const BackwardArgs a = backwardArgs(info);
  batchNormInputGradient(a.x, a.dy, a.l, perChannel(info, 3, a.l, "mean"), perChannel(info, 4, a.l, "k"),
                         perChannel(info, 5, a.l, "meanDy"), perChannel(info, 6, a.l, "xCoef"),
                         f32(info[7], count(a.l), "dx"));
  return info.Env().Undefined();
}

uint32_t* u32(const Napi::Value& v, int64_t minLength, const char* name) {
  return typed<uint32_t, napi_uint32_array>(v, minLength, name, "Uint32Array");
}

// Packed per-pixel signs of a convolution's input: [N, H, W, ceil(C/32)] words.
const uint32_t* pixelWords(const Napi::Value& v, const ConvGeometry& g) {
  return u32(v, g.batch * g.inHeight * g.inWidth * ((g.inChannels + 31) / 32), "pixels");
}

uint8_t* flags(const Napi::Value& v, int64_t minLength, const char* name) {
  return typed<uint8_t, napi_uint8_array>(v, minLength, name, "Uint8Array");
}

// binaryConv2dPixels(pixels, w, geometry, y): the input as packed per-pixel channel signs
Napi::Value BinaryConv2dPixels(const Napi::CallbackInfo& info) {
  const ConvGeometry g = convGeometry(info[2]);
  const uint32_t* pixels = pixelWords(info[0], g);
  const float* w = f32(info[1], weightSize(g), "w");
  float* y = f32(info[3], outputSize(g), "y");
  binaryConv2dPixels(pixels, w, g, y);
  return info.Env().Undefined();
}

// The arguments (x, layout, thresholds, flip, ...) the threshold passes start with.
struct ThresholdArgs {
  ChannelLayout l;
  const float* x;
  const float* thresholds;
  const uint8_t* flip;
};

ThresholdArgs thresholdArgs(const Napi::CallbackInfo& info) {
  const ChannelLayout l = channelLayout(info[1]);
  return {l, f32(info[0], count(l), "x"), f32(info[2], l.channels, "thresholds"),
          flags(info[3], l.channels, "flip")};
}

// binaryConv2dThresholdPixels(pixels, w, geometry, thresholds, flip, out)
Napi::Value BinaryConv2dThresholdPixels(const Napi::CallbackInfo& info) {
  const ConvGeometry g = convGeometry(info[2]);
  const int64_t outWords = (g.outChannels + 31) / 32;
  const uint32_t* pixels = pixelWords(info[0], g);
  const float* w = f32(info[1], weightSize(g), "w");
  const float* thresholds = f32(info[3], g.outChannels, "thresholds");
  const uint8_t* flip = flags(info[4], g.outChannels, "flip");
  uint32_t* out = u32(info[5], g.batch * g.outHeight * g.outWidth * outWords, "out");
  binaryConv2dThresholdPixels(pixels, w, g, thresholds, flip, out);
  return info.Env().Undefined();
}

// thresholdPixels(x, layout, thresholds, flip, out)
Napi::Value ThresholdPixels(const Napi::CallbackInfo& info) {
  const ThresholdArgs a = thresholdArgs(info);
  uint32_t* out = u32(info[4], a.l.batch * a.l.spatial * ((a.l.channels + 31) / 32), "out");
  thresholdPixels(a.x, a.l, a.thresholds, a.flip, out);
  return info.Env().Undefined();
}

// thresholdRows(x, layout, thresholds, flip, rowWords, out)
Napi::Value ThresholdRows(const Napi::CallbackInfo& info) {
  const ThresholdArgs a = thresholdArgs(info);
  const int64_t rowWords = integer(info, 4, "rowWords");
  if (32 * rowWords < a.l.channels * a.l.spatial) fail(info.Env(), "rowWords is too small for the rows");
  thresholdRows(a.x, a.l, a.thresholds, a.flip, rowWords, u32(info[5], a.l.batch * rowWords, "out"));
  return info.Env().Undefined();
}

Napi::Value BinaryConv2dForward(const Napi::CallbackInfo& info) {
  return ConvPass(info, binaryConv2dForward, {"x", inputSize}, {"w", weightSize}, {"y", outputSize});
}

// An optimizer step's scalars, from an object {decay, beta1, beta2, stepSize, invBc2, eps}.
AdamScalars adamScalars(const Napi::Value& value) {
  if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "bamsprod native: scalars must be an object");
  Napi::Object o = value.As<Napi::Object>();
  const auto get = [&](const char* key) {
    Napi::Value v = o.Get(key);
    if (!v.IsNumber()) fail(o.Env(), std::string("scalars.") + key + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
  };
  return {get("decay"), get("beta1"), get("beta2"), get("stepSize"), get("invBc2"), get("eps")};
}

// adamUpdate(x, g, m, v, scalars, clip) and amsgradUpdate(x, g, m, v, vmax, scalars, clip)
Napi::Value AdamFamilyUpdate(const Napi::CallbackInfo& info, bool amsgrad) {
  const int64_t n = lengthOf(info[0]);
  const size_t s = amsgrad ? 5 : 4;  // where the scalars are
  float* x = f32(info[0], n, "x");
  const float* g = f32(info[1], n, "grad");
  float* m = f32(info[2], n, "m");
  float* v = f32(info[3], n, "v");
  float* vmax = amsgrad ? f32(info[4], n, "vmax") : nullptr;
  adamUpdate(x, g, m, v, vmax, n, adamScalars(info[s]), number(info, s + 1, "clip"));
  return info.Env().Undefined();
}

Napi::Value AdamUpdate(const Napi::CallbackInfo& info) { return AdamFamilyUpdate(info, false); }
Napi::Value AmsgradUpdate(const Napi::CallbackInfo& info) { return AdamFamilyUpdate(info, true); }

// countBadGradients(g, limit) -> entries that are NaN, infinite or beyond +-limit
Napi::Value CountBadGradients(const Napi::CallbackInfo& info) {
  const int64_t n = lengthOf(info[0]);
  const int64_t bad = countBadGradients(f32(info[0], n, "grad"), n, number(info, 1, "limit"));
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}

// bamsprodInspect(x | null, g, v, vmax, scalars, limit, pivot, out)
// -> bad gradient entries; out (Float64Array, 3) <- [sum of new vmax, sum |x*decay|, deviations]
Napi::Value BamsprodInspect(const Napi::CallbackInfo& info) {
  const int64_t n = lengthOf(info[1]);
  const float* x = info[0].IsNull() ? nullptr : f32(info[0], n, "x");
  const float* g = f32(info[1], n, "grad");
  const float* v = f32(info[2], n, "v");
  const float* vmax = f32(info[3], n, "vmax");
  double* out = f64(info[7], 3, "out");
  const BamsprodSums r =
      bamsprodInspect(x, g, v, vmax, n, adamScalars(info[4]), number(info, 5, "limit"), number(info, 6, "pivot"));
  out[0] = r.vmax;
  out[1] = r.abs;
  out[2] = r.deviation;
  return Napi::Number::New(info.Env(), static_cast<double>(r.bad));
}

// bamsprodDeviation(x, scalars, a) -> sum ||x*decay| - a|
Napi::Value BamsprodDeviation(const Napi::CallbackInfo& info) {
  const int64_t n = lengthOf(info[0]);
  const float* x = f32(info[0], n, "x");
  const double sum = bamsprodDeviation(x, n, adamScalars(info[1]), number(info, 2, "a"));
  return Napi::Number::New(info.Env(), sum);
}

// bamsprodApply(x, g, binary, m, v, vmax, scalars, lower, upper, clip)
// -> sum |new x| for a binary tensor, else 0
Napi::Value BamsprodApply(const Napi::CallbackInfo& info) {
  const int64_t n = lengthOf(info[0]);
  float* x = f32(info[0], n, "x");
  const float* g = f32(info[1], n, "grad");
  const bool binary = info[2].ToBoolean();
  float* m = f32(info[3], n, "m");
  float* v = f32(info[4], n, "v");
  float* vmax = f32(info[5], n, "vmax");
  const double sum = bamsprodApply(x, g, m, v, vmax, n, binary, adamScalars(info[6]), number(info, 7, "lower"),
                                   number(info, 8, "upper"), number(info, 9, "clip"));
  return Napi::Number::New(info.Env(), sum);
}

void applyThreads(int threads) {
  // OpenBLAS stays single-threaded: gemm() splits products over the pool itself, the same way
  // whatever the thread count (gemm.cc says why).
  useSingleThreadedBlas();
  setPoolThreads(std::max(1, threads));
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const int64_t threads = integer(info, 0, "threads");
  if (threads < 1 || threads > 1024) fail(info.Env(), "threads must be between 1 and 1024");
  applyThreads(static_cast<int>(threads));
  return info.Env().Undefined();
}

Napi::Value SetBinaryPath(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), setBinaryPath(info[0].ToString().Utf8Value().c_str()));
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("threads", poolThreads());
  o.Set("blasThreads", openblas_get_num_threads());
  o.Set("blasConfig", std::string(openblas_get_config()));
  o.Set("blasCore", std::string(openblas_get_corename()));
  o.Set("binaryPath", std::string(binaryPath()));
  o.Set("optimPath", std::string(optimPath()));
  o.Set("convPath", std::string(convPath()));
  o.Set("loopPath", std::string(loopPathName()));
  o.Set("hardwareThreads", static_cast<double>(std::thread::hardware_concurrency()));
  return o;
}

// Every exported function with its argument count: the names and counts of
// src/kernels/declaration.ts (plus the control functions), which the loader compares with
// signatures() before using the addon. A call with another argument count throws.
struct Export {
  const char* name;
  Napi::Value (*fn)(const Napi::CallbackInfo&);
  size_t arity;
};

Napi::Value Signatures(const Napi::CallbackInfo& info);

constexpr Export kExports[] = {
    {"gemm", Gemm, 10},
    {"conv2dForward", Conv2dForward, 4},
    {"conv2dBackwardInput", Conv2dBackwardInput, 4},
    {"conv2dBackwardFilter", Conv2dBackwardFilter, 4},
    {"maxPoolForward", MaxPoolForward, 4},
    {"maxPoolBackward", MaxPoolBackward, 3},
    {"avgPoolForward", AvgPoolForward, 3},
    {"avgPoolBackward", AvgPoolBackward, 3},
    {"binaryGemm", BinaryGemm, 6},
    {"binaryConv2dForward", BinaryConv2dForward, 4},
    {"clipInPlace", ClipInPlace, 2},
    {"signForward", SignForward, 2},
    {"steBackward", SteBackward, 3},
    {"approxSignBackward", ApproxSignBackward, 3},
    {"addArrays", AddArrays, 3},
    {"batchNormStatistics", BatchNormStatistics, 4},
    {"batchNormApply", BatchNormApply, 5},
    {"batchNormGradientSums", BatchNormGradientSums, 7},
    {"batchNormInputGradient", BatchNormInputGradient, 8},
    {"channelSubtract", ChannelSubtract, 4},
    {"channelSubtractBackward", ChannelSubtractBackward, 4},
    {"channelMultiply", ChannelMultiply, 4},
    {"channelMultiplyBackward", ChannelMultiplyBackward, 6},
    {"rpreluForward", RpreluForward, 7},
    {"rpreluBackward", RpreluBackward, 8},
    {"adamUpdate", AdamUpdate, 6},
    {"amsgradUpdate", AmsgradUpdate, 7},
    {"bamsprodInspect", BamsprodInspect, 8},
    {"bamsprodDeviation", BamsprodDeviation, 3},
    {"bamsprodApply", BamsprodApply, 10},
    {"countBadGradients", CountBadGradients, 2},
    {"packSigns", PackSigns, 4},
    {"binaryGemmPacked", BinaryGemmPacked, 6},
    {"binaryConv2dPixels", BinaryConv2dPixels, 4},
    {"binaryConv2dThresholdPixels", BinaryConv2dThresholdPixels, 6},
    {"thresholdRows", ThresholdRows, 6},
    {"thresholdPixels", ThresholdPixels, 5},
    {"setThreads", SetThreads, 1},
    {"setBinaryPath", SetBinaryPath, 1},
    {"info", Info, 0},
    {"signatures", Signatures, 0},
};

Napi::Value Signatures(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  for (const Export& e : kExports) o.Set(e.name, static_cast<double>(e.arity));
  return o;
}

// Calls kExports[index] after checking the argument count.
Napi::Value Dispatch(const Napi::CallbackInfo& info) {
  const Export& e = kExports[reinterpret_cast<uintptr_t>(info.Data())];
  if (info.Length() != e.arity)
    throw Napi::TypeError::New(info.Env(), std::string("bamsprod native: ") + e.name + " takes " +
                                               std::to_string(e.arity) + " arguments, got " +
                                               std::to_string(info.Length()));
  return e.fn(info);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (uintptr_t i = 0; i < sizeof(kExports) / sizeof(kExports[0]); i++)
    exports.Set(kExports[i].name, Napi::Function::New(env, Dispatch, kExports[i].name, reinterpret_cast<void*>(i)));
  return exports;
}

}  // namespace
}  // namespace bamsprod

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return bamsprod::Init(env, exports); }

NODE_API_MODULE(bamsprod_native, InitModule)
