// tests/support/seq2seq_models.hpp: the small model the seq2seq tests share,
// and the check of a whole model against a PyTorch fixture
// (scripts/make_torch_fixtures.py wrote them).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>

#include <genattn/seq2seq/seq2seq.hpp>

#include "support/fixture.hpp"
#include "support/gradcheck.hpp"

namespace genattn_test {

/// 11 source and 9 target words, 2 layers each side, sizes 2 to 4.
inline genattn::Seq2SeqConfig small_config(genattn::AttentionKind kind) {
  genattn::Seq2SeqConfig c;
  c.src_vocab = 11;
  c.tgt_vocab = 9;
  c.embedding = 3;
  c.encoder_hidden = 2;
  c.encoder_layers = 2;
  c.decoder_hidden = kind == genattn::AttentionKind::dot ? 4 : 3;
  c.decoder_layers = 2;
  c.attention = kind;
  c.attention_hidden = 3;
  return c;
}

/// `c` with the sizes of fixture `f`'s "config" row (Vs Vt E Hs Le S Ld A).
inline genattn::Seq2SeqConfig fixture_config(const Fixture& f, genattn::Seq2SeqConfig c) {
  const genattn::Mat<double> cfg = f.mat("config");
  auto at = [&](genattn::Index i) { return static_cast<genattn::Index>(cfg(i, 0)); };
  c.src_vocab = at(0);
  c.tgt_vocab = at(1);
  c.embedding = at(2);
  c.encoder_hidden = at(3);
  c.encoder_layers = at(4);
  c.decoder_hidden = at(5);
  c.decoder_layers = at(6);
  c.attention_hidden = at(7);
  return c;
}

/// The fixture's batch, targets from the matrix `targets`.
inline genattn::Seq2SeqBatch fixture_batch(const Fixture& f, const std::string& targets = "tgt_out") {
  genattn::Seq2SeqBatch batch;
  batch.src = f.ids("src_ids");
  batch.tgt_in = f.ids("tgt_in");
  batch.tgt_out = f.ids(targets);
  const genattn::Mat<double> sl = f.mat("src_lengths");
  for (genattn::Index i = 0; i < sl.rows(); ++i) batch.src_lengths.push_back(static_cast<genattn::Index>(sl(i, 0)));
  batch.batch = static_cast<genattn::Index>(batch.src_lengths.size());
  batch.src_time = static_cast<genattn::Index>(batch.src.size()) / batch.batch;
  batch.tgt_time = static_cast<genattn::Index>(batch.tgt_in.size()) / batch.batch;
  batch.tgt_lengths.assign(static_cast<std::size_t>(batch.batch), batch.tgt_time);
  return batch;
}

/// The model of config `c` with the fixture's parameters gives its loss and
/// every gradient within relative `tol`.
template <class T>
void expect_matches_torch(const Fixture& f, const genattn::Seq2SeqConfig& c, const genattn::Seq2SeqBatch& batch,
                          const genattn::LossConfig& lc, double tol) {
  genattn::Seq2Seq<T> model(c);
  genattn::ParamBuffer<T> p(model.layout()), g(model.layout());
  for (const auto& s : model.layout().slots()) p[s.param] = f.mat<T>(s.name);
  typename genattn::Seq2Seq<T>::Cache cache;
  const genattn::LossValue v = model.loss(p, batch, cache, lc);
  const double ref = f.mat("loss")(0, 0);
  EXPECT_LE(std::abs(v.loss - ref) / std::abs(ref), tol);
  model.backward(p, g, batch, cache);
  for (const auto& s : model.layout().slots())
    EXPECT_LE(relative_difference(g[s.param], f.mat("grad." + s.name)), tol) << s.name;
  // training's pass, the output layer and the loss one target step at a time
  genattn::ParamBuffer<T> chunked(model.layout());
  genattn::LossConfig one_step = lc;
  one_step.chunk_logits = 1;
  const genattn::LossValue c_v = model.loss_and_backward(p, chunked, batch, cache, one_step);
  EXPECT_LE(std::abs(c_v.loss - ref) / std::abs(ref), tol);
  for (const auto& s : model.layout().slots())
    EXPECT_LE(relative_difference(chunked[s.param], f.mat("grad." + s.name)), tol) << "chunked " << s.name;
}

/// The gradient check of training's pass: loss_and_backward, its output
/// layer and loss one target step at a time with the dropout masks of
/// Rng(seed), gives loss `l` (loss()'s) and the finite differences of `loss`
/// (which draws the same masks).
inline void expect_chunked_gradients_match(const genattn::Seq2Seq<double>& model, genattn::ParamBuffer<double>& p,
                                           const genattn::Seq2SeqBatch& batch,
                                           genattn::Seq2Seq<double>::Cache& cache, genattn::LossConfig lc,
                                           std::uint64_t seed, double l, const std::function<double()>& loss) {
  genattn::ParamBuffer<double> chunked(model.layout());
  lc.chunk_logits = 1;
  genattn::Rng dropout(seed);
  EXPECT_NEAR(model.loss_and_backward(p, chunked, batch, cache, lc, &dropout).loss, l, 1e-13 * l);
  expect_gradients_match<double>(parameter_variables(model.layout(), p, chunked), loss, kDouble);
}

/// Seq2Seq::loss_and_backward, its output layer and loss in chunks of 1, 2
/// and all target steps, with dropout, against loss() then backward() with
/// the same masks: the same counts, and the loss and every gradient within
/// relative `tol` (the chunks' products round differently).
template <class T>
void expect_chunked_pass_matches(const genattn::Seq2Seq<T>& model, const genattn::ParamBuffer<T>& p,
                                 const genattn::Seq2SeqBatch& batch, genattn::LossConfig lc, double tol) {
  typename genattn::Seq2Seq<T>::Cache cache;
  genattn::ParamBuffer<T> g(model.layout());
  genattn::Rng masks(7);
  const genattn::LossValue whole = model.loss(p, batch, cache, lc, &masks);
  model.backward(p, g, batch, cache);
  const genattn::Index V = model.config().tgt_vocab, B = batch.batch;
  for (const genattn::Index steps : {genattn::Index{1}, genattn::Index{2}, genattn::Index{0}}) {
    lc.chunk_logits = steps * V * B;
    genattn::ParamBuffer<T> chunked(model.layout());
    genattn::Rng same(7);
    const genattn::LossValue v = model.loss_and_backward(p, chunked, batch, cache, lc, &same);
    EXPECT_EQ(v.tokens, whole.tokens) << steps;
    EXPECT_EQ(v.correct, whole.correct) << steps;
    EXPECT_LE(std::abs(v.loss - whole.loss) / whole.loss, tol) << steps;
    EXPECT_LE(std::abs(v.nll - whole.nll) / whole.nll, tol) << steps;
    EXPECT_LE(std::abs(v.coverage - whole.coverage), tol * whole.loss) << steps;
    EXPECT_TRUE(cache.decoder.logits.size() == 0 && cache.dlogits.size() == 0) << "the logits of every step were kept";
    EXPECT_EQ(cache.ws.chunk.cols(), (steps == 0 ? batch.tgt_time : steps) * B) << steps;
    for (const auto& s : model.layout().slots())
      EXPECT_LE(relative_difference(chunked[s.param], g[s.param]), tol) << steps << " steps: " << s.name;
  }
  // validation's pass: loss() without dropout, nothing kept for backward
  const genattn::LossValue plain = model.loss(p, batch, cache, lc);
  const genattn::LossValue v = model.evaluate(p, batch, cache, lc);
  EXPECT_EQ(v.tokens, plain.tokens);
  EXPECT_EQ(v.correct, plain.correct);
  EXPECT_LE(std::abs(v.loss - plain.loss) / plain.loss, tol);
}

}  // namespace genattn_test
