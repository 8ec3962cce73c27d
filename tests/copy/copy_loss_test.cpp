#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <genattn/copy/copy_loss.hpp>

#include "support/gradcheck.hpp"

using namespace genattn;
using namespace genattn_test;

namespace {

// Two queries over a source batch of two items (lengths 4 and 2), two steps:
// column n = t * 2 + b. Source 0 holds OOV word 9 twice, source 1 OOV words 9
// and 10 (each source numbers its own), V = 9, extra = 2.
struct CopyCase {
  Index V = 9, extra = 2, Ts = 4;
  SourceMap map = SourceMap::identity({4, 2}, 4);
  // memory layout: column j * 2 + b
  TokenIds src_ext{5, 9, /*j=1*/ 9, 10, /*j=2*/ 6, 0, /*j=3*/ 9, 0};
  // step 0: copy 9 (b0), generate 7 (b1); step 1: 5 in source and vocab (b0), padding (b1)
  TokenIds targets{9, 7, 5, 0};
  Mat<double> logits = Mat<double>::Random(9, 4), gate = Mat<double>::Random(1, 4), scores = Mat<double>::Random(4, 4);
};

double copy_loss(const CopyCase& c, const Mat<double>& logits, const Mat<double>& gate, const Mat<double>& scores,
                 const TokenIds& targets) {
  return copy_cross_entropy<double>({logits, gate, scores}, {c.map, c.src_ext, c.extra}, targets, SpecialIds{}).loss;
}

}  // namespace

// -log P(y) by the definition, P = p_gen P_vocab + (1 - p_gen) sum_{j: x_j = y} a_j, in plain arithmetic.
TEST(CopyLoss, EqualsTheDefinition) {
  CopyCase c;
  double expected = 0;
  int counted = 0;
  for (Index n = 0; n < 4; ++n) {
    const TokenId y = c.targets[static_cast<std::size_t>(n)];
    if (y == 0) continue;
    const Index b = n % 2, len = c.map.length[static_cast<std::size_t>(b)];
    const double p_gen = 1 / (1 + std::exp(-c.gate(0, n)));
    const Vec<double> pv = c.logits.col(n).array().exp() / c.logits.col(n).array().exp().sum();
    const Vec<double> a = c.scores.col(n).head(len).array().exp() / c.scores.col(n).head(len).array().exp().sum();
    double P = y < c.V ? p_gen * pv[y] : 0.0;
    for (Index j = 0; j < len; ++j)
      if (c.src_ext[static_cast<std::size_t>(c.map.column(j, b))] == y) P += (1 - p_gen) * a[j];
    expected -= std::log(P);
    ++counted;
  }
  expected /= counted;
  EXPECT_NEAR(copy_loss(c, c.logits, c.gate, c.scores, c.targets), expected, 1e-13);
}

TEST(CopyLoss, GradientsOfLogitsGateAndScores) {
  CopyCase c;
  Mat<double> dlogits, dgate, dscores;
  copy_cross_entropy<double>({c.logits, c.gate, c.scores}, {c.map, c.src_ext, c.extra}, c.targets, SpecialIds{}, {&dlogits, &dgate, &dscores});
  auto loss = [&] { return copy_loss(c, c.logits, c.gate, c.scores, c.targets); };
  // padding rows of the scores must get no gradient (and must not matter)
  EXPECT_EQ(dscores.col(1).tail(2).norm(), 0.0);
  EXPECT_EQ(dscores.col(3).norm(), 0.0);
  expect_gradients_match<double>({{"logits", c.logits.data(), dlogits.data(), c.logits.size()},
                                  {"gate", c.gate.data(), dgate.data(), c.gate.size()},
                                  {"scores", c.scores.data(), dscores.data(), c.scores.size()}},
                                 loss, kDouble);
}

// A target no one can produce: an extended id its own source lacks (10 is
// source 1's word, not source 0's). It is scored as <unk>: finite, and equal
// to the loss with <unk> written out.
TEST(CopyLoss, TargetNeitherVocabularyNorSourceHoldsIsUnknown) {
  CopyCase c;
  TokenIds odd = c.targets, unk = c.targets;
  odd[0] = 10;
  unk[0] = SpecialIds{}.unk;
  const double l = copy_loss(c, c.logits, c.gate, c.scores, odd);
  EXPECT_TRUE(std::isfinite(l));
  EXPECT_EQ(l, copy_loss(c, c.logits, c.gate, c.scores, unk));
  Mat<double> dlogits, dgate, dscores;
  copy_cross_entropy<double>({c.logits, c.gate, c.scores}, {c.map, c.src_ext, c.extra}, odd, SpecialIds{}, {&dlogits, &dgate, &dscores});
  EXPECT_TRUE(dlogits.allFinite() && dgate.allFinite() && dscores.allFinite());
}

