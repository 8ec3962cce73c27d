#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <genattn/core/bf16_matrix.hpp>

#include "support/errors.hpp"
#include "support/kernels.hpp"

using namespace genattn;
using genattn_test::for_each_bf16_kernel;
using genattn_test::check_every_shape;
using genattn_test::expect_columns_independent;
using genattn_test::gaussian;
using genattn_test::invalid_argument_message;

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(bf16::from_float(1.f), 0x3f80);
  EXPECT_EQ(bf16::to_float(0x3f80), 1.f);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1)
  EXPECT_EQ(bf16::to_float(bf16::from_float(1.f + 0x1p-8f)), 1.f);
  // 1 + 3 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to even (1 + 2^-6)
  EXPECT_EQ(bf16::to_float(bf16::from_float(1.f + 3 * 0x1p-8f)), 1.f + 0x1p-6f);
  EXPECT_EQ(bf16::to_float(bf16::from_float(1.f + 0x1p-8f + 0x1p-20f)), 1.f + 0x1p-7f);
  EXPECT_TRUE(std::isnan(bf16::to_float(bf16::from_float(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isinf(bf16::to_float(bf16::from_float(std::numeric_limits<float>::infinity()))));
  EXPECT_TRUE(std::isinf(bf16::to_float(bf16::from_float(3.4e38f))));  // past bf16's largest
}

// Per row, against the float product: each factor rounds by at most 2^-8 of
// itself, so each product by about 2^-7, and float sums add K 2^-24 of the
// terms' magnitude:
//   |y_i - (A x)_i| <= (2^-7 + 2^-16 + K 2^-23) sum_k |A_ik x_k|
// Kernels differ only in float rounding (and vdpbf16ps's flush of subnormals).
TEST(Bf16Matrix, ErrorPerRowBoundedAndKernelsAgree) {
  const auto each_kernel = [](auto f) { for_each_bf16_kernel(f); };
  check_every_shape<Bf16Matrix<float>>(each_kernel, [](const Mat<float>& A, const Mat<float>& x, const Mat<float>& y,
                                                       const Mat<float>& first) {
    const Mat<double> want = A.cast<double>() * x.cast<double>();
    const Mat<double> mag = A.cwiseAbs().cast<double>() * x.cwiseAbs().cast<double>();
    const double gamma = 0x1p-7 + 0x1p-16 + static_cast<double>(A.cols()) * 0x1p-23;
    // each row's and column's |.|_2, once (not per entry)
    const Vec<double> row_l2 = A.rowwise().norm().cast<double>(), col_l2 = x.colwise().norm().transpose().cast<double>();
    for (Index j = 0; j < y.cols(); ++j)
      for (Index i = 0; i < y.rows(); ++i) {
        const double err = std::abs(static_cast<double>(y(i, j)) - want(i, j));
        ASSERT_LE(err, gamma * mag(i, j) + 1e-30) << "row " << i << " column " << j;
        ASSERT_LE(err, 0.01 * row_l2(i) * col_l2(j)) << "row " << i << " column " << j;
        ASSERT_LE(std::abs(y(i, j) - first(i, j)), static_cast<double>(A.cols()) * 0x1p-23 * mag(i, j) + 1e-30);
      }
  });
}

TEST(Bf16Matrix, BatchStrideAndThreadInvariant) {
  const Index M = 1000, K = 300;
  const Bf16Matrix<float> packed(gaussian(M, K, 3));
  const Mat<float> x = gaussian(K, 9, 4);
  for_each_bf16_kernel([&](Bf16Kernel) { expect_columns_independent(packed, x); });
}

// Zeros give exactly 0; NaN in a column of x gives NaN in every row; Inf
// gives what the float product of the bf16 weights gives (Inf, or NaN where
// the weight is 0).
TEST(Bf16Matrix, ZerosAndNonFiniteActivations) {
  const Index M = 80, K = 33;
  Mat<float> A = gaussian(M, K, 5);
  A.row(3).setZero();
  A(10, 7) = 0.f;
  Mat<float> x = gaussian(K, 4, 6);
  x.col(1).setZero();
  x(4, 2) = std::numeric_limits<float>::quiet_NaN();
  x(7, 3) = std::numeric_limits<float>::infinity();
  const Bf16Matrix<float> packed(A);
  const Mat<float> widened = Bf16Matrix<float>::widen(packed.rounded());
  for_each_bf16_kernel([&](Bf16Kernel) {
    Mat<float> y(M, 4);
    packed.multiply(x, y);
    EXPECT_EQ(y(3, 0), 0.f);
    EXPECT_TRUE((y.col(1).array() == 0.f).all());
    EXPECT_TRUE(y.col(2).array().isNaN().all());
    for (Index i = 0; i < M; ++i) {
      const float want = widened.row(i).dot(x.col(3));
      EXPECT_EQ(std::isnan(y(i, 3)), std::isnan(want)) << i;
      EXPECT_EQ(std::isinf(y(i, 3)), std::isinf(want)) << i;
    }
    EXPECT_TRUE(std::isnan(y(10, 3)));
  });
}

TEST(Bf16Matrix, RoundingRoundTrips) {
  const Mat<float> A = gaussian(70, 21, 7);
  const Bf16Matrix<float> packed(A);
  const auto r = packed.rounded();
  EXPECT_EQ(r, Bf16Matrix<float>::round(A));
  const Mat<float> back = Bf16Matrix<float>::widen(r);
  EXPECT_LE(((back - A).cwiseAbs().array() / A.cwiseAbs().array()).maxCoeff(), 0x1p-8f);
  Bf16Matrix<float> again;
  again.pack(r);
  const Mat<float> x = gaussian(21, 3, 8);
  Mat<float> y1(70, 3), y2(70, 3);
  packed.multiply(x, y1);
  again.multiply(x, y2);
  EXPECT_EQ(y1, y2);
}

TEST(Bf16Matrix, RefusesWhatItCannotHold) {
  Mat<float> A = Mat<float>::Ones(3, 4);
  A(1, 2) = 3.4e38f;
  EXPECT_EQ(invalid_argument_message([&] { Bf16Matrix<float>{A}; }).rfind("Bf16Matrix::round: the weight at (1, 2) is ", 0),
            0u);
  const Bf16Matrix<float> q(Mat<float>::Ones(5, 4));
  Mat<float> y(5, 2);
  EXPECT_EQ(invalid_argument_message([&] { q.multiply(Mat<float>::Ones(3, 2), y); }),
            "Bf16Matrix::multiply: argument 'x' has shape 3x2, expected 4x2");
}
