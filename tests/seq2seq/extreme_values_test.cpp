// Extreme numbers stay finite: logits and attention scores of +-1e4, and a
// very long source, give finite probabilities, losses and gradients (the
// softmaxes subtract their maximum; the loss uses log-sum-exp).
#include <gtest/gtest.h>

#include <genattn/core/init.hpp>
#include <genattn/decode/search.hpp>
#include <genattn/seq2seq/seq2seq.hpp>
#include <genattn/train/clip.hpp>

using namespace genattn;

TEST(ExtremeValues, LossAndGradientOfLogitsAtPlusMinus1e4AreFinite) {
  for (double smoothing : {0.0, 0.1}) {
    Mat<float> logits(6, 4);
    logits << 1e4f, -1e4f, 0, 1e4f,  //
        -1e4f, 1e4f, 0, 1e4f,        //
        0, 0, 1e4f, -1e4f,           //
        1e4f, -1e4f, -1e4f, -1e4f,   //
        -1e4f, -1e4f, -1e4f, 1e4f,   //
        -1e4f, 1e4f, 1e4f, -1e4f;
    LossConfig config;
    config.label_smoothing = smoothing;
    config.entropy_weight = 0.01;
    Mat<float> d = logits;
    // targets at a -1e4 logit: the worst case, a loss near 2e4
    const LossValue l = softmax_cross_entropy(logits, {1, 0, 3, 2}, -1, config, &d);
    EXPECT_TRUE(std::isfinite(l.loss)) << l.loss;
    EXPECT_GT(l.nll, 1e4);
    EXPECT_TRUE(d.allFinite());
    EXPECT_LE(d.cwiseAbs().maxCoeff(), 1.0f);
  }
}

TEST(ExtremeValues, MaskedSoftmaxOfScoresAtPlusMinus1e4IsFinite) {
  Mat<double> e(5, 2), a(5, 2), de = Mat<double>::Zero(5, 2);
  e << 1e4, -1e4, -1e4, -1e4, 1e4, 1e4, 0, 1e4, 1e4, 1e4;
  masked_softmax_forward<double>(e, {4, 5}, a);
  EXPECT_TRUE(a.allFinite());
  EXPECT_NEAR(a.col(0).sum(), 1.0, 1e-12);
  EXPECT_NEAR(a(0, 0), 0.5, 1e-12);  // two tied maxima share the weight
  EXPECT_EQ(a(4, 0), 0.0);           // padding
  masked_softmax_backward<double>(a, {4, 5}, Mat<double>::Constant(5, 2, 1e4), de);
  EXPECT_TRUE(de.allFinite());
}

TEST(ExtremeValues, AVeryLongSourceTrainsWithFiniteLossAndGradients) {
  Seq2SeqConfig c;
  c.src_vocab = 50;
  c.tgt_vocab = 20;
  c.embedding = 8;
  c.encoder_hidden = 8;
  c.decoder_hidden = 8;
  const Seq2Seq<float> model(c);
  ParamBuffer<float> p = model.init_params(1);
  for (Index k = 0; k < p.size(); ++k) p.flat()[k] *= 20.0f;  // large weights: saturated gates, peaked attention
  TokenIds longest;
  for (int j = 0; j < 5000; ++j) longest.push_back(static_cast<TokenId>(4 + j % 46));
  const Seq2SeqBatch b = make_batch({longest, {5, 6}}, {{7, 8, 9}, {10}});
  typename Seq2Seq<float>::Cache cache;
  const LossValue l = model.loss(p, b, cache);
  EXPECT_TRUE(std::isfinite(l.loss)) << l.loss;
  ParamBuffer<float> g(model.layout());
  model.backward(p, g, b, cache);
  EXPECT_EQ(first_non_finite(model.layout(), g), "");
  const auto h = greedy_search(model, p, longest, {5000}, SearchConfig{});
  for (const auto& a : h.front().alignment) EXPECT_TRUE(a.allFinite());
}
