#pragma once
// The thin SIMD mapping layer (in the manner of ggml's simd-mappings.h and Highway):
// Vec<T> is one hardware register of T for the architecture this file is compiled for,
// chosen at compile time:
//
//   AVX-512F        (__AVX512F__)             Vec<float>: 16 lanes, Vec<double>: 8 lanes
//   AVX2 + FMA      (__AVX2__ && __FMA__)     8 / 4 lanes
//   NEON (aarch64)  (__ARM_NEON)              4 / 2 lanes
//   scalar          (else, or ATTN_FORCE_SCALAR)  1 / 1 lane
//
// Vec1<T> is the one-lane version, always present: kernels run their tail (the last
// n % lanes elements) through the same templated body with Vec1, so there is one code path.
//
// Every Vec type has the same static interface, which is all the kernels may use:
//   lanes, load/store (unaligned), load_partial/store_partial (the first n lanes),
//   broadcast, zero, add/sub/mul/div (and + - * /),
//   fma(a, b, c) = a*b + c, max/min, reduce_sum, reduce_max, abs, select_lt,
//   gather/gather_partial(p, stride) (lane i <- p[i * stride], for transposed panels),
// and for float only round (to nearest even) and ldexp (for the polynomial exp).
// Porting to a new target means writing one more pair of specialisations here.
//
// max(a, b) is "a > b ? a : b" on every target, so a NaN in b propagates (x86's rule;
// NEON propagates NaN from either side). relu(x) is written max(0, x) for that reason.
#include <cmath>
#include <cstdint>

#if defined(ATTN_FORCE_SCALAR)
#define ATTN_SIMD_SCALAR 1
#elif defined(__AVX512F__)
#define ATTN_SIMD_AVX512 1
#elif defined(__AVX2__) && defined(__FMA__)
#define ATTN_SIMD_AVX2 1
#elif defined(__ARM_NEON) && defined(__aarch64__)
#define ATTN_SIMD_NEON 1
#include <arm_neon.h>
#else
#define ATTN_SIMD_SCALAR 1
#endif

#if defined(ATTN_SIMD_AVX512) || defined(ATTN_SIMD_AVX2)
// GCC 12 warns wrongly about an uninitialised pass-through register inside its AVX-512 and
// gather intrinsics (GCC bug 105593, fixed in 12.3); silence it for the header alone.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif
#endif

namespace attn::simd {

// Name of the instruction set the kernels were compiled for.
constexpr const char* isa_name() {
#if defined(ATTN_SIMD_AVX512)
  return "avx512";
#elif defined(ATTN_SIMD_AVX2)
  return "avx2";
#elif defined(ATTN_SIMD_NEON)
  return "neon";
#else
  return "scalar";
#endif
}

// ---------------------------------------------------------------------------
// One lane: plain C++. Shared by Vec1<T> (the tails) and by the scalar build's Vec<T>,
// through CRTP so that every function returns the caller's own type.
template <typename T, typename Self>
struct ScalarLane {
  using scalar = T;
  static constexpr int lanes = 1;
  T v;

  static Self make(T x) {
    Self r;
    r.v = x;
    return r;
  }
  static Self load(const T* p) { return make(*p); }
  static void store(T* p, Self a) { *p = a.v; }
  static Self broadcast(T x) { return make(x); }
  static Self zero() { return make(T(0)); }
  static Self add(Self a, Self b) { return make(a.v + b.v); }
  static Self sub(Self a, Self b) { return make(a.v - b.v); }
  static Self mul(Self a, Self b) { return make(a.v * b.v); }
  static Self div(Self a, Self b) { return make(a.v / b.v); }
  // std::fma rounds once, like the hardware instruction, so tails match the main loop.
  static Self fma(Self a, Self b, Self c) { return make(std::fma(a.v, b.v, c.v)); }
  static Self max(Self a, Self b) { return make(a.v > b.v ? a.v : b.v); }
  static Self min(Self a, Self b) { return make(a.v < b.v ? a.v : b.v); }
  static T reduce_sum(Self a) { return a.v; }
  static T reduce_max(Self a) { return a.v; }
  static Self abs(Self a) { return make(std::fabs(a.v)); }
  // Lane-wise a < b ? x : y.
  static Self select_lt(Self a, Self b, Self x, Self y) { return make(a.v < b.v ? x.v : y.v); }
  static Self round(Self a) { return make(std::nearbyint(a.v)); }
  // The first n lanes (0 <= n <= lanes) from / to memory; load_partial zeroes the rest.
  static Self load_partial(const T* p, int n) { return make(n > 0 ? *p : T(0)); }
  static void store_partial(T* p, Self a, int n) {
    if (n > 0) *p = a.v;
  }
  // Lane i <- p[i * stride] (one lane here: just p[0]); gather_partial fills the first n
  // lanes so and zeroes the rest, reading nothing past them.
  static Self gather(const T* p, int32_t /*stride*/) { return make(*p); }
  static Self gather_partial(const T* p, int32_t /*stride*/, int n) {
    return make(n > 0 ? *p : T(0));
  }
  // a * 2^n, n integer-valued; a NaN n gives NaN (casting NaN to int would be undefined).
  static Self ldexp(Self a, Self n) {
    return make(std::isnan(n.v) ? n.v : std::ldexp(a.v, static_cast<int>(n.v)));
  }
};

template <typename T>
struct Vec1 : ScalarLane<T, Vec1<T>> {};

template <typename T>
struct Vec;

#if defined(ATTN_SIMD_SCALAR)

template <>
struct Vec<float> : ScalarLane<float, Vec<float>> {};
template <>
struct Vec<double> : ScalarLane<double, Vec<double>> {};

#elif defined(ATTN_SIMD_AVX512)

template <>
struct Vec<float> {
  using scalar = float;
  static constexpr int lanes = 16;
  __m512 v;

