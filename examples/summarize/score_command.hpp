// examples/summarize/score_command.hpp: `summarize score`, scoring a file of
// hypotheses against a file of references, one per line.
//
// Output: one JSON object,
//   "bleu":   corpus BLEU (sacreBLEU: 13a tokens, exp smoothing)
//   "rouge1", "rouge2", "rougeL": {"precision", "recall", "f"}, each the mean
//             over lines of rouge_score's per-line values (with --stem: Porter)
//   "lines":  with --per-line, one {"rouge1", "rouge2", "rougeL"} per line
#pragma once

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <genattn/genattn.hpp>
#include <nlohmann/json.hpp>

namespace summarize {

/// The lines of a UTF-8 text file (a final newline ends the last line).
inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

inline nlohmann::json rouge_json(const genattn::RougeScore& s) {
  return {{"precision", s.precision}, {"recall", s.recall}, {"f", s.f}};
}

inline nlohmann::json score(const std::vector<std::string>& hyps, const std::vector<std::string>& refs, bool stem,
                            bool per_line) {
  if (hyps.size() != refs.size())
    throw std::runtime_error("the hypotheses have " + std::to_string(hyps.size()) + " lines but the references have " +
                             std::to_string(refs.size()));
  genattn::RougeScore sum[3];
  nlohmann::json lines = nlohmann::json::array();
  for (std::size_t i = 0; i < hyps.size(); ++i) {
    const genattn::RougeScores r = genattn::rouge(refs[i], hyps[i], stem);
    const genattn::RougeScore* parts[3] = {&r.rouge1, &r.rouge2, &r.rougeL};
    for (int k = 0; k < 3; ++k) {
      sum[k].precision += parts[k]->precision;
      sum[k].recall += parts[k]->recall;
      sum[k].f += parts[k]->f;
    }
    if (per_line) lines.push_back({{"rouge1", rouge_json(r.rouge1)}, {"rouge2", rouge_json(r.rouge2)}, {"rougeL", rouge_json(r.rougeL)}});
  }
  const double n = hyps.empty() ? 1.0 : static_cast<double>(hyps.size());
  for (auto& s : sum) {
    s.precision /= n;
    s.recall /= n;
    s.f /= n;
  }
  nlohmann::json out = {{"bleu", genattn::corpus_bleu(hyps, refs).score},
                        {"rouge1", rouge_json(sum[0])},
                        {"rouge2", rouge_json(sum[1])},
                        {"rougeL", rouge_json(sum[2])}};
  if (per_line) out["lines"] = lines;
  return out;
}

}  // namespace summarize
