#include <gtest/gtest.h>

#include "support/scalars.hpp"

#include <genattn/rnn/lstm_cell.hpp>
#include <genattn/core/init.hpp>

#include "support/fixture.hpp"
#include "support/gradcheck.hpp"

using namespace genattn;
using namespace genattn_test;

GENATTN_SCALAR_TEST_SUITE(LstmCellTyped);

TYPED_TEST(LstmCellTyped, MatchesTorchLstmCell) {
  using T = TypeParam;
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-10;
  const Fixture f("rnn/lstm_cell_torch.txt");
  ParamLayout layout;
  LstmCell<T> cell(layout, "cell", 3, 5);
  ParamBuffer<T> p(layout), g(layout);
  p[cell.params().W_x] = f.mat<T>("W_x");
  p[cell.params().W_h] = f.mat<T>("W_h");
  p[cell.params().b] = f.mat<T>("b");
  const Mat<T> x = f.mat<T>("x"), h0 = f.mat<T>("h0"), c0 = f.mat<T>("c0");
  Mat<T> h(5, 2), c(5, 2);
  typename LstmCell<T>::Saved saved;
  typename LstmCell<T>::Workspace ws;
  cell.forward(p, {x, h0, c0, h, c}, saved, ws);
  EXPECT_LE(relative_difference(h, f.mat("h")), tol);
  EXPECT_LE(relative_difference(c, f.mat("c")), tol);
  Mat<T> dx = Mat<T>::Zero(3, 2), dh0 = Mat<T>::Zero(5, 2), dc0 = Mat<T>::Zero(5, 2);
  const Mat<T> dh = f.mat<T>("dh"), dc = f.mat<T>("dc");
  cell.backward(p, g, x, saved, {dh, dc, dx, dh0, dc0}, ws);
  EXPECT_LE(relative_difference(g[cell.params().W_x], f.mat("grad.W_x")), tol);
  EXPECT_LE(relative_difference(g[cell.params().W_h], f.mat("grad.W_h")), tol);
  EXPECT_LE(relative_difference(g[cell.params().b], f.mat("grad.b")), tol);
  EXPECT_LE(relative_difference(dx, f.mat("grad.x")), tol);
  EXPECT_LE(relative_difference(dh0, f.mat("grad.h0")), tol);
  EXPECT_LE(relative_difference(dc0, f.mat("grad.c0")), tol);
}

TYPED_TEST(LstmCellTyped, GradientsOfEveryParameterAndInput) {
  using T = TypeParam;
  const GradTolerance tol = std::is_same_v<T, float> ? kFloat : kDouble;
  const Index In = 3, H = 4, B = 2;
  ParamLayout layout;
  LstmCell<T> cell(layout, "cell", In, H);
  ParamBuffer<T> p(layout), g(layout);
  Rng rng(8);
  init_params(layout, p, rng);
  p[cell.params().b].setRandom();
  Mat<T> x = Mat<T>::Random(In, B), h0 = Mat<T>::Random(H, B), c0 = Mat<T>::Random(H, B);
  const Mat<T> rh = Mat<T>::Random(H, B), rc = Mat<T>::Random(H, B);
  Mat<T> h(H, B), c(H, B);
  typename LstmCell<T>::Saved saved;
  typename LstmCell<T>::Workspace ws;
  auto loss = [&] {
    cell.forward(p, {x, h0, c0, h, c}, saved, ws);
    return static_cast<double>((rh.array() * h.array()).sum() + (rc.array() * c.array()).sum());
  };
  loss();
  Mat<T> dx = Mat<T>::Zero(In, B), dh0 = Mat<T>::Zero(H, B), dc0 = Mat<T>::Zero(H, B);
  cell.backward(p, g, x, saved, {rh, rc, dx, dh0, dc0}, ws);
  auto vars = parameter_variables(layout, p, g);
  vars.push_back({"x", x.data(), dx.data(), x.size()});
  vars.push_back({"h_prev", h0.data(), dh0.data(), h0.size()});
  vars.push_back({"c_prev", c0.data(), dc0.data(), c0.size()});
  expect_gradients_match<T>(vars, loss, tol);
}

