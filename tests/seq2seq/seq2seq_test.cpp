#include <gtest/gtest.h>

#include <genattn/seq2seq/seq2seq.hpp>

#include "support/fixture.hpp"
#include "support/errors.hpp"
#include "support/gradcheck.hpp"
#include "support/scalars.hpp"
#include "support/seq2seq_models.hpp"

using namespace genattn;
using namespace genattn_test;

namespace {

Seq2SeqBatch small_batch() { return make_batch({{4, 5, 6}, {7, 8}, {9}}, {{5, 6}, {7}, {4, 5, 8}}); }

class Kinds : public ::testing::TestWithParam<AttentionKind> {};

template <class T>
void check_torch_parity(AttentionKind kind, double tol) {
  const Fixture f(std::string("seq2seq/seq2seq_") + to_string(kind) + "_torch.txt");
  Seq2SeqConfig c;
  c.attention = kind;
  expect_matches_torch<T>(f, fixture_config(f, c), fixture_batch(f), LossConfig{0.1, 0.05}, tol);
}

}  // namespace

TEST_P(Kinds, MatchesTorchLossAndEveryGradientDouble) { check_torch_parity<double>(GetParam(), 1e-10); }
TEST_P(Kinds, MatchesTorchLossAndEveryGradientFloat) { check_torch_parity<float>(GetParam(), 1e-5); }

TEST_P(Kinds, GradientOfTheWholeLossWithRespectToEveryParameter) {
  Seq2SeqConfig c = small_config(GetParam());
  c.dropout = 0.3;
  Seq2Seq<double> model(c);
  ParamBuffer<double> p = model.init_params(3), g(model.layout());
  for (const auto& s : model.layout().slots()) p[s.param] += 0.3 * Mat<double>::Random(s.param.rows, s.param.cols);
  const Seq2SeqBatch batch = small_batch();
  Seq2Seq<double>::Cache cache;
  const LossConfig lc{0.1, 0.2};
  auto loss = [&] {
    Rng dropout(99);  // the same masks at every evaluation
    return model.loss(p, batch, cache, lc, &dropout).loss;
  };
  const double l = loss();
  model.backward(p, g, batch, cache);
  expect_gradients_match<double>(parameter_variables(model.layout(), p, g), loss, kDouble);
  expect_chunked_gradients_match(model, p, batch, cache, lc, 99, l, loss);
}

INSTANTIATE_TEST_SUITE_P(All, Kinds,
                         ::testing::Values(AttentionKind::additive, AttentionKind::dot, AttentionKind::general),
                         [](const ::testing::TestParamInfo<AttentionKind>& i) { return std::string(to_string(i.param)); });

TEST_P(Kinds, ChunkedPassEqualsLossThenBackward) {
  Seq2SeqConfig c = small_config(GetParam());
  c.dropout = 0.3;
  const LossConfig lc{0.1, 0.2};
  {
    Seq2Seq<double> model(c);
    expect_chunked_pass_matches<double>(model, model.init_params(3), small_batch(), lc, 1e-13);
  }
  Seq2Seq<float> model(c);
  expect_chunked_pass_matches<float>(model, model.init_params(3), small_batch(), lc, 1e-5);  // float parity with PyTorch holds to the same bound
}

TEST(Seq2Seq, SharedEmbeddingsGradient) {
  Seq2SeqConfig c = small_config(AttentionKind::additive);
  c.tgt_vocab = c.src_vocab;
  c.shared_embeddings = true;
  c.encoder_layers = c.decoder_layers = 1;
  Seq2Seq<double> model(c);
  EXPECT_NE(model.layout().find("embed.E"), nullptr);
  EXPECT_EQ(model.layout().find("tgt_embed.E"), nullptr);
  ParamBuffer<double> p = model.init_params(4), g(model.layout());
  const Seq2SeqBatch batch = small_batch();
  Seq2Seq<double>::Cache cache;
  auto loss = [&] { return model.loss(p, batch, cache).loss; };
  loss();
  model.backward(p, g, batch, cache);
  expect_gradients_match<double>(parameter_variables(model.layout(), p, g), loss, kDouble);
}

