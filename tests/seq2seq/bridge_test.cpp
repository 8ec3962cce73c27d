#include <gtest/gtest.h>

#include <genattn/seq2seq/bridge.hpp>
#include <genattn/core/init.hpp>

#include "support/gradcheck.hpp"

using namespace genattn;
using namespace genattn_test;

TEST(Bridge, GradientsDoubleForEveryParameterAndInput) {
  const Index K = 4, S = 3, B = 2, L = 2;
  ParamLayout layout;
  Bridge<double> bridge(layout, "bridge", K, S, L);
  ParamBuffer<double> p(layout), g(layout);
  Rng rng(2);
  init_params(layout, p, rng);
  for (const auto& s : layout.slots()) p[s.param].setRandom();
  Mat<double> h_in = Mat<double>::Random(K, B), c_in = Mat<double>::Random(K, B);
  std::vector<LstmState<double>> r;
  for (Index l = 0; l < L; ++l) r.push_back({Mat<double>::Random(S, B), Mat<double>::Random(S, B)});
  std::vector<LstmState<double>> out;
  Bridge<double>::Cache cache;
  auto loss = [&] {
    bridge.forward(p, h_in, c_in, out, cache);
    double s = 0;
    for (std::size_t l = 0; l < out.size(); ++l)
      s += (r[l].h.array() * out[l].h.array()).sum() + (r[l].c.array() * out[l].c.array()).sum();
    return s;
  };
  loss();
  Mat<double> dh = Mat<double>::Zero(K, B), dc = Mat<double>::Zero(K, B);
  bridge.backward(p, g, out, r, dh, dc, cache);
  auto vars = parameter_variables(layout, p, g);
  vars.push_back({"h_in", h_in.data(), dh.data(), h_in.size()});
  vars.push_back({"c_in", c_in.data(), dc.data(), c_in.size()});
  expect_gradients_match<double>(vars, loss, kDouble);
  EXPECT_LE(out[0].h.cwiseAbs().maxCoeff(), 1.0);  // tanh range
}
