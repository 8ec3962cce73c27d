// benchmarks/workloads.hpp: the performance issue's model and batches, shared
// by the benchmarks and by benchmarks/compare (torch_workloads.py builds the
// same model in PyTorch).
//
// The model: BiLSTM encoder with H units a direction, an LSTM decoder with 2H
// units, additive attention, input feeding, an output layer over V words.
#pragma once

#include <genattn/genattn.hpp>

namespace genattn_bench {

using namespace genattn;

struct ModelSize {
  Index vocab = 20000, embedding = 128, hidden = 256;
};

inline Seq2SeqConfig model_config(const ModelSize& m) {
  Seq2SeqConfig c;
  c.src_vocab = m.vocab;
  c.tgt_vocab = m.vocab;
  c.embedding = m.embedding;
  c.encoder_hidden = m.hidden;
  c.decoder_hidden = 2 * m.hidden;
  c.attention = AttentionKind::additive;
  return c;
}

/// The matrix-product FLOPs of greedy decoding B sources of `src_len`
/// tokens for `steps` steps (2 per multiply-add): the encoder's two
/// directions, the attention keys, and per step and hypothesis the decoder
/// cell, the attention query, scores and context, the combine layer and the
/// output layer.
inline double greedy_flops(const ModelSize& m, Index B, Index src_len, Index steps) {
  const double E = static_cast<double>(m.embedding), H = static_cast<double>(m.hidden), S = 2 * H, A = S,
               V = static_cast<double>(m.vocab), tokens = static_cast<double>(B * src_len),
               Ts = static_cast<double>(src_len);
  const double encode = tokens * (2 * 2 * 4 * H * (E + H) + 2 * A * 2 * H);
  const double step = 2 * 4 * S * (E + 2 * H + S) + 2 * A * S + Ts * 2 * A + 2 * 2 * H * Ts + 2 * S * (S + 2 * H) +
                      2 * V * S;
  return encode + static_cast<double>(B * steps) * step;
}

/// B sources of `src_len` tokens and targets of `tgt_len`, ids drawn
/// uniformly from the non-special words with a fixed seed.
inline Seq2SeqBatch random_batch(Index B, Index src_len, Index tgt_len, Index vocab, std::uint64_t seed = 1) {
  Rng rng(seed);
  std::vector<TokenIds> src(static_cast<std::size_t>(B)), tgt(static_cast<std::size_t>(B));
  for (Index b = 0; b < B; ++b) {
    for (Index j = 0; j < src_len; ++j)
      src[static_cast<std::size_t>(b)].push_back(static_cast<TokenId>(4 + rng.below(static_cast<std::uint64_t>(vocab - 4))));
    for (Index j = 0; j < tgt_len; ++j)
      tgt[static_cast<std::size_t>(b)].push_back(static_cast<TokenId>(4 + rng.below(static_cast<std::uint64_t>(vocab - 4))));
  }
  return make_batch(src, tgt);
}

/// Workload (a)'s training step: the model, its first parameters, and a
/// batch of 32 sources of 64 tokens and targets of 11 words (+ </s>: 12
/// target steps). Its trainer is the benchmark's own.
struct TrainWorkload {
  ModelSize size;
  Seq2Seq<float> model{model_config(size)};
  ParamBuffer<float> params = model.init_params(1);
  Seq2SeqBatch batch = random_batch(32, 64, 11, size.vocab);
};

}  // namespace genattn_bench
