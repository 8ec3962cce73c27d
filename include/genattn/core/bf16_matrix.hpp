// genattn/core/bf16_matrix.hpp: a weight matrix rounded to bfloat16, packed
// once for many products with a few columns.
//
//   y = A x   or   y += A x          A: M x K (bf16, packed), x: K x N (float)
//
// bf16 keeps float's 8-bit exponent and 8 of its 24 significand bits: A and x
// are each rounded to the nearest bf16 (ties to even), their products are
// exact in float, and the sums are float:
//   y_ij = sum over pairs k = 2m, 2m+1, in order, of
//          acc <- acc + a_i,2m+1 x_2m+1,j;  acc <- acc + a_i,2m x_2m,j
// (the order vdpbf16ps adds a pair in). NaN and Inf in x propagate as in the
// float product (NaN times any weight is NaN; Inf times 0 is NaN). Weights
// that are, or round to, NaN or Inf are refused when packed.
//
// Layout: rows in panels of MR = 64, K in pairs (zero-padded). Pair m of
// panel p is 256 bytes, row r's two values at r*4: one 64-byte vector holds
// 16 rows x 2 k, the shape vdpbf16ps reads. Kernels (chosen at run time,
// core/cpu_features.hpp):
//   avx512_bf16: vdpbf16ps;
//   avx2:        each bf16 pair widened to two floats by shifts (a bf16 is the
//                top half of a float), then two FMAs in vdpbf16ps's order;
//   portable:    the same in scalar fmaf.
// They agree to float rounding (vdpbf16ps also flushes subnormals to zero);
// tests/core/bf16_matrix_test.cpp bounds each against the float product.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "genattn/core/aligned_bytes.hpp"
#include "genattn/core/check.hpp"
#include "genattn/core/cpu_features.hpp"
#include "genattn/core/parallel.hpp"

#if GENATTN_X86_KERNELS
#include <immintrin.h>
#endif

GENATTN_NAMESPACE_BEGIN

