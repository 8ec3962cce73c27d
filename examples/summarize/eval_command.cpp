// examples/summarize/eval_command.cpp: `summarize eval` (see eval_command.hpp).
#include "eval_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "number_text.hpp"
#include "score_command.hpp"
#include "summarizer.hpp"

namespace summarize {

inline std::string shorten(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  std::size_t cut = n;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
  return s.substr(0, cut) + "...";
}

/// The first n words (pieces between spaces) of a collapsed text.
inline std::string lead_words(const std::string& collapsed, int n) {
  std::size_t end = 0;
  for (int k = 0; k < n; ++k) {
    end = collapsed.find(' ', k == 0 ? 0 : end + 1);  // the space after word k + 1
    if (end == std::string::npos) return collapsed;
  }
  return collapsed.substr(0, end);
}

/// What --n-best N > 1 adds: the mean over documents of distinct-1 and
/// distinct-2 across each document's list (genattn::Tokenizer's words, as
/// the repetition measure), and the scores of the oracle: each document's
/// summary of highest ROUGE-L F1 (stemmed) against its reference, the
/// better-ranked one on a tie.
inline nlohmann::json n_best_report(const std::vector<std::vector<std::string>>& lists,
                                    const std::vector<std::string>& refs) {
  const genattn::Tokenizer tokenizer;
  double distinct1 = 0.0, distinct2 = 0.0;
  std::size_t size = 0;
  std::vector<std::string> oracle;
  for (std::size_t i = 0; i < lists.size(); ++i) {
    std::vector<std::vector<std::string>> tokens;
    std::size_t pick = 0;
    double best = -1.0;
    for (std::size_t k = 0; k < lists[i].size(); ++k) {
      tokens.push_back(tokenizer.tokenize(lists[i][k]));
      const double f = genattn::rouge(refs[i], lists[i][k], true).rougeL.f;
      if (f > best) {
        best = f;
        pick = k;
      }
    }
    size = std::max(size, lists[i].size());
    distinct1 += genattn::distinct_ngrams(tokens, 1);
    distinct2 += genattn::distinct_ngrams(tokens, 2);
    oracle.push_back(lists[i][pick]);
  }
  const double n = lists.empty() ? 1.0 : static_cast<double>(lists.size());
  nlohmann::json j = {{"size", size}, {"distinct_1", distinct1 / n}, {"distinct_2", distinct2 / n}};
  j["oracle"] = score(oracle, refs, true, false);
  return j;
}

int eval_command(const EvalOptions& o) {
  if (o.lead <= 0 && o.model_dirs.empty()) throw InputError("eval needs --model DIR (or --lead N for the baseline)");
  try {  // checked before the decoding, not found unwritable after it
    if (!o.out.empty()) genattn::check_output_path(o.out, "summaries");
  } catch (const genattn::FileError& e) {
    throw InputError(e.what());
  }
  const std::vector<Pair> pairs = read_pairs(o.data);
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<Ensemble> ensemble;  // none for the lead baseline
  if (o.lead <= 0) ensemble.emplace(load_ensemble(o.model_dirs));
  // a model trained with --package-name reads each package's title first
  const bool titled = ensemble && ensemble->members().front().text.titled;
  std::vector<std::string> docs, refs, hyps;
  std::vector<std::vector<std::string>> n_best;  // with --n-best N > 1: each document's list, best first
  for (const auto& p : pairs) {
    docs.push_back(source_document(p, titled));
    refs.push_back(p.summary);
  }
  // --noise: every document corrupted, one Rng a document (genattn/text/noise.hpp)
  if (o.noise > 0) docs = genattn::corrupt_all(docs, genattn::NoiseRates::all(o.noise), o.noise_seed, 0);
  TruncationCount cut;
  std::string precision;  // the weights' (none for the lead baseline)
  std::size_t weight_bytes = 0;  // the parameters held and their packs
  if (o.lead > 0) {
    for (const auto& d : docs) hyps.push_back(lead_words(d, o.lead));
  } else {
    const Ensemble& s = *ensemble;
    std::vector<std::string> names;  // each member's precision, once
    for (const auto& m : s.members()) {
      const std::string name = genattn::precision_name(o.decode.precision.value_or(m.precision));
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    for (const auto& n : names) precision += (precision.empty() ? "" : ", ") + n;
    const auto packs = s.pack(o.decode.precision);  // packed once: decoding uses them, and their size is reported
    for (std::size_t m = 0; m < packs.size(); ++m) weight_bytes += s.members()[m].params.bytes() + packs[m].bytes();
    const auto out = summarize_documents(
        s, docs, o.decode, cut, [&](std::size_t i) { return o.data + ":" + std::to_string(i + 1); }, &packs);
    for (const auto& x : out) {
      hyps.push_back(x.texts.front());
      if (o.decode.search.n_best > 1 && !o.decode.sample) n_best.push_back(x.texts);
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string text;
  for (const auto& h : hyps) text += h + '\n';
  if (!o.out.empty()) genattn::write_file_atomically(o.out, text, "summaries");
  for (int i = 0; i < o.show && i < static_cast<int>(pairs.size()); ++i) {
    const auto k = static_cast<std::size_t>(i);
    std::cout << "document:  " << shorten(docs[k], 300) << "\nreference: " << pairs[k].summary
              << "\nsummary:   " << hyps[k] << "\n\n";
  }
  nlohmann::json j = score(hyps, refs, true, false);
  j["pairs"] = pairs.size();
  j["truncated_documents"] = cut.documents;
  j["truncated_tokens"] = cut.tokens;
  std::size_t repeated = 0;
  const genattn::Tokenizer tokenizer;
  for (const auto& h : hyps) repeated += genattn::has_repeated_ngram(tokenizer.tokenize(h), 3);
  j["repeated_trigrams"] = hyps.empty() ? 0.0 : 100.0 * static_cast<double>(repeated) / static_cast<double>(hyps.size());
  j["decode_seconds"] = secs;
  if (o.noise > 0) j["noise"] = o.noise;
  if (!n_best.empty()) j["n_best"] = n_best_report(n_best, refs);
  const auto& search = o.decode.search;
  j["search"] = o.lead > 0               ? "lead " + std::to_string(o.lead) + " words"
                : o.decode.sample        ? "sample"
                : search.beam == 1       ? "greedy"
                : search.groups == 1     ? "beam " + std::to_string(search.beam)
                                         : "diverse beam " + std::to_string(search.beam) + ", " +
                                               std::to_string(search.groups) + " groups, diversity " +
                                               shortest(search.diversity);
  if (o.model_dirs.size() > 1) j["ensemble"] = o.model_dirs.size();
  if (!precision.empty()) {
    j["weights"] = precision;  // the weights' precision (not ROUGE's)
    j["weight_bytes"] = weight_bytes;
  }
  std::cout << j.dump(2) << "\n";
  return 0;
}

}  // namespace summarize
