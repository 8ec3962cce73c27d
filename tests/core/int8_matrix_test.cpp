#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <genattn/core/int8_matrix.hpp>

#include "support/errors.hpp"
#include "support/kernels.hpp"

using namespace genattn;
using genattn_test::for_each_int8_kernel;
using genattn_test::check_every_shape;
using genattn_test::expect_columns_independent;
using genattn_test::gaussian;
using genattn_test::invalid_argument_message;

// Over shapes with tails (tests/support/kernels.hpp: rows past a panel, K
// past a group of 4 and a vector), per row, the error against the float
// product is within what rounding the weights (half a step, s_i / 2) and the activations (t / 2) can cause:
//   |y_i - (A x)_i| <= s_i/2 ||x||_1 + t/2 ||A_i||_1 + K s_i t / 4  (+ float rounding)
// and, for these Gaussian operands, within 2% of ||A_i|| ||x||. Every
// kernel gives the same result bit for bit (the sums are exact in int32).
TEST(Int8Matrix, ErrorPerRowBoundedAndKernelsAgree) {
  const auto each_kernel = [](auto f) { for_each_int8_kernel(f); };
  check_every_shape<Int8Matrix<float>>(each_kernel, [](const Mat<float>& A, const Mat<float>& x, const Mat<float>& y,
                                                       const Mat<float>& first) {
    ASSERT_EQ(y, first);
    const Mat<double> want = A.cast<double>() * x.cast<double>();
    // each row's and column's scale, |.|_1 and |.|_2, once (not per entry)
    const Mat<double> Aabs = A.cwiseAbs().cast<double>(), xabs = x.cwiseAbs().cast<double>();
    const Vec<double> s = Aabs.rowwise().maxCoeff() / 127.0, row_l1 = Aabs.rowwise().sum(),
                      row_l2 = A.rowwise().norm().cast<double>();
    const Vec<double> t = xabs.colwise().maxCoeff().transpose() / 127.0, col_l1 = xabs.colwise().sum().transpose(),
                      col_l2 = x.colwise().norm().transpose().cast<double>();
    for (Index j = 0; j < y.cols(); ++j) {
      for (Index i = 0; i < y.rows(); ++i) {
        const double err = std::abs(static_cast<double>(y(i, j)) - want(i, j));
        const double bound = s(i) / 2 * col_l1(j) + t(j) / 2 * row_l1(i) + static_cast<double>(A.cols()) * s(i) * t(j) / 4;
        ASSERT_LE(err, bound * 1.001 + 1e-5) << "row " << i << " column " << j;
        ASSERT_LE(err, 0.02 * row_l2(i) * col_l2(j)) << "row " << i << " column " << j;
      }
    }
  });
}

// A column's result does not depend on the other columns, on strides, or on
// how threads split the panels.
TEST(Int8Matrix, BatchStrideAndThreadInvariant) {
  const Index M = 1000, K = 300;
  const Int8Matrix<float> packed(gaussian(M, K, 3));
  const Mat<float> x = gaussian(K, 9, 4);
  for_each_int8_kernel([&](Int8Kernel) { expect_columns_independent(packed, x); });
}

// Weights and activations at their extremes: every q and p is +-127, so each
// pair vpmaddubsw adds is +-32,258 (its largest) and every u8 operand of
// vpdpbusd 255 or 1. The sums are exact: y = K exactly when all agree.
TEST(Int8Matrix, SaturationIsExact) {
  const Index M = 70, K = 4099;
  Mat<float> A = Mat<float>::Constant(M, K, 3.f), x = Mat<float>::Constant(K, 3, 0.5f);
  A.row(1) *= -1.f;           // q = -127 everywhere
  x.col(1) *= -1.f;           // p = -127
  for (Index k = 0; k < K; k += 2) A(2, k) = -3.f, x(k, 2) = -0.5f;  // mixed signs
  const Int8Matrix<float> packed(A);
  const Mat<double> want = A.cast<double>() * x.cast<double>();
  for_each_int8_kernel([&](Int8Kernel) {
    Mat<float> y(M, 3);
    packed.multiply(x, y);
    for (Index j = 0; j < 3; ++j)
      for (Index i = 0; i < M; ++i) ASSERT_NEAR(y(i, j), want(i, j), 1e-6 * std::abs(want(i, j)) + 1e-6) << i << "," << j;
  });
}

