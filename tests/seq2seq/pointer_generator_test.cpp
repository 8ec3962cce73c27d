// The pointer-generator with coverage (See et al. 2017) in the whole model:
// PyTorch parity, gradient checks for copy and coverage apart and together,
// the step API against teacher forcing, decoding that copies, and saturation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <genattn/decode/search.hpp>
#include <genattn/train/trainer.hpp>

#include "support/errors.hpp"
#include "support/fixture.hpp"
#include "support/gradcheck.hpp"
#include "support/seq2seq_models.hpp"

using namespace genattn;
using namespace genattn_test;

namespace {

Seq2SeqConfig pointer_config(bool copy, bool coverage) {
  Seq2SeqConfig c = small_config(AttentionKind::additive);
  c.copy = copy;
  c.coverage = coverage;
  return c;
}

// Sources in the source vocabulary, the same words in the target's extended
// vocabulary (V = 9: ids 9, 10 are each source's own words), and targets that
// copy, generate, do both, and (10 in the third) cannot be produced.
Seq2SeqBatch pointer_batch() {
  return make_copy_batch({{4, 5, 6, 7}, {8, 9}, {10, 4, 5}}, {{5, 9, 6, 9}, {9, 10}, {4, 5, 5}},
                         {{9, 6}, {10, 8, 4, 9}, {5, 10}}, 9);
}

template <class T>
void check_torch_parity(double tol) {
  const Fixture f("seq2seq/seq2seq_pointer_coverage_torch.txt");
  Seq2SeqBatch batch = fixture_batch(f, "tgt_out_ext");  // the <unk> rule is the loss's to apply
  batch.src_ext = f.ids("src_ext");
  batch.extra = 2;
  LossConfig lc;
  lc.coverage_weight = 0.7;
  expect_matches_torch<T>(f, fixture_config(f, pointer_config(true, true)), batch, lc, tol);
}

}  // namespace

TEST(PointerGenerator, MatchesTorchLossAndEveryGradientDouble) { check_torch_parity<double>(1e-10); }
TEST(PointerGenerator, MatchesTorchLossAndEveryGradientFloat) { check_torch_parity<float>(1e-5); }

class CopyCoverage : public ::testing::TestWithParam<std::pair<bool, bool>> {};

TEST_P(CopyCoverage, GradientOfTheWholeLossWithRespectToEveryParameter) {
  const auto [copy, coverage] = GetParam();
  std::srand(11);  // Eigen's Random: the same point whatever tests ran before
  Seq2SeqConfig c = pointer_config(copy, coverage);
  c.dropout = 0.3;
  Seq2Seq<double> model(c);
  EXPECT_EQ(model.layout().find("decoder.copy.w_x") != nullptr, copy);
  EXPECT_EQ(model.layout().find("decoder.attention.w_c") != nullptr, coverage);
  ParamBuffer<double> p = model.init_params(3), g(model.layout());
  // large weights: small random ones attend almost alike at every step, so
  // a_t ~ c_t = a_0 at t = 1, right at min's kink (see the gap check below)
  const double scale = 2.0;
  for (const auto& s : model.layout().slots()) p[s.param] += scale * Mat<double>::Random(s.param.rows, s.param.cols);
  Seq2SeqBatch batch = pointer_batch();
  if (!copy) {  // a plain batch: copied words are <unk>
    for (TokenId& w : batch.tgt_out)
      if (w >= 9) w = 1;
    batch.src_ext.clear();
  }
  Seq2Seq<double>::Cache cache;
  LossConfig lc;
  lc.coverage_weight = 0.8;
  auto loss = [&] {
    Rng dropout(99);
    return model.loss(p, batch, cache, lc, &dropout).loss;
  };
  const double l = loss();
  if (coverage) {
    EXPECT_GT(cache.loss.coverage, 0.0);
    // min(a, c) has a kink where a = c: the finite differences (steps up to
    // 2e-3, moving a and c by about that fraction of themselves) are only
    // meaningful when no counted a_tj is that close to c_tj
    double gap = 1.0;
    const auto& d = cache.decoder;
    for (Index n = batch.batch; n < d.alignment.cols(); ++n)  // c_0 = 0 is constant
      if (batch.tgt_out[static_cast<std::size_t>(n)] != 0)
        for (Index j = 0; j < batch.src_lengths[static_cast<std::size_t>(n % batch.batch)]; ++j)
          gap = std::min(gap, std::abs(d.alignment(j, n) - d.coverage(j, n)) /
                                  std::max(d.alignment(j, n), d.coverage(j, n)));
    ASSERT_GT(gap, 2e-2) << "pick another seed: the check would straddle min's kink";
  }
  EXPECT_NEAR(l, cache.loss.nll + (coverage ? 0.8 * cache.loss.coverage : 0.0), 1e-12);
  model.backward(p, g, batch, cache);
  expect_gradients_match<double>(parameter_variables(model.layout(), p, g), loss, kDouble);
  expect_chunked_gradients_match(model, p, batch, cache, lc, 99, l, loss);
  expect_chunked_pass_matches<double>(model, p, batch, lc, 1e-13);
  Seq2Seq<float> model_f(c);
  ParamBuffer<float> p_f(model.layout());
  p_f.flat() = p.flat().cast<float>();
  expect_chunked_pass_matches<float>(model_f, p_f, batch, lc, 1e-5);  // float parity with PyTorch holds to the same bound
}

