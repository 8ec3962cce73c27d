// genattn/core/int8_matrix.hpp: a weight matrix quantized to int8, packed once
// for many products with a few columns.
//
//   y = A x   or   y += A x          A: M x K (int8, packed), x: K x N (float)
//
// Weights: symmetric, one scale per output row (as CTranslate2 quantizes):
//   s_i = max_k |A_ik| / 127,   q_ik = round(A_ik / s_i) in [-127, 127]
// (an all-zero row: s_i = 0, q = 0). Activations are quantized on the fly,
// one scale per column:
//   t_j = max_k |x_kj| / 127,   p_kj = round(x_kj / t_j) in [-127, 127]
// The dot products are summed exactly in int32, and both scales applied at
// the end:
//   y_ij = (sum_k q_ik p_kj) * (s_i t_j)
// |sum| <= K 127 127 (255 127 inside the VNNI kernel, below), so K is limited
// to 65,536 and no sum can overflow.
//
// Defined results at the edges: a column of x holding NaN or Inf gives a
// column of NaN in y (as the float product would give NaN or Inf there); an
// all-zero column of x, or row of A, gives 0. Weights that are NaN or Inf are
// refused when packed.
//
// Layout: rows in panels of MR = 64, K in groups of 4 (zero-padded). Group g
// of panel p is 256 bytes, row r's four values at r*4: one 64-byte vector
// holds 16 rows x 4 k, the shape vpdpbusd reads. Kernels (chosen at run time,
// core/cpu_features.hpp), each giving the same int32 sums:
//   avx512_vnni: vpdpbusd multiplies unsigned by signed bytes, so it reads
//                p + 128 (the sign bit flipped) and subtracts 128 sum_k q_ik,
//                kept per row from packing;
//   avx2:        vpmaddubsw on |p| and q sign(p) (vpsignb), whose pairs are at
//                most 2 127 127 = 32,258 < 32,767 and cannot saturate, then
//                vpmaddwd by ones into int32;
//   portable:    int32 loops.
// Every path gives the same int32 sums, and the scales are applied by the same
// code afterwards, so the result is the same bit for bit whichever kernel
// runs, whatever N and however threads split the panels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "genattn/core/aligned_bytes.hpp"
#include "genattn/core/check.hpp"
#include "genattn/core/cpu_features.hpp"
#include "genattn/core/parallel.hpp"

#if GENATTN_X86_KERNELS
#include <immintrin.h>
#endif

GENATTN_NAMESPACE_BEGIN

namespace int8_kernels {

/// Rows per panel, k per group, bytes per group of a panel.
inline constexpr Index MR = 64;
inline constexpr Index KG = 4;
inline constexpr Index group_bytes = MR * KG;
/// Columns per kernel call.
inline constexpr int NC = 4;

/// out[j * MR + r] = sum_k q[r][k] p[k][j] for the panel's MR rows and nc
/// (1..NC) columns. `panel`: groups x 256 bytes; `x`: per column `groups`
/// dwords of four signed bytes, columns ldx dwords apart; `rowsum`: per row,
/// 128 sum_k q[r][k] (what the VNNI kernel's unsigned operand adds).
using Kernel = void (*)(const std::int8_t* panel, Index groups, const std::int32_t* x, Index ldx, int nc,
                        const std::int32_t* rowsum, std::int32_t* out);

inline void portable(const std::int8_t* panel, Index groups, const std::int32_t* x, Index ldx, int nc,
                     const std::int32_t* /*rowsum*/, std::int32_t* out) {
  for (int j = 0; j < nc; ++j) {
    std::int32_t acc[MR] = {};
    const auto* xb = reinterpret_cast<const std::int8_t*>(x + j * ldx);
    for (Index g = 0; g < groups; ++g) {
      const std::int8_t* w = panel + g * group_bytes;
      const std::int32_t p0 = xb[4 * g], p1 = xb[4 * g + 1], p2 = xb[4 * g + 2], p3 = xb[4 * g + 3];
      for (Index r = 0; r < MR; ++r)
        acc[r] += w[4 * r] * p0 + w[4 * r + 1] * p1 + w[4 * r + 2] * p2 + w[4 * r + 3] * p3;
    }
    std::memcpy(out + j * MR, acc, sizeof acc);
  }
}

#if GENATTN_X86_KERNELS

template <int C>
__attribute__((target("avx2"))) void avx2_columns(const std::int8_t* panel, Index groups, const std::int32_t* x,
                                                  Index ldx, std::int32_t* out) {
  const __m256i ones = _mm256_set1_epi16(1);
  // 16 rows (two ymm of 8 rows x 4 k) at a time, C columns
  for (Index v = 0; v < MR / 16; ++v) {
    __m256i acc[2][static_cast<std::size_t>(C)];
    for (int j = 0; j < C; ++j) acc[0][j] = acc[1][j] = _mm256_setzero_si256();
    const std::int8_t* w = panel + v * 64;
    for (Index g = 0; g < groups; ++g, w += group_bytes) {
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32));
      for (int j = 0; j < C; ++j) {
        const __m256i p = _mm256_set1_epi32(x[j * ldx + g]);
        const __m256i ap = _mm256_sign_epi8(p, p);  // |p|, 0..127: the unsigned operand
        // pairs |p_a| (q_a sign p_a) + |p_b| (q_b sign p_b): at most 32,258 in magnitude
        const __m256i s0 = _mm256_maddubs_epi16(ap, _mm256_sign_epi8(w0, p));
        const __m256i s1 = _mm256_maddubs_epi16(ap, _mm256_sign_epi8(w1, p));
        acc[0][j] = _mm256_add_epi32(acc[0][j], _mm256_madd_epi16(s0, ones));
        acc[1][j] = _mm256_add_epi32(acc[1][j], _mm256_madd_epi16(s1, ones));
      }
    }
    for (int j = 0; j < C; ++j) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + j * MR + v * 16), acc[0][j]);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + j * MR + v * 16 + 8), acc[1][j]);
    }
  }
}

