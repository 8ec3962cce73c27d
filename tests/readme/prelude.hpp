// tests/readme/prelude.hpp: what the README blocks' programs share (included
// after the blocks' own #include lines; see readme_blocks.cmake).
#pragma once

#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <genattn/genattn.hpp>

#include "support/text_model_dir.hpp"

namespace readme {

/// Fails the block's test with `what` unless `ok`.
inline void expect(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

/// A small untrained model, its parameters and a batch of two sources (of 8
/// and 6 tokens), for the blocks that decode.
struct Tiny {
  static genattn::Seq2SeqConfig config() {
    genattn::Seq2SeqConfig c;
    c.src_vocab = c.tgt_vocab = 20;
    c.embedding = c.encoder_hidden = c.decoder_hidden = 8;
    return c;
  }
  genattn::Seq2Seq<float> model{config()};
  genattn::ParamBuffer<float> params = model.init_params(5);
  genattn::Seq2SeqBatch batch =
      genattn::make_batch({{4, 5, 6, 7, 8, 9, 10, 11}, {12, 13, 14, 15, 16, 17}}, {{}, {}});
};

}  // namespace readme