// The step API reproduces the teacher-forced logits and alignments.
TEST(Seq2Seq, StepApiMatchesTeacherForcing) {
  Seq2Seq<double> model(small_config(AttentionKind::additive));
  const ParamBuffer<double> p = model.init_params(5);
  const Seq2SeqBatch batch = small_batch();
  Seq2Seq<double>::Cache cache;
  model.loss(p, batch, cache);
  // the logits stay in the cache (dJ/dlogits has its own buffer)
  const auto memory = model.encode(p, batch.src, batch.src_lengths);
  auto state = model.start(memory);
  Seq2Seq<double>::StepWorkspace ws;
  Mat<double> logits, align;
  const Index B = batch.batch;
  for (Index t = 0; t < batch.tgt_time; ++t) {
    const TokenIds prev(batch.tgt_in.begin() + t * B, batch.tgt_in.begin() + (t + 1) * B);
    model.step(p, memory, state, prev, logits, &align, ws);
    EXPECT_LE(relative_difference(logits, cache.decoder.logits.middleCols(t * B, B)), 1e-14) << "step " << t;
    EXPECT_LE(relative_difference(align, cache.decoder.alignment.middleCols(t * B, B)), 1e-14) << "step " << t;
    EXPECT_LE(relative_difference(state.layers.back().h, cache.decoder.h.back().middleCols(t * B, B)), 1e-14);
  }
  // Reordering keeps each hypothesis' numbers.
  auto copy = state;
  copy.reorder({2, 2, 0});
  EXPECT_EQ(copy.layers[0].h.col(0), state.layers[0].h.col(2));
  EXPECT_EQ(copy.layers[0].h.col(1), state.layers[0].h.col(2));
  EXPECT_EQ(copy.z.col(2), state.z.col(0));
  EXPECT_EQ(copy.map.item, (std::vector<Index>{2, 2, 0}));
  EXPECT_THROW(copy.reorder({5}), std::invalid_argument);
}

TEST(Seq2Seq, PaddedBatchEqualsEachPairAlone) {
  Seq2Seq<double> model(small_config(AttentionKind::additive));
  const ParamBuffer<double> p = model.init_params(6);
  const std::vector<TokenIds> src{{4, 5, 6}, {7, 8}, {9}}, tgt{{5, 6}, {7}, {4, 5, 8}};
  const Seq2SeqBatch batch = make_batch(src, tgt);
  Seq2Seq<double>::Cache cache;
  const double sum_loss = model.loss(p, batch, cache).loss * static_cast<double>(cache.loss.tokens);
  double alone = 0;
  for (std::size_t i = 0; i < src.size(); ++i) {
    Seq2Seq<double>::Cache ci;
    const LossValue v = model.loss(p, make_batch({src[i]}, {tgt[i]}), ci);
    alone += v.loss * static_cast<double>(v.tokens);
  }
  EXPECT_NEAR(sum_loss, alone, 1e-12);
}