  static Vec load(const float* p) { return {_mm512_loadu_ps(p)}; }
  static void store(float* p, Vec a) { _mm512_storeu_ps(p, a.v); }
  static Vec load_partial(const float* p, int n) {
    return {_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p)};
  }
  static void store_partial(float* p, Vec a, int n) {
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), a.v);
  }
  static Vec gather(const float* p, int32_t stride) {
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    return {_mm512_i32gather_ps(_mm512_mullo_epi32(iota, _mm512_set1_epi32(stride)), p, 4)};
  }
  static Vec gather_partial(const float* p, int32_t stride, int n) {
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    return {_mm512_mask_i32gather_ps(_mm512_setzero_ps(), static_cast<__mmask16>((1u << n) - 1),
                                     _mm512_mullo_epi32(iota, _mm512_set1_epi32(stride)), p, 4)};
  }
  static Vec broadcast(float x) { return {_mm512_set1_ps(x)}; }
  static Vec zero() { return {_mm512_setzero_ps()}; }
  static Vec add(Vec a, Vec b) { return {_mm512_add_ps(a.v, b.v)}; }
  static Vec sub(Vec a, Vec b) { return {_mm512_sub_ps(a.v, b.v)}; }
  static Vec mul(Vec a, Vec b) { return {_mm512_mul_ps(a.v, b.v)}; }
  static Vec div(Vec a, Vec b) { return {_mm512_div_ps(a.v, b.v)}; }
  static Vec fma(Vec a, Vec b, Vec c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
  static Vec max(Vec a, Vec b) { return {_mm512_max_ps(a.v, b.v)}; }
  static Vec min(Vec a, Vec b) { return {_mm512_min_ps(a.v, b.v)}; }
  static float reduce_sum(Vec a) { return _mm512_reduce_add_ps(a.v); }
  static float reduce_max(Vec a) { return _mm512_reduce_max_ps(a.v); }
  static Vec abs(Vec a) { return {_mm512_abs_ps(a.v)}; }
  static Vec select_lt(Vec a, Vec b, Vec x, Vec y) {
    return {_mm512_mask_blend_ps(_mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ), y.v, x.v)};
  }
  static Vec round(Vec a) {
    return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
  }
  // scalef computes a * 2^floor(n) with IEEE overflow to inf and gradual underflow.
  static Vec ldexp(Vec a, Vec n) { return {_mm512_scalef_ps(a.v, n.v)}; }
};

template <>
struct Vec<double> {
  using scalar = double;
  static constexpr int lanes = 8;
  __m512d v;

