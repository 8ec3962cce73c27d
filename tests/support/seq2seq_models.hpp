// tests/support/seq2seq_models.hpp: the small model the seq2seq tests share,
// and the check of a whole model against a PyTorch fixture
// (scripts/make_torch_fixtures.py wrote them).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
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
}

}  // namespace genattn_test
