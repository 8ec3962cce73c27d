#include <gtest/gtest.h>

#include <genattn/core/linear.hpp>
#include <genattn/core/init.hpp>

#include "support/gradcheck.hpp"

using namespace genattn;
using namespace genattn_test;

namespace {
template <class T>
void check_linear_gradients(bool bias, const GradTolerance& tol) {
  ParamLayout layout;
  Linear<T> lin(layout, "lin", 4, 3, bias);
  ParamBuffer<T> p(layout), g(layout);
  Rng rng(3);
  init_params(layout, p, rng);
  if (bias) p[lin.bias()].setRandom();
  Mat<T> x = Mat<T>::Random(4, 5), r = Mat<T>::Random(3, 5), y(3, 5), dx = Mat<T>::Zero(4, 5);
  auto loss = [&] {
    lin.forward(p, x, y);
    return static_cast<double>((r.array() * y.array()).sum());
  };
  loss();
  lin.backward(p, g, x, r, dx);
  auto vars = parameter_variables(layout, p, g);
  vars.push_back({"x", x.data(), dx.data(), x.size()});
  expect_gradients_match<T>(vars, loss, tol);
}
}  // namespace

TEST(Linear, ForwardIsAffine) {
  ParamLayout layout;
  Linear<double> lin(layout, "lin", 2, 2);
  ParamBuffer<double> p(layout);
  p[lin.weight()] << 1, 2, 3, 4;
  p[lin.bias()] << 10, 20;
  Mat<double> x(2, 1), y(2, 1);
  x << 1, -1;
  lin.forward(p, x, y);
  EXPECT_EQ(y(0, 0), 1 - 2 + 10);
  EXPECT_EQ(y(1, 0), 3 - 4 + 20);
}

TEST(Linear, GradientsDouble) { check_linear_gradients<double>(true, kDouble); }
TEST(Linear, GradientsDoubleNoBias) { check_linear_gradients<double>(false, kDouble); }
TEST(Linear, GradientsFloat) { check_linear_gradients<float>(true, kFloat); }

TEST(Linear, BackwardAddsIntoGradients) {
  ParamLayout layout;
  Linear<double> lin(layout, "lin", 3, 2);
  ParamBuffer<double> p(layout), g1(layout), g2(layout);
  Rng rng(1);
  init_params(layout, p, rng);
  const Mat<double> x = Mat<double>::Random(3, 4), dy = Mat<double>::Random(2, 4);
  Mat<double> dx1 = Mat<double>::Zero(3, 4), dx2 = Mat<double>::Zero(3, 4), none;
  lin.backward(p, g1, x, dy, dx1);
  lin.backward(p, g2, x, dy, dx2);
  lin.backward(p, g2, x, dy, dx2);
  EXPECT_LT((g2.flat() - 2 * g1.flat()).norm(), 1e-12);
  EXPECT_LT((dx2 - 2 * dx1).norm(), 1e-12);
  lin.backward(p, g1, x, dy, none);  // dx may be skipped
}

TEST(Linear, WrongShapesNameTheArgument) {
  ParamLayout layout;
  Linear<float> lin(layout, "lin", 3, 2);
  ParamBuffer<float> p(layout), g(layout);
  Mat<float> x(4, 5), y(2, 5), y_bad(3, 5), x_ok(3, 5), dy_bad(2, 4), dx;
  try {
    lin.forward(p, x, y);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Linear::forward: argument 'x' has shape 4x5, expected 3x5");
  }
  try {
    lin.forward(p, x_ok, y_bad);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Linear::forward: argument 'y' has shape 3x5, expected 2x5");
  }
  try {
    lin.backward(p, g, x_ok, dy_bad, dx);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Linear::backward: argument 'dy' has shape 2x4, expected 2x5");
  }
  EXPECT_THROW(Linear<float>(layout, "zero", 0, 2), std::invalid_argument);
}
