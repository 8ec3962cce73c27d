// tests/train/compat_model.hpp: the model, batch and outputs of the format
// compatibility fixture (compat_test.cpp checks it; write_compat_fixture.cpp
// wrote it, once).
#pragma once

#include <genattn/genattn.hpp>

#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

namespace genattn_test {
using namespace genattn;

inline const std::string compat_dir = std::string(GENATTN_FIXTURE_DIR) + "/compat/";

inline Seq2SeqConfig compat_config() {
  Seq2SeqConfig c;
  c.src_vocab = 14;
  c.tgt_vocab = 11;
  c.embedding = 6;
  c.encoder_hidden = 5;
  c.decoder_hidden = 7;
  c.decoder_layers = 2;
  c.dropout = 0.1;
  return c;
}

inline Seq2SeqBatch compat_batch() { return make_batch({{4, 5, 6, 7}, {8, 9}, {10, 11, 12}}, {{4, 5}, {6, 7, 8}, {9}}); }

inline const std::vector<TokenIds> compat_sources = {{4, 5, 6, 7, 8}, {13, 12, 11}, {9}};

/// The recorded outputs: "loss L" on compat_batch(), then "greedy t1 t2 ..." per source.
template <class T>
std::vector<std::string> compat_outputs(const Seq2Seq<T>& model, const ParamBuffer<T>& p) {
  typename Seq2Seq<T>::Cache cache;
  std::vector<std::string> out;
  std::ostringstream loss;
  loss << std::setprecision(9) << "loss " << model.loss(p, compat_batch(), cache).loss;
  out.push_back(loss.str());
  for (const auto& s : compat_sources) {
    const auto h = greedy_search(model, p, s, {static_cast<Index>(s.size())}, SearchConfig{});
    std::string line = "greedy";
    for (TokenId t : h.front().tokens) line += " " + std::to_string(t);
    out.push_back(line);
  }
  return out;
}

}  // namespace genattn_test
