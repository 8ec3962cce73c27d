// A small model learns to copy, and separately to reverse, random token
// sequences of length 5 to 10: at least 99% token accuracy (greedy decoding,
// </s> included) on held-out sequences within a fixed number of updates.
//
// The recipe must not hang on one trajectory's rounding. Adam at a constant
// 2e-3 reaches 100% by update 400-600 and then spikes: of 29 seed pairs, 9
// ended below 100% at update 800 and 4 below the bar (63% the worst).
// Decaying the rate linearly from update 300 to 5% of it at update 800 ends
// every run tried at 100%, already at 100% by update 700: 5 initialization
// seeds x 5 data seeds x both tasks, in a generic, an EIGEN_DONT_VECTORIZE
// and a -march=native build (150 runs).
#include <gtest/gtest.h>

#include <genattn/genattn.hpp>

#include <cstdio>

using namespace genattn;

namespace {

constexpr TokenId kSymbols = 10, kFirst = 4;  // ids 4..13; 0..3 are specials

TokenIds random_sequence(Rng& rng) {
  TokenIds s(5 + rng.below(6));
  for (auto& w : s) w = kFirst + static_cast<TokenId>(rng.below(kSymbols));
  return s;
}

double learn(bool reverse) {
  Seq2SeqConfig cfg;
  cfg.src_vocab = cfg.tgt_vocab = kFirst + kSymbols;
  cfg.embedding = 32;
  cfg.encoder_hidden = 64;
  cfg.decoder_hidden = 64;
  Seq2Seq<float> model(cfg);
  ParamBuffer<float> params = model.init_params(11);
  TrainerConfig tc;
  tc.optimizer.kind = OptimizerKind::adam;
  tc.schedule.base = 2e-3;
  tc.schedule.decay_start = 300;
  tc.schedule.decay_steps = 500;
  tc.schedule.decay_final = 0.05;
  Trainer<float> trainer(model, params, tc);
  Rng data(reverse ? 2 : 1);
  auto target = [&](TokenIds s) {
    if (reverse) std::reverse(s.begin(), s.end());
    return s;
  };
  for (int step = 0; step < 800; ++step) {
    std::vector<TokenIds> src, tgt;
    for (int b = 0; b < 32; ++b) {
      src.push_back(random_sequence(data));
      tgt.push_back(target(src.back()));
    }
    trainer.train_batch(make_batch(src, tgt));
  }
  Rng held_out(777);
  std::size_t correct = 0, total = 0;
  for (int k = 0; k < 4; ++k) {
    std::vector<TokenIds> src, tgt;
    for (int b = 0; b < 50; ++b) {
      src.push_back(random_sequence(held_out));
      tgt.push_back(target(src.back()));
    }
    const Seq2SeqBatch batch = make_batch(src, tgt);
    SearchConfig search;
    search.max_length = 20;
    const auto hyps = greedy_search(model, params, batch.src, batch.src_lengths, search);
    for (std::size_t b = 0; b < tgt.size(); ++b) {
      const TokenIds& h = hyps[b].tokens;
      for (std::size_t j = 0; j <= tgt[b].size(); ++j) {  // the last position is </s>
        const bool want_end = j == tgt[b].size();
        const bool ok = want_end ? (h.size() == tgt[b].size() && hyps[b].finished) : (j < h.size() && h[j] == tgt[b][j]);
        correct += ok;
        ++total;
      }
    }
  }
  return static_cast<double>(correct) / static_cast<double>(total);
}

}  // namespace

TEST(Overfit, LearnsToCopy) {
  const double accuracy = learn(false);
  std::printf("copy: held-out token accuracy %.4f\n", accuracy);
  EXPECT_GE(accuracy, 0.99);
}
TEST(Overfit, LearnsToReverse) {
  const double accuracy = learn(true);
  std::printf("reverse: held-out token accuracy %.4f\n", accuracy);
  EXPECT_GE(accuracy, 0.99);
}