  static Vec load(const double* p) { return {_mm512_loadu_pd(p)}; }
  static void store(double* p, Vec a) { _mm512_storeu_pd(p, a.v); }
  static Vec load_partial(const double* p, int n) {
    return {_mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << n) - 1), p)};
  }
  static void store_partial(double* p, Vec a, int n) {
    _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << n) - 1), a.v);
  }
  static Vec gather(const double* p, int32_t stride) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return {_mm512_i32gather_pd(_mm256_mullo_epi32(iota, _mm256_set1_epi32(stride)), p, 8)};
  }
  static Vec gather_partial(const double* p, int32_t stride, int n) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return {_mm512_mask_i32gather_pd(_mm512_setzero_pd(), static_cast<__mmask8>((1u << n) - 1),
                                     _mm256_mullo_epi32(iota, _mm256_set1_epi32(stride)), p, 8)};
  }
  static Vec broadcast(double x) { return {_mm512_set1_pd(x)}; }
  static Vec zero() { return {_mm512_setzero_pd()}; }
  static Vec add(Vec a, Vec b) { return {_mm512_add_pd(a.v, b.v)}; }
  static Vec sub(Vec a, Vec b) { return {_mm512_sub_pd(a.v, b.v)}; }
  static Vec mul(Vec a, Vec b) { return {_mm512_mul_pd(a.v, b.v)}; }
  static Vec div(Vec a, Vec b) { return {_mm512_div_pd(a.v, b.v)}; }
  static Vec fma(Vec a, Vec b, Vec c) { return {_mm512_fmadd_pd(a.v, b.v, c.v)}; }
  static Vec max(Vec a, Vec b) { return {_mm512_max_pd(a.v, b.v)}; }
  static Vec min(Vec a, Vec b) { return {_mm512_min_pd(a.v, b.v)}; }
  static double reduce_sum(Vec a) { return _mm512_reduce_add_pd(a.v); }
  static double reduce_max(Vec a) { return _mm512_reduce_max_pd(a.v); }
  static Vec abs(Vec a) { return {_mm512_abs_pd(a.v)}; }
  static Vec select_lt(Vec a, Vec b, Vec x, Vec y) {
    return {_mm512_mask_blend_pd(_mm512_cmp_pd_mask(a.v, b.v, _CMP_LT_OQ), y.v, x.v)};
  }
};

#elif defined(ATTN_SIMD_AVX2)

template <>
struct Vec<float> {
  using scalar = float;
  static constexpr int lanes = 8;
  __m256 v;

