// tests/support/kernels.hpp: runs a check once with each reduced-precision
// kernel this processor has (core/cpu_features.hpp), dispatch forced to it;
// and the Gaussian operands those checks multiply.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <genattn/core/cpu_features.hpp>
#include <genattn/core/types.hpp>

namespace genattn_test {

/// Unforces the kernels when it goes out of scope (a failed ASSERT included).
struct KernelsUnforced {
  KernelsUnforced() = default;
  KernelsUnforced(const KernelsUnforced&) = delete;
  KernelsUnforced& operator=(const KernelsUnforced&) = delete;
  ~KernelsUnforced() { genattn::unforce_kernels(); }
};

/// An r x c matrix of N(0, 1) draws from `seed` (the same on every platform
/// that has mt19937 and normal_distribution's usual algorithm).
inline genattn::Mat<float> gaussian(genattn::Index r, genattn::Index c, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  genattn::Mat<float> m(r, c);
  for (genattn::Index j = 0; j < c; ++j)
    for (genattn::Index i = 0; i < r; ++i) m(i, j) = d(gen);
  return m;
}

/// A packed product's columns (M x K weights, x: K x 9) do not depend on the
/// other columns, on strides, or on how two threads split the panels: each
/// column alone gives the batch's bits, and blocks of bigger matrices are
/// read and written in place, their surroundings left alone.
template <class Packed>
void expect_columns_independent(const Packed& packed, const genattn::Mat<float>& x) {
  using genattn::Index;
  using genattn::Mat;
  const Index M = packed.rows(), K = packed.cols(), N = x.cols();
  Mat<float> all(M, N);
  packed.multiply(x, all, false, 2);
  for (Index j = 0; j < N; ++j) {
    Mat<float> one(M, 1);
    packed.multiply(x.col(j), one);
    ASSERT_EQ(one.col(0), all.col(j)) << j;
  }
  Mat<float> xbig = Mat<float>::Zero(K + 3, N + 2), ybig = Mat<float>::Constant(M + 4, N + 2, 9.f);
  xbig.block(2, 1, K, N) = x;
  packed.multiply(xbig.block(2, 1, K, N), ybig.block(1, 1, M, N));
  EXPECT_EQ(ybig.block(1, 1, M, N), all);
  EXPECT_EQ(ybig(0, 1), 9.f);
  EXPECT_EQ(ybig(M + 1, 1), 9.f);
  EXPECT_EQ(ybig(1, 0), 9.f);
}

/// f(k) with each kernel k of `supported` forced in turn by `force`.
template <class Kernel, class F>
void for_each_kernel(const std::vector<Kernel>& supported, void (*force)(Kernel), const char* kind, F&& f) {
  KernelsUnforced guard;
  for (const Kernel k : supported) {
    SCOPED_TRACE(std::string(kind) + " kernel " + genattn::kernel_name(k));
    force(k);
    f(k);
  }
}

/// f() with each int8 kernel the machine can run forced in turn.
template <class F>
void for_each_int8_kernel(F&& f) {
  for_each_kernel(genattn::supported_int8_kernels(), genattn::force_int8_kernel, "int8", f);
}

/// f() with each bf16 kernel the machine can run forced in turn.
template <class F>
void for_each_bf16_kernel(F&& f) {
  for_each_kernel(genattn::supported_bf16_kernels(), genattn::force_bf16_kernel, "bf16", f);
}

// Rows below, at and past a panel (64) and a 16-row vector; K below, at and
// past a group of 4, a pair, and the kernels' 64-byte vectors; columns below,
// at and past a kernel call's 4.
inline const genattn::Index kProductRows[] = {1, 15, 16, 63, 64, 65, 130};
inline const genattn::Index kProductCols[] = {1, 2, 3, 4, 5, 63, 64, 67, 515};
inline const genattn::Index kProductColumns[] = {1, 2, 3, 4, 5, 9};

/// For every shape above: Gaussian A (M x K) and x (K x N), A packed, and
/// for each kernel `for_each` forces, y = A x written over a matrix of 7s,
/// then check(A, x, y, first) (first: the first kernel's y); and y += A x
/// adds exactly y to a matrix of 0.5s.
template <class Packed, class ForEach, class Check>
void check_every_shape(ForEach&& for_each, Check&& check) {
  using genattn::Index;
  using genattn::Mat;
  for (const Index M : kProductRows)
    for (const Index K : kProductCols)
      for (const Index N : kProductColumns) {
        SCOPED_TRACE(std::to_string(M) + "x" + std::to_string(K) + " times " + std::to_string(N));
        const Mat<float> A = gaussian(M, K, 1), x = gaussian(K, N, 2);
        const Packed packed(A);
        Mat<float> first;
        for_each([&](auto) {
          Mat<float> y = Mat<float>::Constant(M, N, 7.f);
          packed.multiply(x, y);
          if (first.size() == 0) first = y;
          check(A, x, y, first);
          Mat<float> acc = Mat<float>::Constant(M, N, 0.5f);
          packed.multiply(x, acc, true);
          ASSERT_EQ(acc, (y.array() + 0.5f).matrix());
        });
      }
}

}  // namespace genattn_test
