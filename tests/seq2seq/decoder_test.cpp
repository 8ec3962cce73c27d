#include <gtest/gtest.h>

#include <genattn/seq2seq/decoder.hpp>
#include <genattn/core/init.hpp>

#include "support/batch.hpp"
#include "support/gradcheck.hpp"

using namespace genattn;
using namespace genattn_test;

// Teacher-forced decoder (2 layers, input feeding, additive attention,
// dropout on): gradients of every parameter, the memory H, the target
// embeddings and the initial states.
TEST(Decoder, GradientsDoubleForEveryParameterAndInput) {
  const Index E = 3, K = 4, S = 3, V = 5, Ts = 3, steps = 3;
  const Lengths src_lengths{3, 1};
  const Index B = 2;
  ParamLayout layout;
  Decoder<double> dec(layout, "decoder", DecoderConfig{E, K, S, 2, V, AttentionKind::additive, 4});
  ParamBuffer<double> p(layout), g(layout);
  Rng rng(4);
  init_params(layout, p, rng);
  for (const auto& s : layout.slots()) p[s.param] += 0.3 * Mat<double>::Random(s.param.rows, s.param.cols);
  Mat<double> H = random_padded_batch<double>(K, src_lengths, Ts);
  zero_padding(H, src_lengths);
  Mat<double> emb = Mat<double>::Random(E, steps * B);
  std::vector<LstmState<double>> init{{Mat<double>::Random(S, B), Mat<double>::Random(S, B)},
                                      {Mat<double>::Random(S, B), Mat<double>::Random(S, B)}};
  const SourceMap map = SourceMap::identity(src_lengths, Ts);
  const Mat<double> r = Mat<double>::Random(V, steps * B);
  Mat<double> keys;
  Decoder<double>::Saved cache;
  Decoder<double>::Workspace ws;
  auto loss = [&] {
    dec.attention().keys_forward(p, H, keys);
    Rng dropout(5);
    dec.forward(p, {H, keys, map}, emb, init, cache, ws, 0.25, &dropout);
    return (r.array() * cache.logits.array()).sum();
  };
  loss();
  Mat<double> dH = Mat<double>::Zero(K, Ts * B), dkeys = Mat<double>::Zero(keys.rows(), keys.cols());
  Mat<double> demb = Mat<double>::Zero(E, steps * B);
  std::vector<LstmState<double>> d_init;
  dec.backward(p, g, {H, keys, map}, cache, r, nullptr, {dH, dkeys, demb, d_init}, ws);
  dec.attention().keys_backward(p, g, H, dkeys, dH);
  auto vars = parameter_variables(layout, p, g);
  vars.push_back({"H", H.data(), dH.data(), H.size()});
  vars.push_back({"emb", emb.data(), demb.data(), emb.size()});
  for (std::size_t l = 0; l < 2; ++l) {
    vars.push_back({"h0." + std::to_string(l), init[l].h.data(), d_init[l].h.data(), init[l].h.size()});
    vars.push_back({"c0." + std::to_string(l), init[l].c.data(), d_init[l].c.data(), init[l].c.size()});
  }
  expect_gradients_match<double>(vars, loss, kDouble);
  // The alignment of every step is kept, with exact zeros on padding.
  EXPECT_EQ(cache.alignment.rows(), Ts);
  for (Index t = 0; t < steps; ++t) {
    EXPECT_NEAR(cache.alignment.col(t * B + 1).sum(), 1.0, 1e-14);
    EXPECT_EQ(cache.alignment(1, t * B + 1), 0.0);
  }
}
