#include <gtest/gtest.h>

#include <cmath>

#include <genattn/copy/copy_distribution.hpp>

using namespace genattn;

// The extended distribution sums to 1, puts each copied word's attention on
// its extended id, and matches the definition in plain arithmetic.
TEST(CopyDistribution, IsTheMixtureOfGeneratingAndCopying) {
  const Index V = 6, n = 4;
  const Vec<double> logits = Vec<double>::Random(V), scores = Vec<double>::Random(5);
  const double g = 0.3, p_gen = 1 / (1 + std::exp(-g));
  const std::vector<TokenId> ext{4, 6, 7, 6};  // 6 and 7 are the source's own words
  CopyTerms<double> t;
  t.compute(logits, g, scores, n);
  Vec<double> out(V + 2);
  t.log_probs(ext, out);
  EXPECT_NEAR(out.array().exp().sum(), 1.0, 1e-14);
  const Vec<double> pv = logits.array().exp() / logits.array().exp().sum();
  const Vec<double> a = scores.head(n).array().exp() / scores.head(n).array().exp().sum();
  EXPECT_NEAR(std::exp(out[0]), p_gen * pv[0], 1e-15);
  EXPECT_NEAR(std::exp(out[4]), p_gen * pv[4] + (1 - p_gen) * a[0], 1e-15);
  EXPECT_NEAR(std::exp(out[6]), (1 - p_gen) * (a[1] + a[3]), 1e-15);
  EXPECT_NEAR(std::exp(out[7]), (1 - p_gen) * a[2], 1e-15);
  for (TokenId w = 0; w < V + 2; ++w) EXPECT_NEAR(t.log_prob(w, ext), out[w], 1e-14) << w;
}

// Saturated gates and extreme scores stay finite in log space; ids the source
// lacks are -inf, never NaN.
TEST(CopyDistribution, ExtremeGateAndScoresStayInLogSpace) {
  const Vec<float> logits = Vec<float>::LinSpaced(5, -300.f, 300.f);
  Vec<float> scores(3);
  scores << 500.f, -500.f, 0.f;
  for (float g : {-1000.f, 1000.f}) {
    CopyTerms<float> t;
    t.compute(logits, g, scores, 3);
    Vec<float> out(7);
    t.log_probs({5, 5, 1}, out);
    EXPECT_FALSE(out.hasNaN());
    EXPECT_TRUE(std::isfinite(out[5]) && std::isfinite(out[0])) << g;
    EXPECT_EQ(out[6], -std::numeric_limits<float>::infinity());
  }
}
