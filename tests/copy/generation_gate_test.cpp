#include <gtest/gtest.h>

#include <genattn/copy/generation_gate.hpp>
#include <genattn/core/init.hpp>

#include "support/gradcheck.hpp"

using namespace genattn;
using namespace genattn_test;

TEST(GenerationGate, ForwardIsTheThreeDotProductsPlusBias) {
  ParamLayout layout;
  GenerationGate<double> gate(layout, "copy", 3, 2, 4);
  ParamBuffer<double> p(layout);
  for (const auto& s : layout.slots()) p[s.param].setRandom();
  const Mat<double> sz = Mat<double>::Random(5, 3), x = Mat<double>::Random(4, 3);
  Mat<double> g;
  gate.forward(p, sz, x, g);
  for (Index n = 0; n < 3; ++n) {
    const double expected = p[layout.find("copy.w_s")->param].col(0).dot(sz.col(n).head(3)) +
                            p[layout.find("copy.w_z")->param].col(0).dot(sz.col(n).tail(2)) +
                            p[layout.find("copy.w_x")->param].col(0).dot(x.col(n)) +
                            p[layout.find("copy.b")->param](0, 0);
    EXPECT_NEAR(g(0, n), expected, 1e-14);
  }
  EXPECT_THROW(gate.forward(p, Mat<double>::Zero(4, 3), x, g), std::invalid_argument);
}

TEST(GenerationGate, Gradient) {
  ParamLayout layout;
  GenerationGate<double> gate(layout, "copy", 3, 2, 4);
  ParamBuffer<double> p(layout), grads(layout);
  for (const auto& s : layout.slots()) p[s.param].setRandom();
  Mat<double> sz = Mat<double>::Random(5, 3), x = Mat<double>::Random(4, 3);
  const Mat<double> r = Mat<double>::Random(1, 3);
  Mat<double> g;
  auto loss = [&] {
    gate.forward(p, sz, x, g);
    return (g.array() * r.array()).sum();
  };
  loss();
  Mat<double> dsz = Mat<double>::Zero(5, 3), dx = Mat<double>::Zero(4, 3);
  gate.backward(p, grads, sz, x, r, dsz, dx);
  auto vars = parameter_variables(layout, p, grads);
  vars.push_back({"sz", sz.data(), dsz.data(), sz.size()});
  vars.push_back({"x", x.data(), dx.data(), x.size()});
  expect_gradients_match<double>(vars, loss, kDouble);
}