  static Vec load(const float* p) { return {_mm256_loadu_ps(p)}; }
  static void store(float* p, Vec a) { _mm256_storeu_ps(p, a.v); }
  // Lanes below n have their sign bit set in the mask, the rule of maskload/maskstore.
  static __m256i mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static Vec load_partial(const float* p, int n) { return {_mm256_maskload_ps(p, mask(n))}; }
  static void store_partial(float* p, Vec a, int n) { _mm256_maskstore_ps(p, mask(n), a.v); }
  static Vec gather(const float* p, int32_t stride) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return {_mm256_i32gather_ps(p, _mm256_mullo_epi32(iota, _mm256_set1_epi32(stride)), 4)};
  }
  static Vec gather_partial(const float* p, int32_t stride, int n) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return {_mm256_mask_i32gather_ps(_mm256_setzero_ps(), p,
                                     _mm256_mullo_epi32(iota, _mm256_set1_epi32(stride)),
                                     _mm256_castsi256_ps(mask(n)), 4)};
  }
  static Vec broadcast(float x) { return {_mm256_set1_ps(x)}; }
  static Vec zero() { return {_mm256_setzero_ps()}; }
  static Vec add(Vec a, Vec b) { return {_mm256_add_ps(a.v, b.v)}; }
  static Vec sub(Vec a, Vec b) { return {_mm256_sub_ps(a.v, b.v)}; }
  static Vec mul(Vec a, Vec b) { return {_mm256_mul_ps(a.v, b.v)}; }
  static Vec div(Vec a, Vec b) { return {_mm256_div_ps(a.v, b.v)}; }
  static Vec fma(Vec a, Vec b, Vec c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
  static Vec max(Vec a, Vec b) { return {_mm256_max_ps(a.v, b.v)}; }
  static Vec min(Vec a, Vec b) { return {_mm256_min_ps(a.v, b.v)}; }
  static float reduce_sum(Vec a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float reduce_max(Vec a) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static Vec abs(Vec a) { return {_mm256_andnot_ps(_mm256_set1_ps(-0.0f), a.v)}; }
  static Vec select_lt(Vec a, Vec b, Vec x, Vec y) {
    return {_mm256_blendv_ps(y.v, x.v, _mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ))};
  }
  static Vec round(Vec a) {
    return {_mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
  }
  // a * 2^n for integer-valued n in [-252, 254]: two factors 2^(n/2) built in the exponent
  // bits, so that results near the overflow/underflow edges stay right.
  static Vec ldexp(Vec a, Vec n) {
    __m256i ni = _mm256_cvtps_epi32(n.v);
    __m256i n1 = _mm256_srai_epi32(ni, 1);
    __m256i n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return {_mm256_mul_ps(_mm256_mul_ps(a.v, p1), p2)};
  }
};

template <>
struct Vec<double> {
  using scalar = double;
  static constexpr int lanes = 4;
  __m256d v;

  static Vec load(const double* p) { return {_mm256_loadu_pd(p)}; }
  static void store(double* p, Vec a) { _mm256_storeu_pd(p, a.v); }
  static __m256i mask(int n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static Vec load_partial(const double* p, int n) { return {_mm256_maskload_pd(p, mask(n))}; }
  static void store_partial(double* p, Vec a, int n) { _mm256_maskstore_pd(p, mask(n), a.v); }
  static Vec gather(const double* p, int32_t stride) {
    const __m128i iota = _mm_setr_epi32(0, 1, 2, 3);
    return {_mm256_i32gather_pd(p, _mm_mullo_epi32(iota, _mm_set1_epi32(stride)), 8)};
  }
  static Vec gather_partial(const double* p, int32_t stride, int n) {
    const __m128i iota = _mm_setr_epi32(0, 1, 2, 3);
    return {_mm256_mask_i32gather_pd(_mm256_setzero_pd(), p,
                                     _mm_mullo_epi32(iota, _mm_set1_epi32(stride)),
                                     _mm256_castsi256_pd(mask(n)), 8)};
  }
  static Vec broadcast(double x) { return {_mm256_set1_pd(x)}; }
  static Vec zero() { return {_mm256_setzero_pd()}; }
  static Vec add(Vec a, Vec b) { return {_mm256_add_pd(a.v, b.v)}; }
  static Vec sub(Vec a, Vec b) { return {_mm256_sub_pd(a.v, b.v)}; }
  static Vec mul(Vec a, Vec b) { return {_mm256_mul_pd(a.v, b.v)}; }
  static Vec div(Vec a, Vec b) { return {_mm256_div_pd(a.v, b.v)}; }
  static Vec fma(Vec a, Vec b, Vec c) { return {_mm256_fmadd_pd(a.v, b.v, c.v)}; }
  static Vec max(Vec a, Vec b) { return {_mm256_max_pd(a.v, b.v)}; }
  static Vec min(Vec a, Vec b) { return {_mm256_min_pd(a.v, b.v)}; }
  static double reduce_sum(Vec a) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(a.v), _mm256_extractf128_pd(a.v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
  }
  static double reduce_max(Vec a) {
    __m128d s = _mm_max_pd(_mm256_castpd256_pd128(a.v), _mm256_extractf128_pd(a.v, 1));
    s = _mm_max_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
  }
  static Vec abs(Vec a) { return {_mm256_andnot_pd(_mm256_set1_pd(-0.0), a.v)}; }
  static Vec select_lt(Vec a, Vec b, Vec x, Vec y) {
    return {_mm256_blendv_pd(y.v, x.v, _mm256_cmp_pd(a.v, b.v, _CMP_LT_OQ))};
  }
};

#elif defined(ATTN_SIMD_NEON)

template <>
struct Vec<float> {
  using scalar = float;
  static constexpr int lanes = 4;
  float32x4_t v;

  static Vec load(const float* p) { return {vld1q_f32(p)}; }
  static void store(float* p, Vec a) { vst1q_f32(p, a.v); }
  static Vec load_partial(const float* p, int n) {
    float t[4] = {0, 0, 0, 0};
    for (int i = 0; i < n; ++i) t[i] = p[i];
    return {vld1q_f32(t)};
  }
  static void store_partial(float* p, Vec a, int n) {
    float t[4];
    vst1q_f32(t, a.v);
    for (int i = 0; i < n; ++i) p[i] = t[i];
  }
  static Vec gather(const float* p, int32_t stride) {  // NEON has no gather instruction
    const float t[4] = {p[0], p[stride], p[2 * stride], p[3 * stride]};
    return {vld1q_f32(t)};
  }
  static Vec gather_partial(const float* p, int32_t stride, int n) {
    float t[4] = {0, 0, 0, 0};
    for (int i = 0; i < n; ++i) t[i] = p[i * stride];
    return {vld1q_f32(t)};
  }
  static Vec broadcast(float x) { return {vdupq_n_f32(x)}; }
  static Vec zero() { return {vdupq_n_f32(0.0f)}; }
  static Vec add(Vec a, Vec b) { return {vaddq_f32(a.v, b.v)}; }
  static Vec sub(Vec a, Vec b) { return {vsubq_f32(a.v, b.v)}; }
  static Vec mul(Vec a, Vec b) { return {vmulq_f32(a.v, b.v)}; }
  static Vec div(Vec a, Vec b) { return {vdivq_f32(a.v, b.v)}; }
  static Vec fma(Vec a, Vec b, Vec c) { return {vfmaq_f32(c.v, a.v, b.v)}; }
  static Vec max(Vec a, Vec b) { return {vmaxq_f32(a.v, b.v)}; }
  static Vec min(Vec a, Vec b) { return {vminq_f32(a.v, b.v)}; }
  static float reduce_sum(Vec a) { return vaddvq_f32(a.v); }
  static float reduce_max(Vec a) { return vmaxvq_f32(a.v); }
  static Vec abs(Vec a) { return {vabsq_f32(a.v)}; }
  static Vec select_lt(Vec a, Vec b, Vec x, Vec y) {
    return {vbslq_f32(vcltq_f32(a.v, b.v), x.v, y.v)};
  }
  static Vec round(Vec a) { return {vrndnq_f32(a.v)}; }
  // a * 2^n for integer-valued n in [-252, 254], as two exponent-bit factors (see AVX2).
  static Vec ldexp(Vec a, Vec n) {
    int32x4_t ni = vcvtnq_s32_f32(n.v);
    int32x4_t n1 = vshrq_n_s32(ni, 1);
    int32x4_t n2 = vsubq_s32(ni, n1);
    const int32x4_t bias = vdupq_n_s32(127);
    float32x4_t p1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23));
    float32x4_t p2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23));
    return {vmulq_f32(vmulq_f32(a.v, p1), p2)};
  }
};

