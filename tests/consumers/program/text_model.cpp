// The consumer program of the find_package test that uses a trained model:
// it loads the committed model directory (tests/fixtures/model) through the
// installed headers, as README's "A trained summarizer in your program"
// does, and summarizes two documents, through the umbrella header (which
// the installed package must hold whole). Usage: consumer_text_model MODEL_DIR
#include <genattn/genattn.hpp>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer_text_model MODEL_DIR\n");
    return 2;
  }
  try {
    const genattn::TextModel model = genattn::TextModel::load(argv[1]);
    genattn::SearchConfig search;
    search.beam = 3;
    search.unknown = genattn::UnknownPolicy::replace;
    const auto out = model.summarize({"A library for reading and writing JSON files in C++ programs.",
                                      "Command-line tool that compresses and decompresses files."},
                                     search);
    if (out.size() != 2) return 1;
    for (const auto& s : out) {
      if (s.texts.empty() || s.texts.front().empty()) return 1;
      std::printf("%s\t%.4f\n", s.texts.front().c_str(), s.hypotheses.front().score);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer_text_model: %s\n", e.what());
    return 1;
  }
  return 0;
}
