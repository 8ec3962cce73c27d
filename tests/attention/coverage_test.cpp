#include <gtest/gtest.h>

#include <genattn/attention/attention.hpp>
#include <genattn/attention/coverage.hpp>

#include "support/batch.hpp"
#include "support/gradcheck.hpp"

using namespace genattn;
using namespace genattn_test;

TEST(CoverageLoss, SumsTheSmallerOfAlignmentAndCoverage) {
  Mat<double> a(3, 2), c(3, 2);
  a << 0.5, 0.2, 0.3, 0.8, 0.2, 7.0;  // row 2 of column 1 is padding (n = 2)
  c << 0.1, 0.4, 0.9, 0.8, 0.0, 9.0;
  Mat<double> da = Mat<double>::Zero(3, 2), dc = Mat<double>::Zero(3, 2);
  const double v = coverage_loss<double>(a, c, {3, 2}, {1.0, 2.0}, da, dc);
  EXPECT_NEAR(v, (0.1 + 0.3 + 0.0) + 2 * (0.2 + 0.8), 1e-15);
  // the gradient goes to the smaller one; a tie (0.8, 0.8) splits it
  Mat<double> da_expected(3, 2), dc_expected(3, 2);
  da_expected << 0, 2, 1, 1, 0, 0;
  dc_expected << 1, 0, 0, 1, 1, 0;
  EXPECT_EQ(da, da_expected);
  EXPECT_EQ(dc, dc_expected);
  // a zero weight skips the column
  Mat<double> none;
  EXPECT_NEAR(coverage_loss<double>(a, c, {3, 2}, {0.0, 1.0}, none, none), 1.0, 1e-15);
}

// The additive score with coverage, e_j = v . tanh(W_h h_j + W_s s + w_c c_j + b):
// gradients of every parameter, the memory, the query and the coverage, with
// outside gradients on the alignment (da_in) and the scores (de_in).
TEST(CoverageAttention, GradientOfScoreWithCoverage) {
  const Index K = 4, S = 3, A = 3, Ts = 4;
  const Lengths lengths{4, 2, 3};
  ParamLayout layout;
  Attention<double> att(layout, "att", AttentionConfig{AttentionKind::additive, K, S, A, true});
  ASSERT_NE(layout.find("att.w_c"), nullptr);
  ParamBuffer<double> p(layout), g(layout);
  for (const auto& slot : layout.slots()) p[slot.param].setRandom();
  const SourceMap map = SourceMap::identity(lengths, Ts).select({2, 0, 1, 0});
  Mat<double> H = random_padded_batch<double>(K, lengths, Ts);
  Mat<double> s = Mat<double>::Random(S, 4), cov = Mat<double>::Random(Ts, 4).cwiseAbs();
  const Mat<double> r = Mat<double>::Random(K, 4), ra = Mat<double>::Random(Ts, 4), re = Mat<double>::Random(Ts, 4);
  Mat<double> keys, z(K, 4);
  Attention<double>::StepCache cache;
  // L = r . z + ra . a + re . e (valid rows only)
  auto loss = [&] {
    att.keys_forward(p, H, keys);
    att.forward(p, H, keys, map, s, cov, z, cache);
    double l = (r.array() * z.array()).sum() + (ra.array() * cache.a.array()).sum();
    for (Index b = 0; b < 4; ++b)
      for (Index j = 0; j < map.length[static_cast<std::size_t>(b)]; ++j) l += re(j, b) * cache.e(j, b);
    return l;
  };
  loss();
  Mat<double> dH = Mat<double>::Zero(K, H.cols()), dkeys = Mat<double>::Zero(A, H.cols()), ds = Mat<double>::Zero(S, 4),
              dcov = Mat<double>::Zero(Ts, 4), de_in = Mat<double>::Zero(Ts, 4);
  for (Index b = 0; b < 4; ++b) de_in.col(b).head(map.length[static_cast<std::size_t>(b)]) = re.col(b).head(map.length[static_cast<std::size_t>(b)]);
  att.backward(p, g, H, keys, map, s, cov, cache, r, ra, de_in, dH, dkeys, ds, dcov);
  att.keys_backward(p, g, H, dkeys, dH);
  auto vars = parameter_variables(layout, p, g);
  vars.push_back({"H", H.data(), dH.data(), H.size()});
  vars.push_back({"s", s.data(), ds.data(), s.size()});
  vars.push_back({"coverage", cov.data(), dcov.data(), cov.size()});
  expect_gradients_match<double>(vars, loss, kDouble);
}

TEST(CoverageAttention, NeedsTheAdditiveScore) {
  ParamLayout layout;
  EXPECT_THROW(Attention<double>(layout, "att", AttentionConfig{AttentionKind::dot, 4, 4, 0, true}),
               std::invalid_argument);
}