inline void avx2(const std::int8_t* panel, Index groups, const std::int32_t* x, Index ldx, int nc,
                 const std::int32_t* /*rowsum*/, std::int32_t* out) {
  switch (nc) {
    case 1: avx2_columns<1>(panel, groups, x, ldx, out); break;
    case 2: avx2_columns<2>(panel, groups, x, ldx, out); break;
    case 3: avx2_columns<3>(panel, groups, x, ldx, out); break;
    default: avx2_columns<4>(panel, groups, x, ldx, out); break;
  }
}

template <int C>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void vnni_columns(const std::int8_t* panel, Index groups,
                                                                        const std::int32_t* x, Index ldx,
                                                                        const std::int32_t* rowsum,
                                                                        std::int32_t* out) {
  const __m512i flip = _mm512_set1_epi32(static_cast<int>(0x80808080u));
  __m512i acc[4][static_cast<std::size_t>(C)];
  for (int j = 0; j < C; ++j)
    for (int v = 0; v < 4; ++v) acc[v][j] = _mm512_setzero_si512();
  const std::int8_t* w = panel;
  for (Index g = 0; g < groups; ++g, w += group_bytes) {
    const __m512i w0 = _mm512_loadu_si512(w);
    const __m512i w1 = _mm512_loadu_si512(w + 64);
    const __m512i w2 = _mm512_loadu_si512(w + 128);
    const __m512i w3 = _mm512_loadu_si512(w + 192);
    for (int j = 0; j < C; ++j) {
      const __m512i u = _mm512_xor_si512(_mm512_set1_epi32(x[j * ldx + g]), flip);  // p + 128, unsigned
      acc[0][j] = _mm512_dpbusd_epi32(acc[0][j], u, w0);
      acc[1][j] = _mm512_dpbusd_epi32(acc[1][j], u, w1);
      acc[2][j] = _mm512_dpbusd_epi32(acc[2][j], u, w2);
      acc[3][j] = _mm512_dpbusd_epi32(acc[3][j], u, w3);
    }
  }
  // sum_k (p_k + 128) q_k - 128 sum_k q_k = sum_k p_k q_k
  for (int v = 0; v < 4; ++v) {
    const __m512i c = _mm512_loadu_si512(rowsum + v * 16);
    for (int j = 0; j < C; ++j) _mm512_storeu_si512(out + j * MR + v * 16, _mm512_sub_epi32(acc[v][j], c));
  }
}

inline void avx512_vnni(const std::int8_t* panel, Index groups, const std::int32_t* x, Index ldx, int nc,
                        const std::int32_t* rowsum, std::int32_t* out) {
  switch (nc) {
    case 1: vnni_columns<1>(panel, groups, x, ldx, rowsum, out); break;
    case 2: vnni_columns<2>(panel, groups, x, ldx, rowsum, out); break;
    case 3: vnni_columns<3>(panel, groups, x, ldx, rowsum, out); break;
    default: vnni_columns<4>(panel, groups, x, ldx, rowsum, out); break;
  }
}
#endif