namespace bf16 {

/// The nearest bf16 to f (ties to even); NaN stays a quiet NaN.
inline std::uint16_t from_float(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if (std::isnan(f)) return static_cast<std::uint16_t>((u >> 16) | 0x0040u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}

/// The float a bf16 stands for (exact).
inline float to_float(std::uint16_t b) {
  const std::uint32_t u = std::uint32_t{b} << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace bf16

namespace bf16_kernels {

/// Rows per panel, k per pair, bytes per pair of a panel.
inline constexpr Index MR = 64;
inline constexpr Index KP = 2;
inline constexpr Index pair_bytes = MR * KP * 2;
/// Columns per kernel call.
inline constexpr int NC = 4;

/// out[j * MR + r] = sum_k a[r][k] x[k][j] for the panel's MR rows and nc
/// (1..NC) columns. `panel`: pairs x 256 bytes; `x`: per column `pairs`
/// dwords of two bf16 (k = 2m in the low half), columns ldx dwords apart.
using Kernel = void (*)(const std::uint16_t* panel, Index pairs, const std::uint32_t* x, Index ldx, int nc,
                        float* out);

inline void portable(const std::uint16_t* panel, Index pairs, const std::uint32_t* x, Index ldx, int nc,
                     float* out) {
  for (int j = 0; j < nc; ++j) {
    float acc[MR] = {};
    for (Index m = 0; m < pairs; ++m) {
      const std::uint32_t d = x[j * ldx + m];
      const float x0 = bf16::to_float(static_cast<std::uint16_t>(d & 0xffffu));
      const float x1 = bf16::to_float(static_cast<std::uint16_t>(d >> 16));
      const std::uint16_t* w = panel + m * MR * KP;
      for (Index r = 0; r < MR; ++r) {
        acc[r] = std::fma(bf16::to_float(w[2 * r + 1]), x1, acc[r]);
        acc[r] = std::fma(bf16::to_float(w[2 * r]), x0, acc[r]);
      }
    }
    std::memcpy(out + j * MR, acc, sizeof acc);
  }
}

#if GENATTN_X86_KERNELS

template <int C>
__attribute__((target("avx2,fma"))) void avx2_columns(const std::uint16_t* panel, Index pairs,
                                                      const std::uint32_t* x, Index ldx, float* out) {
  const __m256i high = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
  if constexpr (C == 1) {
    // one column: all 64 rows at once, eight chains of FMAs (two 16-row
    // halves at a time would leave the FMAs waiting on each other's latency)
    __m256 acc[MR / 8];
    for (auto& a : acc) a = _mm256_setzero_ps();
    const auto* w = reinterpret_cast<const std::byte*>(panel);
    for (Index m = 0; m < pairs; ++m, w += pair_bytes) {
      const std::uint32_t d = x[m];
      const __m256 x0 = _mm256_set1_ps(bf16::to_float(static_cast<std::uint16_t>(d & 0xffffu)));
      const __m256 x1 = _mm256_set1_ps(bf16::to_float(static_cast<std::uint16_t>(d >> 16)));
      for (Index v = 0; v < MR / 8; ++v) {  // rows 8v .. 8v + 7
        const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32 * v));
        const __m256 e = _mm256_castsi256_ps(_mm256_slli_epi32(wv, 16)), o = _mm256_castsi256_ps(_mm256_and_si256(wv, high));
        acc[v] = _mm256_fmadd_ps(e, x0, _mm256_fmadd_ps(o, x1, acc[v]));
      }
    }
    for (Index v = 0; v < MR / 8; ++v) _mm256_storeu_ps(out + v * 8, acc[v]);
    (void)ldx;
    return;
  }
  for (Index v = 0; v < MR / 16; ++v) {  // 16 rows: two ymm of 8 rows x 2 k
    __m256 acc[2][static_cast<std::size_t>(C)];
    for (int j = 0; j < C; ++j) acc[0][j] = acc[1][j] = _mm256_setzero_ps();
    const auto* w = reinterpret_cast<const std::byte*>(panel) + v * 64;
    for (Index m = 0; m < pairs; ++m, w += pair_bytes) {
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32));
      const __m256 e0 = _mm256_castsi256_ps(_mm256_slli_epi32(w0, 16)), o0 = _mm256_castsi256_ps(_mm256_and_si256(w0, high));
      const __m256 e1 = _mm256_castsi256_ps(_mm256_slli_epi32(w1, 16)), o1 = _mm256_castsi256_ps(_mm256_and_si256(w1, high));
      for (int j = 0; j < C; ++j) {
        const std::uint32_t d = x[j * ldx + m];
        const __m256 x0 = _mm256_set1_ps(bf16::to_float(static_cast<std::uint16_t>(d & 0xffffu)));
        const __m256 x1 = _mm256_set1_ps(bf16::to_float(static_cast<std::uint16_t>(d >> 16)));
        acc[0][j] = _mm256_fmadd_ps(e0, x0, _mm256_fmadd_ps(o0, x1, acc[0][j]));
        acc[1][j] = _mm256_fmadd_ps(e1, x0, _mm256_fmadd_ps(o1, x1, acc[1][j]));
      }
    }
    for (int j = 0; j < C; ++j) {
      _mm256_storeu_ps(out + j * MR + v * 16, acc[0][j]);
      _mm256_storeu_ps(out + j * MR + v * 16 + 8, acc[1][j]);
    }
  }
}

inline void avx2(const std::uint16_t* panel, Index pairs, const std::uint32_t* x, Index ldx, int nc, float* out) {
  switch (nc) {
    case 1: avx2_columns<1>(panel, pairs, x, ldx, out); break;
    case 2: avx2_columns<2>(panel, pairs, x, ldx, out); break;
    case 3: avx2_columns<3>(panel, pairs, x, ldx, out); break;
    default: avx2_columns<4>(panel, pairs, x, ldx, out); break;
  }
}