// An all-zero row of the weights and an all-zero column of x give exactly 0;
// NaN or Inf in a column of x gives a column of NaN, and the other columns
// are unaffected.
TEST(Int8Matrix, ZerosAndNonFiniteActivations) {
  const Index M = 80, K = 33;
  Mat<float> A = gaussian(M, K, 5);
  A.row(3).setZero();
  A.row(70).setZero();
  Mat<float> x = gaussian(K, 5, 6);
  x.col(1).setZero();
  x(4, 2) = std::numeric_limits<float>::quiet_NaN();
  x(7, 3) = std::numeric_limits<float>::infinity();
  x(0, 4) = -std::numeric_limits<float>::infinity();
  const Int8Matrix<float> packed(A);
  Mat<float> clean = x;
  clean.col(2).setZero();
  clean.col(3).setZero();
  clean.col(4).setZero();
  for_each_int8_kernel([&](Int8Kernel) {
    Mat<float> y(M, 5), yc(M, 5);
    packed.multiply(x, y);
    packed.multiply(clean, yc);
    EXPECT_EQ(y.col(0), yc.col(0));
    EXPECT_TRUE((y.col(1).array() == 0.f).all());
    for (Index j = 2; j < 5; ++j) EXPECT_TRUE(y.col(j).array().isNaN().all()) << j;
    EXPECT_EQ(y(3, 0), 0.f);
    EXPECT_EQ(y(70, 0), 0.f);
    // accumulate: NaN replaces, finite columns add
    Mat<float> acc = Mat<float>::Ones(M, 5);
    packed.multiply(x, acc, true);
    EXPECT_EQ(acc.col(0), (yc.col(0).array() + 1.f).matrix());
    EXPECT_TRUE(acc.col(2).array().isNaN().all());
  });
}

TEST(Int8Matrix, QuantizationRoundTrips) {
  const Mat<float> A = gaussian(70, 21, 7);
  const auto w = Int8Matrix<float>::quantize(A);
  EXPECT_EQ(w.q.cwiseAbs().maxCoeff(), 127);
  for (Index i = 0; i < 70; ++i) EXPECT_FLOAT_EQ(w.scale(i), A.row(i).cwiseAbs().maxCoeff() / 127.f);
  const Mat<float> back = Int8Matrix<float>::dequantize(w);
  for (Index i = 0; i < 70; ++i)
    EXPECT_LE((back.row(i) - A.row(i)).cwiseAbs().maxCoeff(), w.scale(i) / 2 * 1.0001f) << i;
  const Int8Matrix<float> packed(A);
  const auto again = packed.quantized();
  EXPECT_EQ(again.q, w.q);
  EXPECT_EQ(again.scale, w.scale);
  Int8Matrix<float> from_q;
  from_q.pack(w);
  const Mat<float> x = gaussian(21, 3, 8);
  Mat<float> y1(70, 3), y2(70, 3);
  packed.multiply(x, y1);
  from_q.multiply(x, y2);
  EXPECT_EQ(y1, y2);
}

TEST(Int8Matrix, RefusesWhatItCannotHold) {
  Mat<float> A = Mat<float>::Ones(3, 4);
  A(1, 2) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(invalid_argument_message([&] { Int8Matrix<float>{A}; }),
            "Int8Matrix::quantize: row 1 of the weights holds NaN or Inf");
  Int8Matrix<float>::Quantized w;
  w.q = Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic>::Zero(2, 3);
  w.scale = Vec<float>::Ones(2);
  w.q(1, 0) = -128;
  Int8Matrix<float> p;
  EXPECT_EQ(invalid_argument_message([&] { p.pack(w); }),
            "Int8Matrix::pack: q(1, 0) = -128 is outside [-127, 127]");
  w.q.resize(1, Int8Matrix<float>::max_cols + 1);
  w.q.setZero();
  w.scale = Vec<float>::Ones(1);
  EXPECT_EQ(invalid_argument_message([&] { p.pack(w); }),
            "Int8Matrix::pack: K = 65537 is more than 65536 (the int32 sums could overflow)");
  const Int8Matrix<float> q(Mat<float>::Ones(5, 4));
  Mat<float> y(5, 2);
  EXPECT_EQ(invalid_argument_message([&] { q.multiply(Mat<float>::Ones(3, 2), y); }),
            "Int8Matrix::multiply: argument 'x' has shape 3x2, expected 4x2");
  Mat<float> y_bad(4, 2);
  EXPECT_EQ(invalid_argument_message([&] { q.multiply(Mat<float>::Ones(4, 2), y_bad); }),
            "Int8Matrix::multiply: argument 'y' has shape 4x2, expected 5x2");
}

TEST(Int8Matrix, DoubleWeights) {
  const Mat<double> A = gaussian(67, 45, 9).cast<double>(), x = gaussian(45, 2, 10).cast<double>();
  const Int8Matrix<double> packed(A);
  const Mat<double> want = Int8Matrix<double>::dequantize(Int8Matrix<double>::quantize(A)) * x;
  for_each_int8_kernel([&](Int8Kernel) {
    Mat<double> y(67, 2);
    packed.multiply(x, y);
    // only the activations' rounding remains: t/2 ||A_i||_1 per row
    for (Index j = 0; j < 2; ++j)
      for (Index i = 0; i < 67; ++i)
        ASSERT_LE(std::abs(y(i, j) - want(i, j)),
                  x.col(j).cwiseAbs().maxCoeff() / 254 * A.row(i).cwiseAbs().sum() * 1.0001);
  });
}
