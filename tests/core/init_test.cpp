#include <gtest/gtest.h>

#include <genattn/core/init.hpp>

using namespace genattn;

namespace {
ParamLayout make_layout() {
  ParamLayout layout;
  layout.add("u", 5, 4, InitSpec::uniform(0.25));
  layout.add("g", 6, 10, InitSpec::glorot());
  layout.add("o", 4 * 8, 8, InitSpec::orthogonal());
  layout.add("wide", 3, 7, InitSpec::orthogonal());
  layout.add("b", 4 * 8, 1, InitSpec::lstm_bias(1.0));
  layout.add("n", 50, 40, InitSpec::normal(2.0));
  layout.add("z", 3, 3, InitSpec::zeros());
  return layout;
}
}  // namespace

TEST(Init, SameSeedSameModelDifferentSeedDifferentModel) {
  const ParamLayout layout = make_layout();
  ParamBuffer<double> a(layout), b(layout), c(layout);
  Rng ra(11), rb(11), rc(12);
  init_params(layout, a, ra);
  init_params(layout, b, rb);
  init_params(layout, c, rc);
  EXPECT_EQ(a.flat(), b.flat());
  EXPECT_NE(a.flat(), c.flat());
}

TEST(Init, EachKindHasItsShape) {
  const ParamLayout layout = make_layout();
  ParamBuffer<double> p(layout);
  Rng rng(5);
  init_params(layout, p, rng);
  const auto u = p[layout.find("u")->param];
  EXPECT_LE(u.cwiseAbs().maxCoeff(), 0.25);
  EXPECT_GT(u.cwiseAbs().maxCoeff(), 0.0);
  const auto g = p[layout.find("g")->param];
  EXPECT_LE(g.cwiseAbs().maxCoeff(), std::sqrt(6.0 / 16.0));
  // Orthogonal: each 8x8 gate block Q satisfies Q^T Q = I.
  const auto o = p[layout.find("o")->param];
  for (Index k = 0; k < 4; ++k) {
    const Mat<double> q = o.middleRows(k * 8, 8);
    EXPECT_LT((q.transpose() * q - Mat<double>::Identity(8, 8)).norm(), 1e-12) << "gate block " << k;
  }
  const auto w = p[layout.find("wide")->param];
  EXPECT_LT((w * w.transpose() - Mat<double>::Identity(3, 3)).norm(), 1e-12);
  const auto b = p[layout.find("b")->param];
  EXPECT_EQ(b.middleRows(8, 8), Mat<double>::Ones(8, 1));
  EXPECT_EQ(b.topRows(8).squaredNorm() + b.bottomRows(16).squaredNorm(), 0.0);
  const auto n = p[layout.find("n")->param];
  const double var = n.squaredNorm() / static_cast<double>(n.size());
  EXPECT_NEAR(var, 4.0, 0.4);
  EXPECT_EQ(p[layout.find("z")->param].squaredNorm(), 0.0);
}

TEST(Init, FloatMatchesDoubleRounded) {
  const ParamLayout layout = make_layout();
  ParamBuffer<double> d(layout);
  ParamBuffer<float> f(layout);
  Rng r1(9), r2(9);
  init_params(layout, d, r1);
  init_params(layout, f, r2);
  EXPECT_EQ(f.flat(), d.flat().cast<float>());
}

TEST(Init, RejectsAMismatchedBuffer) {
  const ParamLayout layout = make_layout();
  ParamLayout other;
  other.add("x", 2, 2);
  ParamBuffer<double> p(other);
  Rng rng(1);
  EXPECT_THROW(init_params(layout, p, rng), std::invalid_argument);
}
