// genattn/core/packed_matrix.hpp: a matrix packed once for many products with
// a few columns.
//
//   y = A x   or   y += A x          A: M x K (packed), x: K x N, y: M x N
//
// Eigen's general product repacks its left operand on every call. The weights
// of a recurrence (an LSTM's W_h, the decoder's cell, its output layer over V
// words) multiply a handful of columns at every step, so that repacking costs
// as much as the arithmetic, and for the 20,000 x 512 output layer it streams
// 80 MB through memory per step. PackedMatrix packs A once (per sequence, or
// once per model for decoding) and runs a register-tiled kernel over the
// packed panels.
//
// Layout: A's rows in panels of MR = 3 SIMD packets (48 floats with AVX-512,
// 24 with AVX2). Panel p holds rows [p MR, p MR + MR) as K consecutive
// MR-vectors, k-major, zero past row M. The kernel keeps an MR x NR tile of y
// in registers (NR = 8 with 32 vector registers, else 4; 1 at the tail) and
// streams the panel once per tile:
//
//   y_ij = sum_{k = 0..K-1} A_ik x_kj     (fused multiply-adds, k in order)
//
// While the first tile of a panel runs, it prefetches the next panel (MR / 16
// cache lines per k), so the later tiles and the next panel find their rows in
// cache: for the 20,000 x 512 output layer times 32 columns (41 MB, beyond L2)
// this doubled the rate here, 60 -> 123 GFLOP/s (bench_packed_matrix).
//
// Each entry is summed in the same order whatever N, the tile or the panel
// range a thread takes, so results do not depend on the batch size or the
// thread count. They differ from Eigen's product (which blocks k) by float
// rounding only; tests/core/packed_matrix_test.cpp bounds it.
//
// SIMD through Eigen's packet layer: AVX-512, AVX2, SSE, NEON as compiled,
// or plain scalars under EIGEN_DONT_VECTORIZE.
#pragma once

#include <algorithm>

#include "genattn/core/check.hpp"
#include "genattn/core/parallel.hpp"
#include "genattn/core/types.hpp"

// the tile's loops over columns must unroll so its accumulators stay in registers
#if defined(__clang__)
#define GENATTN_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define GENATTN_UNROLL _Pragma("GCC unroll 16")
#else
#define GENATTN_UNROLL
#endif

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"  // __m512 etc. as template arguments
#endif

GENATTN_NAMESPACE_BEGIN

template <class T>
class PackedMatrix {
  GENATTN_REQUIRE_SCALAR(T);
  using Packet = typename Eigen::internal::packet_traits<T>::type;
  static constexpr Index L = Eigen::internal::packet_traits<T>::size;

 public:
  /// Rows per panel.
  static constexpr Index MR = 3 * L;
  /// Columns per register tile.
  static constexpr Index NR = EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS >= 32 ? 8 : 4;

  PackedMatrix() = default;
  explicit PackedMatrix(const ConstMatRef<T>& A) { pack(A); }

  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  Index panels() const { return (rows_ + MR - 1) / MR; }
  bool empty() const { return rows_ == 0; }

  /// Packs A (M x K). Reuses the storage when the size repeats.
  void pack(const ConstMatRef<T>& A) { pack(A, no_matrix<T>()); }

  /// Packs [A B], side by side (M x (K_A + K_B)): an LSTM's [W_x W_h].
  void pack(const ConstMatRef<T>& A, const ConstMatRef<T>& B) {
    check_arg(B.size() == 0 || B.rows() == A.rows(), "PackedMatrix::pack",
              "argument 'B' has shape " + detail::shape_string(B.rows(), B.cols()) + ", expected " +
                  std::to_string(A.rows()) + " rows (as A)");
    resize(A.rows(), A.cols() + B.cols());
    for (Index p = 0; p < panels(); ++p) {
      T* dst = panel(p);
      const Index r0 = p * MR, n = std::min(MR, rows_ - r0);
      for (Index k = 0; k < cols_; ++k, dst += MR) {
        const T* src = (k < A.cols() ? A.col(k).data() : B.col(k - A.cols()).data()) + r0;
        std::copy(src, src + n, dst);
        std::fill(dst + n, dst + MR, T(0));
      }
    }
  }

  /// Packs A^T, where A is K x M (for the backward's W^T dy).
  void pack_transpose(const ConstMatRef<T>& A) { pack_transpose(A, no_matrix<T>()); }