inline Kernel select(Int8Kernel k) {
#if GENATTN_X86_KERNELS
  if (k == Int8Kernel::avx512_vnni) return avx512_vnni;
  if (k == Int8Kernel::avx2) return avx2;
#else
  (void)k;
#endif
  return portable;
}

}  // namespace int8_kernels

template <class T>
class Int8Matrix {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  static constexpr Index MR = int8_kernels::MR;
  /// The widest K a pack takes (its int32 sums cannot overflow).
  static constexpr Index max_cols = 65536;

  /// The quantized weights and their per-row scales: q (M x K) times
  /// diag(scale) stands for A.
  struct Quantized {
    Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic> q;
    Vec<T> scale;
  };

  Int8Matrix() = default;
  explicit Int8Matrix(const ConstMatRef<T>& A) { pack(A); }

  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  bool empty() const { return rows_ == 0; }
  /// Bytes held: the packed values, the scales and the row sums.
  std::size_t bytes() const {
    return data_.size() + static_cast<std::size_t>(scale_.size()) * sizeof(T) + rowsum_.size() * sizeof(std::int32_t);
  }

  /// A's per-row quantization. Throws when A holds NaN or Inf.
  static Quantized quantize(const ConstMatRef<T>& A) {
    Quantized out;
    out.q.resize(A.rows(), A.cols());
    out.scale.resize(A.rows());
    for (Index i = 0; i < A.rows(); ++i) {
      check_arg_lazily(A.row(i).allFinite(), "Int8Matrix::quantize",
                       [&] { return "row " + std::to_string(i) + " of the weights holds NaN or Inf"; });
      const T amax = A.cols() == 0 ? T(0) : A.row(i).cwiseAbs().maxCoeff();
      out.scale(i) = amax / T(127);
      const T inv = amax > T(0) ? T(127) / amax : T(0);
      for (Index k = 0; k < A.cols(); ++k) out.q(i, k) = to_int8(A(i, k) * inv);
    }
    return out;
  }

  /// The float matrix q diag(scale) stands for (the quantized A).
  static Mat<T> dequantize(const Quantized& w) {
    return (w.scale.asDiagonal() * w.q.template cast<T>()).eval();
  }

  /// Quantizes and packs A (M x K).
  void pack(const ConstMatRef<T>& A) { pack(quantize(A)); }

  /// Packs weights quantized already (Int8Matrix::quantize, or read from a
  /// quantized checkpoint).
  void pack(const Quantized& w) {
    static constexpr const char* where = "Int8Matrix::pack";
    check_arg(w.scale.size() == w.q.rows(), where,
              "the weights have " + std::to_string(w.q.rows()) + " rows and " + std::to_string(w.scale.size()) +
                  " scales");
    check_arg(w.q.cols() <= max_cols, where,
              "K = " + std::to_string(w.q.cols()) + " is more than " + std::to_string(max_cols) +
                  " (the int32 sums could overflow)");
    for (Index i = 0; i < w.scale.size(); ++i)
      check_arg_lazily(std::isfinite(w.scale(i)) && w.scale(i) >= T(0), where,
                       [&] { return "row " + std::to_string(i) + "'s scale is " + std::to_string(w.scale(i)); });
    rows_ = w.q.rows();
    cols_ = w.q.cols();
    const Index P = panels(), G = groups();
    data_.assign_zero(static_cast<std::size_t>(P * G * int8_kernels::group_bytes));
    scale_.setZero(P * MR);
    rowsum_.assign(static_cast<std::size_t>(P * MR), 0);
    auto* bytes = reinterpret_cast<std::int8_t*>(data_.data());
    for (Index i = 0; i < rows_; ++i) {
      const Index p = i / MR, r = i % MR;
      std::int32_t sum = 0;
      for (Index k = 0; k < cols_; ++k) {
        const std::int8_t v = w.q(i, k);
        check_arg_lazily(v != -128, where, [&] {
          return "q(" + std::to_string(i) + ", " + std::to_string(k) + ") = -128 is outside [-127, 127]";
        });
        bytes[(p * G + k / 4) * int8_kernels::group_bytes + r * 4 + k % 4] = v;
        sum += v;
      }
      rowsum_[static_cast<std::size_t>(i)] = 128 * sum;
      scale_(i) = w.scale(i);
    }
  }