TEST(Seq2Seq, BadInputGivesClearErrors) {
  Seq2SeqConfig c = small_config(AttentionKind::additive);
  c.max_target_length = 3;
  c.max_source_length = 4;
  Seq2Seq<float> model(c);
  const ParamBuffer<float> p = model.init_params(1);
  Seq2Seq<float>::Cache cache;
  EXPECT_EQ(invalid_argument_message([&] { make_batch({}, {}); }), "make_batch: the batch is empty");
  EXPECT_EQ(invalid_argument_message([&] { make_batch({{}}, {{1}}); }), "make_batch: source 0 is empty");
  EXPECT_EQ(invalid_argument_message([&] { model.loss(p, make_batch({{4, 40}}, {{5}}), cache); }),
            "Embedding::forward: argument 'ids'[1] = 40 is outside the vocabulary 0..10");
  EXPECT_EQ(invalid_argument_message([&] { model.loss(p, make_batch({{4}}, {{5, 6, 7}}), cache); }),
            "Seq2Seq::loss: target 0 has 4 tokens (with </s>), more than max_target_length = 3");
  EXPECT_EQ(invalid_argument_message([&] { model.loss(p, make_batch({{4}, {4, 5, 6, 7, 8}}, {{5}, {5}}), cache); }),
            "Seq2Seq::loss: source 1 has 5 tokens, more than max_source_length = 4");
  EXPECT_EQ(invalid_argument_message([&] { model.encode(p, {4, 5, 6, 7, 8}, {5}); }),
            "Seq2Seq::encode: source 0 has 5 tokens, more than max_source_length = 4");
  EXPECT_EQ(invalid_argument_message([&] { model.loss(p, make_batch({{4}}, {{5, 60}}), cache); }),
            "Seq2Seq::loss: argument 'batch.tgt_out'[1] = 60 is outside the vocabulary 0..8");
  Seq2SeqBatch bad_in = make_batch({{4}}, {{5}});
  bad_in.tgt_in[1] = 60;  // the targets are fine, the decoder's inputs are not
  EXPECT_EQ(invalid_argument_message([&] { model.loss(p, bad_in, cache); }),
            "Embedding::forward: argument 'ids'[1] = 60 is outside the vocabulary 0..8");
  ParamBuffer<float> g(model.layout()), small(ParamLayout{});
  EXPECT_EQ(invalid_argument_message([&] { model.evaluate(p, make_batch({{4}}, {{5, 60}}), cache); }),
            "Seq2Seq::evaluate: argument 'batch.tgt_out'[1] = 60 is outside the vocabulary 0..8");
  EXPECT_EQ(invalid_argument_message([&] { model.loss_and_backward(p, small, make_batch({{4}}, {{5}}), cache); }),
            "Seq2Seq::loss_and_backward: gradient buffer holds 0 scalars, the model needs " +
                std::to_string(model.layout().size()));
  LossConfig negative;
  negative.chunk_logits = -1;
  EXPECT_EQ(invalid_argument_message([&] { model.loss_and_backward(p, g, make_batch({{4}}, {{5}}), cache, negative); }),
            "Seq2Seq::loss_and_backward: chunk_logits = -1 is negative");
  // loss_and_backward keeps no dJ/dlogits for a backward() of its own
  model.loss_and_backward(p, g, make_batch({{4}}, {{5}}), cache);
  EXPECT_EQ(invalid_argument_message([&] { model.backward(p, g, make_batch({{4}}, {{5}}), cache); }),
            "Seq2Seq::backward: the cache does not hold this batch's forward (call loss first)");
  ParamLayout other;
  other.add("x", 2, 2);
  EXPECT_EQ(invalid_argument_message([&] { model.loss(ParamBuffer<float>(other), make_batch({{4}}, {{5}}), cache); }),
            "Seq2Seq::loss: parameter buffer holds 16 scalars, the model needs " +
                std::to_string(model.layout().size()));
  Seq2SeqConfig bad = c;
  bad.encoder_hidden = 0;
  EXPECT_EQ(invalid_argument_message([&] { Seq2Seq<float> m(bad); }),
            "Seq2SeqConfig: encoder_hidden = 0, expected a size in 1..16777216");
  // a size from a damaged file never reaches an allocation or an overflow
  bad = c;
  bad.src_vocab = Index{1} << 40;
  EXPECT_EQ(invalid_argument_message([&] { Seq2Seq<float> m(bad); }),
            "Seq2SeqConfig: src_vocab = 1099511627776, expected a size in 1..16777216");
  bad = c;
  bad.decoder_layers = 1000;
  EXPECT_EQ(invalid_argument_message([&] { Seq2Seq<float> m(bad); }),
            "Seq2SeqConfig: decoder_layers = 1000, expected 1..64");
  bad = c;
  bad.shared_embeddings = true;
  EXPECT_EQ(invalid_argument_message([&] { Seq2Seq<float> m(bad); }),
            "Seq2SeqConfig: shared_embeddings needs src_vocab (11) == tgt_vocab (9)");
}
