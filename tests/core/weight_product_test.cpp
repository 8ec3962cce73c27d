#include <gtest/gtest.h>

#include <stdexcept>

#include <genattn/core/weight_product.hpp>

#include "support/errors.hpp"
#include "support/scalars.hpp"

using namespace genattn;
using genattn_test::invalid_argument_message;

namespace {

GENATTN_SCALAR_TEST_SUITE(WeightProductTyped);

// The three products give Eigen's results whether packed or not: y = W x
// and y += W x; [A B] [x; h]; and B^T d, A^T d added in (the first skipped
// when dx is empty). Packed, they equal Eigen's up to rounding only.
TYPED_TEST(WeightProductTyped, PackedAndEigenProductsAgree) {
  using T = TypeParam;
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
  std::srand(5);
  const Mat<T> W = Mat<T>::Random(37, 11), x = Mat<T>::Random(11, 6), y0 = Mat<T>::Random(37, 6);
  const PackedMatrix<T> packed(W);
  Mat<T> eigen = y0, fast = y0;
  WeightProduct<T>().apply(W, x, eigen, true);
  WeightProduct<T>(packed, 2).apply(W, x, fast, true);
  EXPECT_LE((eigen - (y0 + W * x)).norm(), tol * eigen.norm());
  EXPECT_LE((fast - eigen).norm(), tol * eigen.norm());
  WeightProduct<T>(packed).apply(W, x, fast);
  EXPECT_LE((fast - W * x).norm(), tol * fast.norm());

  const Mat<T> A = Mat<T>::Random(20, 5), B = Mat<T>::Random(20, 7), a = Mat<T>::Random(5, 3),
               h = Mat<T>::Random(7, 3), d = Mat<T>::Random(20, 3);
  PackedMatrix<T> stacked, transposed;
  stacked.pack(A, B);
  transposed.pack_transpose(A, B);
  Mat<T> ws, g_eigen(20, 3), g_fast(20, 3);
  WeightProduct<T>().apply_stacked(A, a, B, h, g_eigen, ws);
  WeightProduct<T>(stacked).apply_stacked(A, a, B, h, g_fast, ws);
  const Mat<T> g_ref = A * a + B * h;
  EXPECT_LE((g_eigen - g_ref).norm(), tol * g_ref.norm());
  EXPECT_LE((g_fast - g_ref).norm(), tol * g_ref.norm());
  Mat<T> dx = Mat<T>::Ones(5, 3), dh = Mat<T>::Ones(7, 3), dx2 = dx, dh2 = dh, dh3 = dh;
  WeightProduct<T>().apply_transposed_stacked(A, B, d, dx, dh, ws);
  WeightProduct<T>(transposed).apply_transposed_stacked(A, B, d, dx2, dh2, ws);
  const Mat<T> dx_ref = Mat<T>::Ones(5, 3) + A.transpose() * d, dh_ref = Mat<T>::Ones(7, 3) + B.transpose() * d;
  EXPECT_LE((dx - dx_ref).norm(), tol * dx_ref.norm());
  EXPECT_LE((dh - dh_ref).norm(), tol * dh_ref.norm());
  EXPECT_LE((dx2 - dx_ref).norm(), tol * dx_ref.norm());
  EXPECT_LE((dh2 - dh_ref).norm(), tol * dh_ref.norm());
  Mat<T> none;
  WeightProduct<T>(transposed).apply_transposed_stacked(A, B, d, none, dh3, ws);  // dx skipped
  EXPECT_EQ(dh3, dh2);
}

// An empty pack (a weight the model does not pack) means Eigen's product; a
// pack of other weights is refused with both shapes.
TEST(WeightProduct, EmptyPackIsEigensAndAForeignPackIsRefused) {
  const PackedMatrix<double> empty;
  EXPECT_FALSE(WeightProduct<double>(empty).packed());
  EXPECT_FALSE(WeightProduct<double>().packed());
  const Mat<double> W = Mat<double>::Random(4, 3), x = Mat<double>::Random(3, 2);
  Mat<double> y(4, 2);
  WeightProduct<double>(empty).apply(W, x, y);
  EXPECT_EQ(y, Mat<double>(W * x));
  const PackedMatrix<double> other(Mat<double>::Random(4, 5));
  EXPECT_TRUE(WeightProduct<double>(other).packed());
  EXPECT_EQ(invalid_argument_message([&] { WeightProduct<double>(other).apply(W, x, y); }),
            "WeightProduct: the packed weights are 4x5, the product needs 4x3: they were packed from other weights");
}

}  // namespace