template <>
struct Vec<double> {
  using scalar = double;
  static constexpr int lanes = 2;
  float64x2_t v;

  static Vec load(const double* p) { return {vld1q_f64(p)}; }
  static void store(double* p, Vec a) { vst1q_f64(p, a.v); }
  static Vec load_partial(const double* p, int n) {
    double t[2] = {0, 0};
    for (int i = 0; i < n; ++i) t[i] = p[i];
    return {vld1q_f64(t)};
  }
  static void store_partial(double* p, Vec a, int n) {
    double t[2];
    vst1q_f64(t, a.v);
    for (int i = 0; i < n; ++i) p[i] = t[i];
  }
  static Vec gather(const double* p, int32_t stride) {
    const double t[2] = {p[0], p[stride]};
    return {vld1q_f64(t)};
  }
  static Vec gather_partial(const double* p, int32_t stride, int n) {
    double t[2] = {0, 0};
    for (int i = 0; i < n; ++i) t[i] = p[i * stride];
    return {vld1q_f64(t)};
  }
  static Vec broadcast(double x) { return {vdupq_n_f64(x)}; }
  static Vec zero() { return {vdupq_n_f64(0.0)}; }
  static Vec add(Vec a, Vec b) { return {vaddq_f64(a.v, b.v)}; }
  static Vec sub(Vec a, Vec b) { return {vsubq_f64(a.v, b.v)}; }
  static Vec mul(Vec a, Vec b) { return {vmulq_f64(a.v, b.v)}; }
  static Vec div(Vec a, Vec b) { return {vdivq_f64(a.v, b.v)}; }
  static Vec fma(Vec a, Vec b, Vec c) { return {vfmaq_f64(c.v, a.v, b.v)}; }
  static Vec max(Vec a, Vec b) { return {vmaxq_f64(a.v, b.v)}; }
  static Vec min(Vec a, Vec b) { return {vminq_f64(a.v, b.v)}; }
  static double reduce_sum(Vec a) { return vaddvq_f64(a.v); }
  static double reduce_max(Vec a) { return vmaxvq_f64(a.v); }
  static Vec abs(Vec a) { return {vabsq_f64(a.v)}; }
  static Vec select_lt(Vec a, Vec b, Vec x, Vec y) {
    return {vbslq_f64(vcltq_f64(a.v, b.v), x.v, y.v)};
  }
};

#endif

// Operators for every Vec type, so kernels read like the math: a * b + c.
template <typename V>
concept SimdVec = requires {
  V::lanes;
  typename V::scalar;
};

template <SimdVec V>
inline V operator+(V a, V b) {
  return V::add(a, b);
}
template <SimdVec V>
inline V operator-(V a, V b) {
  return V::sub(a, b);
}
template <SimdVec V>
inline V operator*(V a, V b) {
  return V::mul(a, b);
}
template <SimdVec V>
inline V operator/(V a, V b) {
  return V::div(a, b);
}

}  // namespace attn::simd