template <int C>
__attribute__((target("avx512f,avx512bw,avx512bf16"))) void avx512_columns(const std::uint16_t* panel, Index pairs,
                                                                           const std::uint32_t* x, Index ldx,
                                                                           float* out) {
  __m512 acc[4][static_cast<std::size_t>(C)];
  for (int j = 0; j < C; ++j)
    for (int v = 0; v < 4; ++v) acc[v][j] = _mm512_setzero_ps();
  const auto* w = reinterpret_cast<const std::byte*>(panel);
  for (Index m = 0; m < pairs; ++m, w += pair_bytes) {
    const __m512i w0 = _mm512_loadu_si512(w), w1 = _mm512_loadu_si512(w + 64);
    const __m512i w2 = _mm512_loadu_si512(w + 128), w3 = _mm512_loadu_si512(w + 192);
    for (int j = 0; j < C; ++j) {
      const __m512i d = _mm512_set1_epi32(static_cast<int>(x[j * ldx + m]));
      acc[0][j] = _mm512_dpbf16_ps(acc[0][j], (__m512bh)w0, (__m512bh)d);
      acc[1][j] = _mm512_dpbf16_ps(acc[1][j], (__m512bh)w1, (__m512bh)d);
      acc[2][j] = _mm512_dpbf16_ps(acc[2][j], (__m512bh)w2, (__m512bh)d);
      acc[3][j] = _mm512_dpbf16_ps(acc[3][j], (__m512bh)w3, (__m512bh)d);
    }
  }
  for (int j = 0; j < C; ++j)
    for (int v = 0; v < 4; ++v) _mm512_storeu_ps(out + j * MR + v * 16, acc[v][j]);
}

inline void avx512_bf16(const std::uint16_t* panel, Index pairs, const std::uint32_t* x, Index ldx, int nc,
                        float* out) {
  switch (nc) {
    case 1: avx512_columns<1>(panel, pairs, x, ldx, out); break;
    case 2: avx512_columns<2>(panel, pairs, x, ldx, out); break;
    case 3: avx512_columns<3>(panel, pairs, x, ldx, out); break;
    default: avx512_columns<4>(panel, pairs, x, ldx, out); break;
  }
}
#endif

inline Kernel select(Bf16Kernel k) {
#if GENATTN_X86_KERNELS
  if (k == Bf16Kernel::avx512_bf16) return avx512_bf16;
  if (k == Bf16Kernel::avx2) return avx2;
#else
  (void)k;
#endif
  return portable;
}

}  // namespace bf16_kernels

template <class T>
class Bf16Matrix {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  static constexpr Index MR = bf16_kernels::MR;

  /// A rounded to bf16, row-major is not assumed: M x K bit patterns.
  using Rounded = Eigen::Matrix<std::uint16_t, Eigen::Dynamic, Eigen::Dynamic>;

  Bf16Matrix() = default;
  explicit Bf16Matrix(const ConstMatRef<T>& A) { pack(A); }

  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  bool empty() const { return rows_ == 0; }
  std::size_t bytes() const { return data_.size(); }

  /// A rounded to bf16. Throws when A holds, or rounds to, NaN or Inf.
  static Rounded round(const ConstMatRef<T>& A) {
    Rounded out(A.rows(), A.cols());
    for (Index k = 0; k < A.cols(); ++k)
      for (Index i = 0; i < A.rows(); ++i) {
        const std::uint16_t b = bf16::from_float(static_cast<float>(A(i, k)));
        check_arg_lazily(std::isfinite(bf16::to_float(b)), "Bf16Matrix::round", [&] {
          return "the weight at (" + std::to_string(i) + ", " + std::to_string(k) + ") is " +
                 std::to_string(A(i, k)) + ", which bf16 cannot hold";
        });
        out(i, k) = b;
      }
    return out;
  }

  /// The float matrix the bf16 values stand for.
  static Mat<T> widen(const Rounded& w) {
    Mat<T> out(w.rows(), w.cols());
    for (Index k = 0; k < w.cols(); ++k)
      for (Index i = 0; i < w.rows(); ++i) out(i, k) = static_cast<T>(bf16::to_float(w(i, k)));
    return out;
  }

  /// Rounds and packs A (M x K).
  void pack(const ConstMatRef<T>& A) { pack(round(A)); }