TEST(LstmCell, WrongShapesNameTheArgument) {
  ParamLayout layout;
  LstmCell<double> cell(layout, "cell", 3, 4);
  ParamBuffer<double> p(layout);
  LstmCell<double>::Saved saved;
  LstmCell<double>::Workspace ws;
  Mat<double> x(3, 2), bad_x(2, 2), s(4, 2), bad_s(4, 3), h(4, 2), c(4, 2);
  try {
    cell.forward(p, {bad_x, s, s, h, c}, saved, ws);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "LstmCell::forward: argument 'x' has shape 2x2, expected 3x2");
  }
  try {
    cell.forward(p, {x, s, bad_s, h, c}, saved, ws);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "LstmCell::forward: argument 'c_prev' has shape 4x3, expected 4x2");
  }
  EXPECT_THROW(LstmCell<double>(layout, "zero", 3, 0), std::invalid_argument);
}

// The packed products (WeightProduct of pack() forward, of pack_transpose()
// backward) give what Eigen's give, up to rounding; on 2 threads the same
// bits as on one; and a pack of another cell's weights is refused.
TYPED_TEST(LstmCellTyped, PackedProductsMatchEigensAndCheckTheirShape) {
  using T = TypeParam;
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
  const Index In = 7, H = 9, B = 5;
  ParamLayout layout;
  LstmCell<T> cell(layout, "cell", In, H), other(layout, "other", In + 1, H);
  ParamBuffer<T> p(layout);
  Rng rng(3);
  init_params(layout, p, rng);
  const Mat<T> x = Mat<T>::Random(In, B), h0 = Mat<T>::Random(H, B), c0 = Mat<T>::Random(H, B);
  const Mat<T> dh = Mat<T>::Random(H, B), dc = Mat<T>::Random(H, B);
  typename LstmCell<T>::Packed forward_pack, backward_pack, wrong;
  cell.pack(p, forward_pack);
  cell.pack_transpose(p, backward_pack);
  other.pack(p, wrong);
  struct Result {
    Mat<T> h, c, dx, dh0, dc0, dW_x;
  };
  auto run = [&](const WeightProduct<T>& fw, const WeightProduct<T>& bw) {
    Result r{Mat<T>(H, B), Mat<T>(H, B), Mat<T>::Zero(In, B), Mat<T>::Zero(H, B), Mat<T>::Zero(H, B), {}};
    ParamBuffer<T> g(layout);
    typename LstmCell<T>::Saved saved;
    typename LstmCell<T>::Workspace ws;
    cell.forward(p, {x, h0, c0, r.h, r.c}, saved, ws, fw);
    cell.backward(p, g, x, saved, {dh, dc, r.dx, r.dh0, r.dc0}, ws, bw);
    r.dW_x = g[cell.params().W_x];
    return r;
  };
  const Result eigen = run({}, {});
  const Result packed = run(WeightProduct<T>(forward_pack.W), WeightProduct<T>(backward_pack.W));
  const Result threaded = run(WeightProduct<T>(forward_pack.W, 2), WeightProduct<T>(backward_pack.W, 2));
  EXPECT_TRUE(WeightProduct<T>(forward_pack.W).packed());
  EXPECT_LE(relative_difference(packed.h, eigen.h), tol);
  EXPECT_LE(relative_difference(packed.c, eigen.c), tol);
  EXPECT_LE(relative_difference(packed.dx, eigen.dx), tol);
  EXPECT_LE(relative_difference(packed.dh0, eigen.dh0), tol);
  EXPECT_LE(relative_difference(packed.dc0, eigen.dc0), tol);
  EXPECT_LE(relative_difference(packed.dW_x, eigen.dW_x), tol);
  EXPECT_EQ(threaded.h, packed.h);
  EXPECT_EQ(threaded.dx, packed.dx);
  Mat<T> h(H, B), c(H, B);
  typename LstmCell<T>::Saved saved;
  typename LstmCell<T>::Workspace ws;
  try {
    cell.forward(p, {x, h0, c0, h, c}, saved, ws, WeightProduct<T>(wrong.W));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "WeightProduct: the packed weights are 36x17, the product needs 36x16: they were packed from other "
                 "weights");
  }
}
