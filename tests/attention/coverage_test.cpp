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

// The training term over a teacher-forced batch: two steps of a batch of
// two, step 1 of item 1 padding; J = lambda/N sum over counted columns, and
// its derivatives are lambda/N where coverage_loss puts 1.
TEST(CoverageTerm, AveragesCountedStepsAndWeighsByLambda) {
  Mat<double> a(3, 4), c(3, 4);  // column t*B + b
  a << 0.5, 0.2, 0.1, 0.9, 0.3, 0.8, 0.6, 0.05, 0.2, 7.0, 0.3, 0.05;
  c << 0.1, 0.4, 0.6, 0.2, 0.9, 0.8, 0.3, 1.6, 0.0, 9.0, 0.2, 0.2;
  const Lengths src_lengths{3, 2};
  const TokenIds tgt_out{5, 6, 7, 0};  // pad = 0: step 1 of item 1
  Mat<double> unit_da = Mat<double>::Zero(3, 4), unit_dc = Mat<double>::Zero(3, 4);
  const double sum = coverage_loss<double>(a, c, {3, 2, 3, 2}, {1.0, 1.0, 1.0, 0.0}, unit_da, unit_dc);
  const double lambda = 0.5;
  Mat<double> da, dc;
  const CoverageTerm term = coverage_term<double>(a, c, src_lengths, tgt_out, 0, 3, lambda, da, dc);
  EXPECT_NEAR(term.coverage, sum / 3, 1e-15);
  EXPECT_NEAR(term.loss, lambda * sum / 3, 1e-15);
  EXPECT_LE((da - lambda / 3 * unit_da).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_LE((dc - lambda / 3 * unit_dc).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_EQ(da.col(3), Vec<double>::Zero(3));  // padding gets no gradient

  // lambda = 0 reports the term, adds nothing and leaves no gradient
  const CoverageTerm off = coverage_term<double>(a, c, src_lengths, tgt_out, 0, 3, 0.0, da, dc);
  EXPECT_NEAR(off.coverage, sum / 3, 1e-15);
  EXPECT_EQ(off.loss, 0.0);
  EXPECT_EQ(da.size(), 0);
  EXPECT_EQ(dc.size(), 0);
  // no counted token: nothing, and no stale gradient from an earlier batch
  const CoverageTerm none = coverage_term<double>(a, c, src_lengths, tgt_out, 0, 0, lambda, da, dc);
  EXPECT_EQ(none.loss, 0.0);
  EXPECT_EQ(da.size(), 0);

  EXPECT_THROW(coverage_term<double>(a, c, src_lengths, tgt_out, 0, 3, -1.0, da, dc), std::invalid_argument);
  const Mat<double> short_c = c.leftCols(2);
  EXPECT_THROW(coverage_term<double>(a, short_c, src_lengths, tgt_out, 0, 3, lambda, da, dc), std::invalid_argument);
  EXPECT_THROW(coverage_term<double>(a, c, {3, 2, 1}, tgt_out, 0, 3, lambda, da, dc), std::invalid_argument);
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
  Attention<double>::Saved cache;
  Attention<double>::Workspace ws;
  // L = r . z + ra . a + re . e (valid rows only)
  auto loss = [&] {
    att.keys_forward(p, H, keys);
    att.forward(p, {H, keys, map}, {s, cov}, z, cache);
    double l = (r.array() * z.array()).sum() + (ra.array() * cache.a.array()).sum();
    for (Index b = 0; b < 4; ++b)
      for (Index j = 0; j < map.length[static_cast<std::size_t>(b)]; ++j) l += re(j, b) * cache.e(j, b);
    return l;
  };
  loss();
  Mat<double> dH = Mat<double>::Zero(K, H.cols()), dkeys = Mat<double>::Zero(A, H.cols()), ds = Mat<double>::Zero(S, 4),
              dcov = Mat<double>::Zero(Ts, 4), de_in = Mat<double>::Zero(Ts, 4);
  for (Index b = 0; b < 4; ++b) de_in.col(b).head(map.length[static_cast<std::size_t>(b)]) = re.col(b).head(map.length[static_cast<std::size_t>(b)]);
  att.backward(p, g, {H, keys, map}, {s, cov}, cache, {r, ra, de_in}, {dH, dkeys, ds, dcov}, ws);
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
