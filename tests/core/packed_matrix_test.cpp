#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include <genattn/core/packed_matrix.hpp>

#include "support/errors.hpp"

using namespace genattn;
using genattn_test::invalid_argument_message;

namespace {

template <class T>
Mat<T> random(Index r, Index c, unsigned seed) {
  std::srand(seed);
  return Mat<T>::Random(r, c);
}

// Every shape class the kernel distinguishes: rows below, at and past a panel,
// a last panel of one, two or three packets, full or not; columns below, at
// and past a register tile; strided operands.
template <class T>
void check_against_eigen(T tol) {
  using P = PackedMatrix<T>;
  constexpr Index L = P::MR / 3;
  for (const Index M : {Index{1}, L, L + 3, 2 * L, P::MR - 1, P::MR, P::MR + 1, P::MR + 2 * L, 3 * P::MR + 5})
    for (const Index K : {Index{1}, Index{7}, Index{64}})
      for (const Index N : {Index{1}, Index{3}, P::NR, P::NR + 1, 2 * P::NR + 3}) {
        const Mat<T> A = random<T>(M, K, 1), x = random<T>(K, N, 2);
        const Mat<T> want = A * x;
        P packed(A);
        Mat<T> y = Mat<T>::Constant(M, N, T(7));
        packed.multiply(x, y);
        ASSERT_LE((y - want).cwiseAbs().maxCoeff(), tol * static_cast<T>(K)) << M << "x" << K << " times " << N;
        // y += A x
        Mat<T> acc = Mat<T>::Constant(M, N, T(0.5));
        packed.multiply(x, acc, true);
        ASSERT_LE((acc - (want.array() + T(0.5)).matrix()).cwiseAbs().maxCoeff(), tol * static_cast<T>(K));
        // blocks of larger matrices (outer strides differ from the rows)
        Mat<T> xbig = Mat<T>::Zero(K + 3, N + 2), ybig = Mat<T>::Constant(M + 4, N + 2, T(9));
        xbig.block(2, 1, K, N) = x;
        packed.multiply(xbig.block(2, 1, K, N), ybig.block(1, 1, M, N));
        ASSERT_LE((ybig.block(1, 1, M, N) - want).cwiseAbs().maxCoeff(), tol * static_cast<T>(K));
        EXPECT_EQ(ybig(0, 1), T(9));      // rows around the block untouched
        EXPECT_EQ(ybig(M + 1, 1), T(9));
        EXPECT_EQ(ybig(1, 0), T(9));
      }
}

}  // namespace

TEST(PackedMatrix, MatchesEigenDouble) { check_against_eigen<double>(1e-15); }
TEST(PackedMatrix, MatchesEigenFloat) { check_against_eigen<float>(1e-6f); }

// A column's result does not depend on which other columns share the product
// (the batch) or on how panels are split among threads: bit for bit.
TEST(PackedMatrix, BatchAndSplitInvariant) {
  using P = PackedMatrix<float>;
  const Index M = 5 * P::MR + 3, K = 300, N = 2 * P::NR + 5;
  const Mat<float> A = random<float>(M, K, 3), x = random<float>(K, N, 4);
  P packed(A);
  Mat<float> all(M, N);
  packed.multiply(x, all);
  for (Index j = 0; j < N; ++j) {
    Mat<float> one(M, 1);
    packed.multiply(x.col(j), one);
    for (Index i = 0; i < M; ++i) ASSERT_EQ(one(i, 0), all(i, j)) << i << "," << j;
  }
  Mat<float> split(M, N);
  packed.multiply_panels(x, split, false, 0, 2);
  packed.multiply_panels(x, split, false, 2, packed.panels());
  EXPECT_EQ(split, all);
}

TEST(PackedMatrix, PackTransposeEqualsPackOfTranspose) {
  const Mat<double> A = random<double>(70, 53, 5), x = random<double>(70, 6, 6);
  PackedMatrix<double> t, ref;
  t.pack_transpose(A);
  ref.pack(A.transpose());
  EXPECT_EQ(t.rows(), 53);
  EXPECT_EQ(t.cols(), 70);
  Mat<double> y1(53, 6), y2(53, 6);
  t.multiply(x, y1);
  ref.multiply(x, y2);
  EXPECT_EQ(y1, y2);
  EXPECT_LE((y1 - A.transpose() * x).cwiseAbs().maxCoeff(), 1e-13);
}

// Repacking a matrix of another size reuses or grows the storage correctly.
TEST(PackedMatrix, Repack) {
  PackedMatrix<float> p(random<float>(200, 30, 7));
  const Mat<float> B = random<float>(20, 10, 8), x = random<float>(10, 3, 9);
  p.pack(B);
  Mat<float> y(20, 3);
  p.multiply(x, y);
  EXPECT_LE((y - B * x).cwiseAbs().maxCoeff(), 1e-5f);
}

TEST(PackedMatrix, WrongShapesNameTheArgument) {
  PackedMatrix<float> p(Mat<float>::Ones(4, 3));
  Mat<float> x(5, 2), y(4, 2), x2(3, 2), y2(4, 3);
  EXPECT_EQ(invalid_argument_message([&] { p.multiply(x, y); }),
            "PackedMatrix::multiply: argument 'x' has shape 5x2, expected 3x2");
  EXPECT_EQ(invalid_argument_message([&] { p.multiply(x2, y2); }),
            "PackedMatrix::multiply: argument 'y' has shape 4x3, expected 4x2");
  EXPECT_EQ(invalid_argument_message([&] { p.pack(Mat<float>::Ones(4, 3), Mat<float>::Ones(5, 2)); }),
            "PackedMatrix::pack: argument 'B' has shape 5x2, expected 4 rows (as A)");
}