  /// Packs weights rounded already (round(), or read from a checkpoint).
  void pack(const Rounded& w) {
    for (Index k = 0; k < w.cols(); ++k)
      for (Index i = 0; i < w.rows(); ++i)
        check_arg_lazily(std::isfinite(bf16::to_float(w(i, k))), "Bf16Matrix::pack", [&] {
          return "the weight at (" + std::to_string(i) + ", " + std::to_string(k) + ") is NaN or Inf";
        });
    rows_ = w.rows();
    cols_ = w.cols();
    const Index P = panels(), Q = pairs();
    data_.assign_zero(static_cast<std::size_t>(P * Q * bf16_kernels::pair_bytes));
    auto* v = reinterpret_cast<std::uint16_t*>(data_.data());
    for (Index i = 0; i < rows_; ++i)
      for (Index k = 0; k < cols_; ++k)
        v[((i / MR) * Q + k / 2) * MR * 2 + (i % MR) * 2 + k % 2] = w(i, k);
  }

  /// The bf16 values this pack holds (for a checkpoint).
  Rounded rounded() const {
    Rounded out(rows_, cols_);
    const auto* v = reinterpret_cast<const std::uint16_t*>(data_.data());
    const Index Q = pairs();
    for (Index i = 0; i < rows_; ++i)
      for (Index k = 0; k < cols_; ++k) out(i, k) = v[((i / MR) * Q + k / 2) * MR * 2 + (i % MR) * 2 + k % 2];
    return out;
  }

  /// y = A x (y += A x when `accumulate`), A and x rounded to bf16. With
  /// `threads` > 1 the panels are split among that many threads when the
  /// product is big enough to pay for them.
  void multiply(const ConstMatRef<T>& x, MatRef<T> y, bool accumulate = false, int threads = 1) const {
    static constexpr const char* where = "Bf16Matrix::multiply";
    check_shape(where, "x", x, cols_, x.cols());
    check_shape(where, "y", y, rows_, x.cols());
    const Index N = x.cols(), Q = pairs(), P = panels();
    if (N == 0 || rows_ == 0) return;
    if (cols_ == 0) {
      if (!accumulate) y.setZero();
      return;
    }
    // the activations in bf16: Q dwords (pairs) per column
    thread_local std::vector<std::uint32_t> xb_buffer;
    std::vector<std::uint32_t>& xb = xb_buffer;  // this thread's, read by the pool's through this reference
    xb.assign(static_cast<std::size_t>(Q * N), 0u);
    for (Index j = 0; j < N; ++j) {
      auto* dst = reinterpret_cast<std::uint16_t*>(xb.data() + j * Q);
      for (Index k = 0; k < cols_; ++k) dst[k] = bf16::from_float(static_cast<float>(x(k, j)));
    }
    const bf16_kernels::Kernel kernel = bf16_kernels::select(bf16_kernel());
    const auto run = [&](Index p0, Index p1) {
      alignas(64) float sums[MR * bf16_kernels::NC];
      const auto* v = reinterpret_cast<const std::uint16_t*>(data_.data());
      for (Index p = p0; p < p1; ++p) {
        const Index r0 = p * MR, n = std::min(MR, rows_ - r0);
        for (Index c = 0; c < N; c += bf16_kernels::NC) {
          const int nc = static_cast<int>(std::min<Index>(bf16_kernels::NC, N - c));
          kernel(v + p * Q * MR * 2, Q, xb.data() + c * Q, Q, nc, sums);
          for (int j = 0; j < nc; ++j) {
            T* dst = y.col(c + j).data() + r0;
            const float* s = sums + j * MR;
            if (accumulate)
              for (Index i = 0; i < n; ++i) dst[i] += static_cast<T>(s[i]);
            else
              for (Index i = 0; i < n; ++i) dst[i] = static_cast<T>(s[i]);
          }
        }
      }
    };
    parallel_panels(P, threads, rows_ * cols_ * N, run);
  }

 private:
  Index panels() const { return (rows_ + MR - 1) / MR; }
  Index pairs() const { return (cols_ + 1) / 2; }

  Index rows_ = 0, cols_ = 0;
  AlignedBytes data_;
};

GENATTN_NAMESPACE_END