// p_gen saturated at 1 (g = +800) with a target only copying can give, and at
// 0 (g = -800) with a target only the vocabulary gives: P is e^-800 in both,
// below any double, yet the loss is exactly 800 + (the other factor's -log).
TEST(CopyLoss, SaturatedGateKeepsLossAndGradientsFinite) {
  for (const double g : {800.0, -800.0}) {
    CopyCase c;
    c.gate.setConstant(g);
    const TokenIds targets = g > 0 ? TokenIds{9, 10, 9, 0} : TokenIds{7, 7, 7, 0};
    Mat<double> dlogits, dgate, dscores;
    const LossValue v = copy_cross_entropy<double>({c.logits, c.gate, c.scores}, {c.map, c.src_ext, c.extra}, targets, SpecialIds{}, {&dlogits, &dgate, &dscores});
    EXPECT_TRUE(std::isfinite(v.loss)) << g;
    EXPECT_GT(v.loss, 799.0) << g;
    EXPECT_TRUE(dlogits.allFinite() && dgate.allFinite() && dscores.allFinite()) << g;
    // d/dg = p_gen - r: all of P comes from the side the gate shuts, so r = 0 (g > 0) or 1 (g < 0)
    EXPECT_NEAR(dgate(0, 0), g > 0 ? 1.0 / 3 : -1.0 / 3, 1e-12) << g;
    for (float gf : {static_cast<float>(g)}) {  // float too
      const Mat<float> lf = c.logits.cast<float>(), sf = c.scores.cast<float>();
      const Mat<float> gatef = Mat<float>::Constant(1, 4, gf);
      Mat<float> a, b2, d;
      const LossValue vf = copy_cross_entropy<float>({lf, gatef, sf}, {c.map, c.src_ext, c.extra}, targets, SpecialIds{}, {&a, &b2, &d});
      EXPECT_TRUE(std::isfinite(vf.loss) && a.allFinite() && b2.allFinite() && d.allFinite()) << g;
    }
  }
}

TEST(CopyLoss, BadTargetsAndShapesAreErrors) {
  CopyCase c;
  TokenIds bad = c.targets;
  bad[1] = 11;  // V + extra = 11
  EXPECT_THROW(copy_loss(c, c.logits, c.gate, c.scores, bad), std::invalid_argument);
  EXPECT_THROW(copy_loss(c, c.logits, Mat<double>::Zero(1, 3), c.scores, c.targets), std::invalid_argument);
  CopyCase d;
  d.src_ext[0] = 12;
  EXPECT_THROW(copy_loss(d, d.logits, d.gate, d.scores, d.targets), std::invalid_argument);
}

// Chunks of whole steps, each computed in place of its logits (Seq2Seq's
// training pass), sum to the loss of all columns at once bit for bit, with
// the same gradients.
TEST(CopyLoss, ChunksOfStepsEqualOneCall) {
  CopyCase c;
  Mat<double> dlogits, dgate, dscores;
  const LossValue whole = copy_cross_entropy<double>({c.logits, c.gate, c.scores}, {c.map, c.src_ext, c.extra}, c.targets,
                                                     SpecialIds{}, {&dlogits, &dgate, &dscores});
  const auto ext_of = source_extended_ids(c.src_ext, c.map, c.V + c.extra);
  LossValue sum;
  Mat<double> chunks = c.logits, g(1, 4), s(4, 4);
  g.setConstant(7.0);  // every column is written, padding ones with 0
  s.setConstant(7.0);
  for (Index first = 0; first < 4; first += 2) {
    auto l = chunks.middleCols(first, 2);
    copy_cross_entropy_columns<double>({l, c.gate.middleCols(first, 2), c.scores.middleCols(first, 2)},
                                       {c.map, c.src_ext, c.extra}, ext_of, c.targets, first, whole.tokens,
                                       SpecialIds{}, {l, g.middleCols(first, 2), s.middleCols(first, 2)}, sum);
  }
  EXPECT_EQ(sum.loss, whole.loss);
  EXPECT_EQ(sum.nll, whole.nll);
  EXPECT_EQ(sum.correct, whole.correct);
  EXPECT_EQ(chunks, dlogits);
  EXPECT_EQ(g, dgate);
  EXPECT_EQ(s, dscores);
}
