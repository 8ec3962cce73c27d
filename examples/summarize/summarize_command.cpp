// examples/summarize/summarize_command.cpp: `summarize summarize` (see summarize_command.hpp).
#include "summarize_command.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "attention_svg.hpp"
#include "summarizer.hpp"

namespace summarize {

int summarize_command(const SummarizeOptions& o) {
  // the outputs are checked before the work, not found unwritable after it
  try {
    if (!o.output.empty()) genattn::check_output_path(o.output, "summaries");
    if (!o.attention.empty()) genattn::check_output_path(o.attention, "attention map");
  } catch (const genattn::FileError& e) {
    throw InputError(e.what());
  }
  const Ensemble s = load_ensemble(o.model_dirs);
  const std::string name = o.input == "-" ? "stdin" : o.input;
  std::string text;
  if (o.input == "-") {
    // std::cin reads through stdio (synced): a read error (stdin a
    // directory, an I/O error) shows in ferror(stdin), not in cin.bad()
    errno = 0;
    text = genattn::read_stream(std::cin);
    if (std::cin.bad() || std::ferror(stdin))
      throw InputError(std::string("cannot read stdin: ") + (errno != 0 ? std::strerror(errno) : "read error"));
  } else {
    text = read_bytes(o.input);
  }
  // a model trained with --package-name: PACKAGE<TAB>DESCRIPTION lines
  const std::vector<std::string> docs = read_documents(text, name, s.members().front().text.titled);
  TruncationCount cut;
  const auto out = summarize_documents(s, docs, o.decode, cut, [&](std::size_t i) { return name + ":" + std::to_string(i + 1); });
  if (cut.documents > 0)
    std::fprintf(stderr, "summarize: %zu documents were cut at %lld tokens (%zu tokens not read)\n", cut.documents,
                 static_cast<long long>(s.members().front().text.max_source), cut.tokens);
  std::string result;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (o.decode.search.n_best == 1 || o.decode.sample) {
      result += out[i].texts.front() + '\n';
      continue;
    }
    for (std::size_t r = 0; r < out[i].texts.size(); ++r) {
      char score[32];
      std::snprintf(score, sizeof score, "%.4f", out[i].hypotheses[r].score);
      result += std::to_string(i + 1) + '\t' + std::to_string(r + 1) + '\t' + score + '\t' + out[i].texts[r] + '\n';
    }
  }
  if (o.output.empty())
    std::cout << result << std::flush;
  else
    genattn::write_file_atomically(o.output, result, "summaries");
  if (!o.attention.empty()) {
    std::vector<AlignmentPanel> panels;
    for (const auto& d : out) {
      const auto& h = d.hypotheses.front();
      panels.push_back({d.source_tokens, d.words.front(), h.alignment});
    }
    genattn::write_file_atomically(o.attention, attention_svg(panels), "attention map");
  }
  return 0;
}

}  // namespace summarize