INSTANTIATE_TEST_SUITE_P(All, CopyCoverage,
                         ::testing::Values(std::make_pair(true, false), std::make_pair(false, true),
                                           std::make_pair(true, true)),
                         [](const ::testing::TestParamInfo<std::pair<bool, bool>>& i) {
                           return std::string(i.param.first ? "copy" : "") + (i.param.second ? "coverage" : "");
                         });

// Decoding step by step with the true previous words reproduces the training
// forward: the same -log P(y) per token and the same coverage vectors.
TEST(PointerGenerator, StepApiMatchesTeacherForcing) {
  Seq2Seq<double> model(pointer_config(true, true));
  ParamBuffer<double> p = model.init_params(5);
  for (const auto& s : model.layout().slots()) p[s.param] += 0.3 * Mat<double>::Random(s.param.rows, s.param.cols);
  const Seq2SeqBatch batch = pointer_batch();
  Seq2Seq<double>::Cache cache;
  model.loss(p, batch, cache);
  const auto memory = model.encode(p, batch.src, batch.src_lengths, batch.src_ext);
  EXPECT_EQ(memory.extra, 2);
  EXPECT_EQ(model.output_size(memory), 11);
  auto state = model.start(memory);
  Seq2Seq<double>::StepWorkspace ws;
  Mat<double> logp, align;
  const Index B = batch.batch;
  double nll = 0;
  for (Index t = 0; t < batch.tgt_time; ++t) {
    EXPECT_LE(relative_difference(state.coverage, cache.decoder.coverage.middleCols(t * B, B)), 1e-14) << t;
    // the decoder may be fed the copied (extended) ids themselves
    TokenIds prev(batch.tgt_in.begin() + t * B, batch.tgt_in.begin() + (t + 1) * B);
    for (Index b = 0; b < B; ++b)
      if (t > 0 && batch.tgt_out[static_cast<std::size_t>((t - 1) * B + b)] >= 9)
        prev[static_cast<std::size_t>(b)] = batch.tgt_out[static_cast<std::size_t>((t - 1) * B + b)];
    model.step(p, memory, state, prev, logp, &align, ws);
    ASSERT_EQ(logp.rows(), 11);
    for (Index b = 0; b < B; ++b) {
      EXPECT_NEAR(logp.col(b).array().exp().sum(), 1.0, 1e-12);
      TokenId y = batch.tgt_out[static_cast<std::size_t>(t * B + b)];
      if (y == 0) continue;
      if (y == 10 && b == 2) y = 1;  // not in its source: <unk>
      nll -= logp(y, b);
    }
  }
  EXPECT_NEAR(nll / static_cast<double>(cache.loss.tokens), cache.loss.nll, 1e-12);
}