  /// Packs [A B]^T = [A^T; B^T] (A and B with K rows each).
  void pack_transpose(const ConstMatRef<T>& A, const ConstMatRef<T>& B) {
    check_arg(B.size() == 0 || B.rows() == A.rows(), "PackedMatrix::pack_transpose",
              "argument 'B' has shape " + detail::shape_string(B.rows(), B.cols()) + ", expected " +
                  std::to_string(A.rows()) + " rows (as A)");
    resize(A.cols() + B.cols(), A.rows());
    for (Index p = 0; p < panels(); ++p) {
      T* dst = panel(p);
      const Index r0 = p * MR, n = std::min(MR, rows_ - r0);
      for (Index i = 0; i < n; ++i) {
        const Index r = r0 + i;  // row r of the transpose: column r of [A B]
        const T* src = r < A.cols() ? A.col(r).data() : B.col(r - A.cols()).data();
        for (Index k = 0; k < cols_; ++k) dst[k * MR + i] = src[k];
      }
      for (Index i = n; i < MR; ++i)
        for (Index k = 0; k < cols_; ++k) dst[k * MR + i] = T(0);
    }
  }

  /// y = A x (y += A x when `accumulate`). x: K x N, y: M x N. With
  /// `threads` > 1 the panels are split among that many threads (the
  /// caller's and threads - 1 of the pool's, core/parallel.hpp) when the product is big
  /// enough to pay for them.
  void multiply(const ConstMatRef<T>& x, MatRef<T> y, bool accumulate = false, int threads = 1) const {
    check_operands(x, y);
    parallel_panels(panels(), threads, rows_ * cols_ * x.cols(),
                    [&](Index p0, Index p1) { multiply_panels(x, y, accumulate, p0, p1); });
  }

  /// The rows of panels [p0, p1) only: threads split a product this way. No
  /// shape checks (multiply does them); y's other rows are left alone.
  void multiply_panels(const ConstMatRef<T>& x, MatRef<T> y, bool accumulate, Index p0, Index p1) const {
    const Index N = x.cols();
    const Index ldx = x.outerStride(), ldy = y.outerStride();
    if (N == 1) {
      // one column is memory-bound: two panels at once, two streams in flight
      Index p = p0;
      for (; p + 1 < p1 && (p + 2) * MR <= rows_; p += 2) column_pair(panel(p), x.data(), y.data() + p * MR, accumulate);
      for (; p < p1; ++p) {
        const Index r0 = p * MR;
        tile_rows<1>(panel(p), x.data(), ldx, y.data() + r0, ldy, std::min(MR, rows_ - r0), accumulate);
      }
      return;
    }
    for (Index p = p0; p < p1; ++p) {
      const T* a = panel(p);
      const Index r0 = p * MR, n = std::min(MR, rows_ - r0);
      T* yp = y.data() + r0;
      // the first tile of each panel pulls the next panel into cache
      const T* next = p + 1 < p1 ? panel(p + 1) : nullptr;
      Index c = 0;
      for (; c + NR <= N; c += NR, next = nullptr)
        tile_rows<static_cast<std::size_t>(NR)>(a, x.data() + c * ldx, ldx, yp + c * ldy, ldy, n, accumulate, next);
      for (; c < N; ++c, next = nullptr)
        tile_rows<1>(a, x.data() + c * ldx, ldx, yp + c * ldy, ldy, n, accumulate, next);
    }
  }

  /// Throws unless x is K x N and y is M x N.
  void check_operands(const ConstMatRef<T>& x, const MatRef<T>& y) const {
    static constexpr const char* where = "PackedMatrix::multiply";
    check_shape(where, "x", x, cols_, x.cols());
    check_shape(where, "y", y, rows_, x.cols());
  }

 private:
  void resize(Index rows, Index cols) {
    rows_ = rows;
    cols_ = cols;
    const Index need = panels() * MR * cols;
    if (data_.size() < need) data_.resize(need);
  }

  T* panel(Index p) { return data_.data() + p * MR * cols_; }
  const T* panel(Index p) const { return data_.data() + p * MR * cols_; }

