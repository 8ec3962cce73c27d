// tests/support/kernels.hpp: runs a check once with each reduced-precision
// kernel this processor has (core/cpu_features.hpp), dispatch forced to it;
// and the Gaussian operands those checks multiply.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>

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

/// f() with each int8 kernel the machine can run forced in turn.
template <class F>
void for_each_int8_kernel(F&& f) {
  KernelsUnforced guard;
  for (const genattn::Int8Kernel k : genattn::supported_int8_kernels()) {
    SCOPED_TRACE(std::string("int8 kernel ") + genattn::kernel_name(k));
    genattn::force_int8_kernel(k);
    f(k);
  }
}

/// f() with each bf16 kernel the machine can run forced in turn.
template <class F>
void for_each_bf16_kernel(F&& f) {
  KernelsUnforced guard;
  for (const genattn::Bf16Kernel k : genattn::supported_bf16_kernels()) {
    SCOPED_TRACE(std::string("bf16 kernel ") + genattn::kernel_name(k));
    genattn::force_bf16_kernel(k);
    f(k);
  }
}

}  // namespace genattn_test
