// tests/seq2seq/packed_decoding.hpp: what the packed decoding tests share
// (packed_decoding_test.cpp, reduced_decoding_test.cpp): Eigen's allocation
// guard and assertions, live in these release-built tests, models of four
// kinds, a batch, and five decoding steps traced. Included first, before
// any Eigen header, by each of the binary's units, so that all of them
// compile the library with the same checks.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

// Eigen's allocation guard, live in this release-built test: a heap
// allocation while it is off throws.
#define EIGEN_RUNTIME_NO_MALLOC
#define eigen_assert(x) \
  if (!(x)) throw std::logic_error("eigen_assert: " #x)
#include <genattn/core/init.hpp>
#include <genattn/seq2seq/seq2seq.hpp>

namespace packed_decoding {

using namespace genattn;


struct Case {
  const char* name;
  bool copy, coverage;
  AttentionKind attention;
};

// The four kinds each parameterized test runs: plain (additive and general
// attention), copy, copy with coverage; named by `name`.
inline const Case kCases[] = {{"additive", false, false, AttentionKind::additive},
                              {"general", false, false, AttentionKind::general},
                              {"copy", true, false, AttentionKind::additive},
                              {"copy_coverage", true, true, AttentionKind::additive}};

// Sizes past several panels and register tiles of the kernel.
inline Seq2SeqConfig model_config(const Case& k) {
  Seq2SeqConfig c;
  c.src_vocab = 40;
  c.tgt_vocab = 53;
  c.embedding = 6;
  c.encoder_hidden = 5;
  c.decoder_hidden = 21;
  c.decoder_layers = 2;
  c.attention = k.attention;
  c.attention_hidden = 14;
  c.copy = k.copy;
  c.coverage = k.coverage;
  return c;
}

// 9 sources of 1 to 7 tokens; with copy, ids 50.. stand for source words
// outside the target vocabulary.
inline Seq2SeqBatch batch_of(const Seq2SeqConfig& c, Index sources = 9) {
  Rng rng(11);
  std::vector<TokenIds> src, ext, tgt;
  for (Index b = 0; b < sources; ++b) {
    TokenIds s, e;
    for (std::uint64_t j = 0, n = 1 + (static_cast<std::uint64_t>(b) * 5) % 7; j < n; ++j) {
      s.push_back(static_cast<TokenId>(4 + rng.below(36)));
      const auto word = static_cast<TokenId>(4 + rng.below(40));
      e.push_back(j % 3 == 0 ? static_cast<TokenId>(c.tgt_vocab + static_cast<Index>(j % 2)) : word);
    }
    src.push_back(s);
    ext.push_back(e);
    tgt.push_back({5});
  }
  return c.copy ? make_copy_batch(src, ext, tgt, c.tgt_vocab) : make_batch(src, tgt);
}

struct Trace {
  std::vector<Mat<float>> logits, alignment;
  Seq2Seq<float>::DecoderState state;
};

// A model of the case's kind, its parameters, their packed copy, a batch.
struct Decoding {
  explicit Decoding(const Case& k, std::uint64_t seed = 7, Index sources = 9)
      : config(model_config(k)), model(config), p(model.init_params(seed)), packed(model.pack(p)),
        batch(batch_of(config, sources)) {}

  // Five steps fed fixed tokens (not the argmax, so that runs whose logits
  // differ by rounding still read the same inputs); copied ids included.
  // The source is encoded with the same weights (null: Eigen's products).
  Trace run(const Seq2Seq<float>::Packed* weights, int threads, std::vector<Index> items = {}) const {
    const auto m = model.encode(p, batch.src, batch.src_lengths, batch.src_ext, threads, weights);
    Trace out;
    out.state = model.start(m, items);
    Seq2Seq<float>::StepWorkspace ws;
    ws.packed = weights;
    ws.threads = threads;
    TokenIds prev(static_cast<std::size_t>(out.state.size()), model.config().ids.bos);
    const Index V = model.output_size(m);
    for (Index t = 0; t < 5; ++t) {
      Mat<float> logits, align;
      model.step(p, m, out.state, prev, logits, &align, ws);
      out.logits.push_back(logits);
      out.alignment.push_back(align);
      for (std::size_t k = 0; k < prev.size(); ++k)
        prev[k] = static_cast<TokenId>(4 + (t * 7 + static_cast<Index>(k) * 3) % (V - 4));
    }
    return out;
  }

  Seq2SeqConfig config;
  Seq2Seq<float> model;
  ParamBuffer<float> p;
  Seq2Seq<float>::Packed packed;
  Seq2SeqBatch batch;
};

inline void expect_same_bits(const Trace& a, const Trace& b) {
  ASSERT_EQ(a.logits.size(), b.logits.size());
  for (std::size_t t = 0; t < a.logits.size(); ++t) {
    EXPECT_EQ(a.logits[t], b.logits[t]) << "step " << t;
    EXPECT_EQ(a.alignment[t], b.alignment[t]) << "step " << t;
  }
  for (std::size_t l = 0; l < a.state.layers.size(); ++l) {
    EXPECT_EQ(a.state.layers[l].h, b.state.layers[l].h);
    EXPECT_EQ(a.state.layers[l].c, b.state.layers[l].c);
  }
  EXPECT_EQ(a.state.z, b.state.z);
  EXPECT_EQ(a.state.coverage, b.state.coverage);
}

}  // namespace packed_decoding
