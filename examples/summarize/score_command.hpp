// examples/summarize/score_command.hpp: `summarize score`, scoring a file of
// hypotheses against a file of references, one per line.
//
// Output: one JSON object,
//   "bleu":   corpus BLEU (sacreBLEU: 13a tokens, exp smoothing)
//   "rouge1", "rouge2", "rougeL": {"precision", "recall", "f"}, each the mean
//             over lines of rouge_score's per-line values (with --stem: Porter)
//   "lines":  with --per-line, one {"rouge1", "rouge2", "rougeL"} per line
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <genattn/genattn.hpp>
#include <nlohmann/json.hpp>

#include "corpus.hpp"

namespace summarize {

/// The lines of a UTF-8 text file (a final newline ends the last line), as
/// eval and summarize read theirs: a file that is not UTF-8 (a binary file,
/// say) is refused with the line and byte (InputError).
inline std::vector<std::string> read_lines(const std::string& path) {
  const std::string text = read_bytes(path);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    check_utf8(lines.back(), path + ":" + std::to_string(lines.size()));
    start = end + 1;
  }
  return lines;
}

inline nlohmann::json rouge_json(const genattn::RougeScore& s) {
  return {{"precision", s.precision}, {"recall", s.recall}, {"f", s.f}};
}

/// rouge() of each (reference, hypothesis) pair and their mean (precision,
/// recall and F1 each averaged over pairs, as rouge_score's aggregate-free mean).
inline genattn::RougeScores mean_rouge(const std::vector<std::string>& refs, const std::vector<std::string>& hyps,
                                       bool stem, std::vector<genattn::RougeScores>* each = nullptr) {
  if (hyps.size() != refs.size())
    throw std::runtime_error("the hypotheses have " + std::to_string(hyps.size()) + " lines but the references have " +
                             std::to_string(refs.size()));
  genattn::RougeScores sum;
  for (std::size_t i = 0; i < hyps.size(); ++i) {
    const genattn::RougeScores r = genattn::rouge(refs[i], hyps[i], stem);
    genattn::RougeScore* to[3] = {&sum.rouge1, &sum.rouge2, &sum.rougeL};
    const genattn::RougeScore* from[3] = {&r.rouge1, &r.rouge2, &r.rougeL};
    for (int k = 0; k < 3; ++k) {
      to[k]->precision += from[k]->precision;
      to[k]->recall += from[k]->recall;
      to[k]->f += from[k]->f;
    }
    if (each != nullptr) each->push_back(r);
  }
  const double n = hyps.empty() ? 1.0 : static_cast<double>(hyps.size());
  for (genattn::RougeScore* r : {&sum.rouge1, &sum.rouge2, &sum.rougeL}) {
    r->precision /= n;
    r->recall /= n;
    r->f /= n;
  }
  return sum;
}

inline nlohmann::json score(const std::vector<std::string>& hyps, const std::vector<std::string>& refs, bool stem,
                            bool per_line) {
  std::vector<genattn::RougeScores> each;
  const genattn::RougeScores mean = mean_rouge(refs, hyps, stem, &each);
  nlohmann::json out = {{"bleu", genattn::corpus_bleu(hyps, refs).score},
                        {"rouge1", rouge_json(mean.rouge1)},
                        {"rouge2", rouge_json(mean.rouge2)},
                        {"rougeL", rouge_json(mean.rougeL)}};
  if (per_line) {
    nlohmann::json lines = nlohmann::json::array();
    for (const auto& r : each)
      lines.push_back({{"rouge1", rouge_json(r.rouge1)}, {"rouge2", rouge_json(r.rouge2)}, {"rougeL", rouge_json(r.rougeL)}});
    out["lines"] = lines;
  }
  return out;
}

/// `summarize score`: prints score(...) of the two files; returns the exit status.
int score_command(const std::string& hyp_path, const std::string& ref_path, bool stem, bool per_line);

}  // namespace summarize