  /// y[0..n) x CB (columns ldy apart) (+)= panel a times x's CB columns.
  /// y[0..2 MR) = two full panels (a, then a + MR K) times the column x.
  EIGEN_DONT_INLINE void column_pair(const T* a, const T* x, T* y, bool accumulate) const {
    using namespace Eigen::internal;
    const T* b = a + MR * cols_;
    Packet acc[6];
    for (int i = 0; i < 6; ++i) acc[i] = pset1<Packet>(T(0));
    const Index K = cols_;
    for (Index k = 0; k < K; ++k, a += MR, b += MR) {
      const Packet v = pset1<Packet>(x[k]);
      acc[0] = pmadd(pload<Packet>(a), v, acc[0]);
      acc[1] = pmadd(pload<Packet>(a + L), v, acc[1]);
      acc[2] = pmadd(pload<Packet>(a + 2 * L), v, acc[2]);
      acc[3] = pmadd(pload<Packet>(b), v, acc[3]);
      acc[4] = pmadd(pload<Packet>(b + L), v, acc[4]);
      acc[5] = pmadd(pload<Packet>(b + 2 * L), v, acc[5]);
    }
    for (int i = 0; i < 6; ++i) {
      T* dst = y + i * L;
      pstoreu(dst, accumulate ? padd(ploadu<Packet>(dst), acc[i]) : acc[i]);
    }
  }

  /// tile() over a panel's first n rows: the last panel's rows past M are
  /// zeros, so only the packets that hold rows run (H = 256 rows are five
  /// panels and one packet, not six panels). Each row's sum is the same
  /// whichever variant computes it.
  template <std::size_t CB>
  void tile_rows(const T* a, const T* x, Index ldx, T* y, Index ldy, Index n, bool accumulate,
                 const T* next = nullptr) const {
    if (n > 2 * L)
      tile<CB, 3>(a, x, ldx, y, ldy, n, accumulate, next);
    else if (n > L)
      tile<CB, 2>(a, x, ldx, y, ldy, n, accumulate, next);
    else
      tile<CB, 1>(a, x, ldx, y, ldy, n, accumulate, next);
  }

  // y[0..n) x CB (columns ldy apart) (+)= the first P packets of panel a
  // times x's CB columns; n <= P L. Kept out of line: inlined into a large
  // caller, GCC spills the accumulators.
  template <std::size_t CB, std::size_t P>
  EIGEN_DONT_INLINE void tile(const T* a, const T* x, Index ldx, T* y, Index ldy, Index n, bool accumulate,
                              const T* next) const {
    using namespace Eigen::internal;
    Packet acc[P][CB];
    GENATTN_UNROLL
    for (std::size_t j = 0; j < CB; ++j)
      for (std::size_t i = 0; i < P; ++i) acc[i][j] = pset1<Packet>(T(0));
    const Index K = cols_;
    for (Index k = 0; k < K; ++k, a += MR) {
      if (next != nullptr) {  // the next panel's MR values at this k: MR / 16 cache lines
        GENATTN_UNROLL
        for (Index i = 0; i < MR; i += 64 / Index{sizeof(T)}) prefetch(next + i);
        next += MR;
      }
      Packet ak[P];
      GENATTN_UNROLL
      for (std::size_t i = 0; i < P; ++i) ak[i] = pload<Packet>(a + static_cast<Index>(i) * L);
      GENATTN_UNROLL
      for (std::size_t j = 0; j < CB; ++j) {
        const Packet b = pset1<Packet>(x[static_cast<Index>(j) * ldx + k]);
        GENATTN_UNROLL
        for (std::size_t i = 0; i < P; ++i) acc[i][j] = pmadd(ak[i], b, acc[i][j]);
      }
    }
    if (n == static_cast<Index>(P) * L) {
      GENATTN_UNROLL
      for (std::size_t j = 0; j < CB; ++j)
        for (std::size_t i = 0; i < P; ++i) {
          T* dst = y + static_cast<Index>(j) * ldy + static_cast<Index>(i) * L;
          pstoreu(dst, accumulate ? padd(ploadu<Packet>(dst), acc[i][j]) : acc[i][j]);
        }
      return;
    }
    // the last panel: only its first n rows exist in y
    alignas(64) T buf[P * static_cast<std::size_t>(L)];
    for (std::size_t j = 0; j < CB; ++j) {
      for (std::size_t i = 0; i < P; ++i) pstore(buf + static_cast<Index>(i) * L, acc[i][j]);
      T* dst = y + static_cast<Index>(j) * ldy;
      for (Index i = 0; i < n; ++i) dst[i] = accumulate ? dst[i] + buf[i] : buf[i];
    }
  }

  Index rows_ = 0, cols_ = 0;
  Vec<T> data_;  // Eigen aligns it for the widest packet
};

GENATTN_NAMESPACE_END

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