  /// The quantized weights this pack holds (for a quantized checkpoint).
  Quantized quantized() const {
    Quantized out;
    out.q.resize(rows_, cols_);
    out.scale = scale_.head(rows_);
    const auto* bytes = reinterpret_cast<const std::int8_t*>(data_.data());
    const Index G = groups();
    for (Index i = 0; i < rows_; ++i)
      for (Index k = 0; k < cols_; ++k)
        out.q(i, k) = bytes[((i / MR) * G + k / 4) * int8_kernels::group_bytes + (i % MR) * 4 + k % 4];
    return out;
  }

  /// y = A x (y += A x when `accumulate`), A standing for its quantization.
  /// With `threads` > 1 the panels are split among that many threads when
  /// the product is big enough to pay for them.
  void multiply(const ConstMatRef<T>& x, MatRef<T> y, bool accumulate = false, int threads = 1) const {
    static constexpr const char* where = "Int8Matrix::multiply";
    check_shape(where, "x", x, cols_, x.cols());
    check_shape(where, "y", y, rows_, x.cols());
    const Index N = x.cols(), G = groups(), P = panels();
    if (N == 0 || rows_ == 0) return;
    if (cols_ == 0) {
      if (!accumulate) y.setZero();
      return;
    }
    // the activations, quantized per column: G dwords of four bytes each
    // (this thread's buffers, which the pool's threads read through these references)
    thread_local std::vector<std::int32_t> xq_buffer;
    thread_local std::vector<T> xscale_buffer;
    thread_local std::vector<unsigned char> bad_buffer;
    std::vector<std::int32_t>& xq = xq_buffer;
    std::vector<T>& xscale = xscale_buffer;
    std::vector<unsigned char>& bad = bad_buffer;
    xq.assign(static_cast<std::size_t>(G * N), 0);
    xscale.resize(static_cast<std::size_t>(N));
    bad.resize(static_cast<std::size_t>(N));
    for (Index j = 0; j < N; ++j) {
      const bool finite = x.col(j).allFinite();
      const T amax = finite ? x.col(j).cwiseAbs().maxCoeff() : T(0);
      bad[static_cast<std::size_t>(j)] = finite ? 0 : 1;
      xscale[static_cast<std::size_t>(j)] = amax / T(127);
      if (amax == T(0)) continue;
      const T inv = T(127) / amax;
      auto* dst = reinterpret_cast<std::int8_t*>(xq.data() + j * G);
      for (Index k = 0; k < cols_; ++k) dst[k] = to_int8(x(k, j) * inv);
    }
    const int8_kernels::Kernel kernel = int8_kernels::select(int8_kernel());
    const auto run = [&](Index p0, Index p1) {
      alignas(64) std::int32_t sums[MR * int8_kernels::NC];
      const auto* bytes = reinterpret_cast<const std::int8_t*>(data_.data());
      for (Index p = p0; p < p1; ++p) {
        const Index r0 = p * MR, n = std::min(MR, rows_ - r0);
        for (Index c = 0; c < N; c += int8_kernels::NC) {
          const int nc = static_cast<int>(std::min<Index>(int8_kernels::NC, N - c));
          kernel(bytes + p * G * int8_kernels::group_bytes, G, xq.data() + c * G, G, nc, rowsum_.data() + r0, sums);
          for (int j = 0; j < nc; ++j) {
            const auto col = static_cast<std::size_t>(c + j);
            T* dst = y.col(c + j).data() + r0;
            if (bad[col] != 0) {
              std::fill(dst, dst + n, std::numeric_limits<T>::quiet_NaN());
              continue;
            }
            const T t = xscale[col];
            const std::int32_t* s = sums + j * MR;
            const T* sc = scale_.data() + r0;
            if (accumulate)
              for (Index i = 0; i < n; ++i) dst[i] += static_cast<T>(s[i]) * (sc[i] * t);
            else
              for (Index i = 0; i < n; ++i) dst[i] = static_cast<T>(s[i]) * (sc[i] * t);
          }
        }
      }
    };
    parallel_panels(P, threads, rows_ * cols_ * N, run);
  }

 private:
  Index panels() const { return (rows_ + MR - 1) / MR; }
  Index groups() const { return (cols_ + int8_kernels::KG - 1) / int8_kernels::KG; }

  /// round(v) clamped to [-127, 127] (v finite).
  static std::int8_t to_int8(T v) {
    const T r = std::nearbyint(v);
    return static_cast<std::int8_t>(std::clamp(r, T(-127), T(127)));
  }

  Index rows_ = 0, cols_ = 0;
  AlignedBytes data_;
  Vec<T> scale_;                      // per row, zero past M
  std::vector<std::int32_t> rowsum_;  // per row: 128 sum_k q_ik (the VNNI kernel's correction)
};

GENATTN_NAMESPACE_END