// A gate shut on generating (p_gen ~ e^-30) leaves only copying: every
// decoding method then emits source words, out-of-vocabulary ones as their
// extended ids.
TEST(PointerGenerator, DecodingCopiesSourceWords) {
  Seq2Seq<double> model(pointer_config(true, false));
  ParamBuffer<double> p = model.init_params(7);
  p[model.layout().find("decoder.copy.b")->param](0, 0) = -30.0;
  const Seq2SeqBatch batch = pointer_batch();
  SearchConfig sc;
  sc.min_length = sc.max_length = 3;  // else </s> at e^-30 can outscore long copies
  sc.beam = 3;
  Seq2SeqDecoder<double> dec(model, p, batch.src, batch.src_lengths, batch.src_ext);
  EXPECT_EQ(dec.vocab(), 11);
  const std::vector<TokenIds> source_words{{5, 9, 6, 9}, {9, 10}, {4, 5, 5}};
  auto check = [&](const std::vector<Hypothesis<double>>& hs, const char* how) {
    bool copied_oov = false;
    for (std::size_t b = 0; b < hs.size(); ++b) {
      EXPECT_FALSE(hs[b].tokens.empty()) << how;
      for (TokenId w : hs[b].tokens) {
        EXPECT_NE(std::find(source_words[b].begin(), source_words[b].end(), w), source_words[b].end())
            << how << ": item " << b << " emitted " << w;
        copied_oov |= w >= 9;
      }
    }
    EXPECT_TRUE(copied_oov) << how;
  };
  check(greedy_search(dec, sc), "greedy");
  std::vector<Hypothesis<double>> best;
  for (auto& n : beam_search(dec, sc)) best.push_back(n.front());
  check(best, "beam");
  check(sample(dec, sc), "sampling");
}

// p_gen saturated at 1 or 0 in the whole model: the loss and every gradient
// stay finite, in float as in double.
TEST(PointerGenerator, SaturatedGateKeepsTrainingFinite) {
  for (const float bias : {1e4f, -1e4f}) {
    Seq2Seq<float> model(pointer_config(true, true));
    ParamBuffer<float> p = model.init_params(9), g(model.layout());
    p[model.layout().find("decoder.copy.b")->param](0, 0) = bias;
    const Seq2SeqBatch batch = pointer_batch();  // holds copy-only and vocabulary-only targets
    Seq2Seq<float>::Cache cache;
    const LossValue v = model.loss(p, batch, cache);
    EXPECT_TRUE(std::isfinite(v.loss)) << bias;
    EXPECT_GT(v.loss, 100.0) << bias;  // some target has P ~ e^-10000
    model.backward(p, g, batch, cache);
    EXPECT_TRUE(g.flat().allFinite()) << bias;
  }
}

TEST(PointerGenerator, BadUseGivesClearErrors) {
  Seq2Seq<double> model(pointer_config(true, true));
  const ParamBuffer<double> p = model.init_params(1);
  Seq2SeqBatch batch = pointer_batch();
  batch.src_ext.clear();
  Seq2Seq<double>::Cache cache;
  EXPECT_NE(invalid_argument_message([&] { model.loss(p, batch, cache); }).find("src_ext"), std::string::npos);
  EXPECT_NE(invalid_argument_message([&] { model.encode(p, batch.src, batch.src_lengths); }).find("src_ext"),
            std::string::npos);
  EXPECT_NE(invalid_argument_message([&] { model.loss(p, pointer_batch(), cache, LossConfig{0.1, 0.0}); })
                .find("label smoothing"),
            std::string::npos);
  Seq2SeqConfig dot = pointer_config(false, true);
  dot.attention = AttentionKind::dot;
  dot.decoder_hidden = 4;
  EXPECT_NE(invalid_argument_message([&] { Seq2Seq<double> m(dot); }).find("coverage needs the additive"),
            std::string::npos);
}

// copy and coverage travel in the checkpoint's config; a checkpoint written
// before they existed loads as a model without them.
TEST(PointerGenerator, ConfigRoundTripsThroughCheckpoints) {
  const Seq2SeqConfig c = pointer_config(true, true);
  Seq2Seq<double> model(c);
  Checkpoint ck = model_checkpoint(model, model.init_params(2));
  const Seq2SeqConfig back = checkpoint_config(ck, "mem");
  EXPECT_TRUE(back.copy && back.coverage);
  Seq2Seq<double> plain(pointer_config(false, false));
  Checkpoint old = model_checkpoint(plain, plain.init_params(2));
  old.config.resize(old.config.size() - 2);  // as format-1 files before copy and coverage
  EXPECT_NO_THROW(check_config(plain.config(), old, "old"));
  EXPECT_THROW(check_config(c, old, "old"), CheckpointError);
}
