#include <gtest/gtest.h>

#include <genattn/seq2seq/loss.hpp>

#include "support/fixture.hpp"
#include "support/gradcheck.hpp"

using namespace genattn;
using namespace genattn_test;

// torch's cross_entropy(label_smoothing) minus lambda * mean entropy, four
// (eps, lambda) cases: loss and gradient with respect to the logits.
TEST(SoftmaxCrossEntropy, MatchesTorchWithSmoothingAndEntropy) {
  const Fixture f("seq2seq/loss_torch.txt");
  const Mat<double> logits = f.mat("logits");
  const TokenIds targets = f.ids("targets");
  for (int i = 0; i < 4; ++i) {
    const std::string c = "case" + std::to_string(i);
    const Mat<double> cfg = f.mat(c + ".config");
    const LossConfig config{cfg(0, 0), cfg(1, 0)};
    Mat<double> d;
    const LossValue v = softmax_cross_entropy(logits, targets, 0, config, &d);
    EXPECT_NEAR(v.loss, f.mat(c + ".loss")(0, 0), 1e-13) << c;
    EXPECT_LE(relative_difference(d, f.mat(c + ".grad")), 1e-12) << c;
    EXPECT_EQ(v.tokens, 4);
    Mat<float> df;
    const LossValue vf = softmax_cross_entropy(Mat<float>(logits.cast<float>()), targets, 0, config, &df);
    EXPECT_NEAR(vf.loss, v.loss, 1e-5 * std::abs(v.loss)) << c;
    EXPECT_LE(relative_difference(df, f.mat(c + ".grad")), 1e-5) << c;
  }
}

TEST(SoftmaxCrossEntropy, ZeroEntropyWeightIsExactlyThePlainLoss) {
  const Mat<double> logits = 4.0 * Mat<double>::Random(9, 5);
  const TokenIds targets{3, 0, 8, 1, 5};
  Mat<double> d_plain, d_zero;
  const LossValue plain = softmax_cross_entropy(logits, targets, -1, LossConfig{}, &d_plain);
  const LossValue zero = softmax_cross_entropy(logits, targets, -1, LossConfig{0.0, 0.0}, &d_zero);
  // Independent plain cross-entropy: mean over the 5 columns of -log softmax.
  double ref = 0;
  for (Index n = 0; n < 5; ++n) {
    const double lse = std::log((logits.col(n).array() - logits.col(n).maxCoeff()).exp().sum()) + logits.col(n).maxCoeff();
    ref += (lse - logits(targets[static_cast<std::size_t>(n)], n)) / 5.0;
  }
  EXPECT_EQ(zero.loss, plain.loss);
  EXPECT_EQ(plain.loss, plain.nll);
  EXPECT_NEAR(plain.loss, ref, 1e-14);
  EXPECT_EQ(d_zero, d_plain);
}

TEST(SoftmaxCrossEntropy, GradientsDoubleForEachObjective) {
  for (const LossConfig config : {LossConfig{0.0, 0.0}, LossConfig{0.1, 0.0}, LossConfig{0.0, 0.5}, LossConfig{0.2, 0.3}}) {
    Mat<double> logits = 2.0 * Mat<double>::Random(6, 4);
    const TokenIds targets{2, 0, 5, 1};  // 0 is padding
    Mat<double> d;
    softmax_cross_entropy(logits, targets, 0, config, &d);
    auto loss = [&] { return softmax_cross_entropy(logits, targets, 0, config, nullptr).loss; };
    expect_gradients_match<double>({{"logits", logits.data(), d.data(), logits.size()}}, loss, kDouble);
    EXPECT_EQ(d.col(1).squaredNorm(), 0.0) << "padding column gets no gradient";
  }
}

TEST(SoftmaxCrossEntropy, ExtremeLogitsStayFinite) {
  Mat<float> logits(3, 2);
  logits << 1e4f, -1e4f, -1e4f, 1e4f, 0.f, 0.f;
  Mat<float> d;
  const LossValue v = softmax_cross_entropy(logits, {1, 1}, -1, LossConfig{0.1, 0.1}, &d);
  EXPECT_TRUE(std::isfinite(v.loss));
  EXPECT_TRUE(d.allFinite());
}

TEST(SoftmaxCrossEntropy, BadTargetsAreNamed) {
  const Mat<double> logits = Mat<double>::Zero(4, 2);
  try {
    softmax_cross_entropy(logits, {1, 4}, 0, LossConfig{}, nullptr);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "softmax_cross_entropy: argument 'targets'[1] = 4 is outside the vocabulary 0..3");
  }
  EXPECT_THROW(softmax_cross_entropy(logits, {1}, 0, LossConfig{}, nullptr), std::invalid_argument);
  EXPECT_THROW(softmax_cross_entropy(logits, {1, 1}, 0, LossConfig{1.0, 0.0}, nullptr), std::invalid_argument);
  // All padding: zero loss and gradient, no division by zero.
  Mat<double> d;
  EXPECT_EQ(softmax_cross_entropy(logits, {0, 0}, 0, LossConfig{}, &d).loss, 0.0);
  EXPECT_EQ(d.squaredNorm(), 0.0);
}

// Chunks of columns, each computed in place of its logits (Seq2Seq's
// training pass), sum to the loss of all columns at once bit for bit, with
// the same gradient.
TEST(SoftmaxCrossEntropy, ChunksOfColumnsEqualOneCall) {
  std::srand(5);
  const Mat<float> logits = 3.0f * Mat<float>::Random(11, 6);
  const TokenIds targets{3, 0, 8, 1, 0, 5};  // two padding columns
  const LossConfig config{0.1, 0.3};
  Mat<float> d;
  const LossValue whole = softmax_cross_entropy(logits, targets, 0, config, &d);
  for (const Index width : {1, 2, 4}) {
    LossValue sum;
    Mat<float> chunks = logits;
    for (Index first = 0; first < 6; first += width) {
      auto c = chunks.middleCols(first, std::min<Index>(width, 6 - first));
      softmax_cross_entropy_columns<float>(c, targets, first, whole.tokens, 0, config, c, sum);
    }
    EXPECT_EQ(sum.loss, whole.loss) << width;
    EXPECT_EQ(sum.nll, whole.nll) << width;
    EXPECT_EQ(sum.entropy, whole.entropy) << width;
    EXPECT_EQ(sum.correct, whole.correct) << width;
    EXPECT_EQ(chunks, d) << width;
  }
}
