// tests/support/text_model_dir.hpp: a small model directory as `summarize
// train` writes it, made in the test: an untrained network (seeded, so its
// summaries are fixed), both vocabularies and the words model.ckpt stores.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <genattn/pipeline/text_model.hpp>

namespace genattn_test {

inline const std::vector<std::string>& text_model_documents() {
  static const std::vector<std::string> docs = {
      "The fast archiver compresses files with the zstd library.",
      "A tool for the terminal that shows the files of a package.",
      "Fonts for the desktop, with many glyphs and styles.",
  };
  return docs;
}

/// Writes the model directory `dir` (made if missing): vocabularies from
/// text_model_documents(), documents cut at 9 tokens, summaries of at most
/// max_target - 1 tokens; a pointer-generator with coverage when `copy`;
/// the weights drawn from `seed`.
inline void write_text_model_dir(const std::string& dir, bool copy, genattn::Index max_target = 6,
                                 std::uint64_t seed = 7) {
  using namespace genattn;
  std::filesystem::create_directories(dir);
  Tokenizer tok;
  std::vector<std::vector<std::string>> texts;
  for (const auto& d : text_model_documents()) texts.push_back(tok.tokenize(d));
  const Vocabulary source = Vocabulary::build(texts), target = Vocabulary::build({texts[0], texts[1]});
  source.save(model_files::source_vocab(dir));
  target.save(model_files::target_vocab(dir));
  Seq2SeqConfig c;
  c.src_vocab = source.size();
  c.tgt_vocab = target.size();
  c.embedding = 8;
  c.encoder_hidden = 6;
  c.decoder_hidden = 10;
  c.copy = copy;
  c.coverage = copy;
  const Seq2Seq<float> model(c);
  ParamBuffer<float> p = model.init_params(seed);
  p.flat() *= 3.0f;  // an untrained network that still prefers some words
  TextSettings text;
  text.max_source = 9;
  text.max_target = max_target;
  save_model(model_files::model(dir), model, p,
             text_model_words(text, file_hash(model_files::source_vocab(dir)),
                              file_hash(model_files::target_vocab(dir))));
}

}  // namespace genattn_test
