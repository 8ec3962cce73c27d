// examples/summarize/eval_command.hpp: `summarize eval`, decoding a corpus
// file and scoring the summaries against its synopses.
//
// Prints one JSON object: BLEU, ROUGE-1/2/L (rouge_score with stemming: the
// mean of per-pair precision, recall, F1), the pairs, the documents cut at the
// model's maximum, the share of summaries holding a repeated trigram (in
// percent, over the summarizer's own tokens, punctuation included: See et
// al.'s measure of repetition),
// and the decoding time. --out writes the summaries, one a
// line; --show N prints N pairs (document, reference, summary) first.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "summarizer.hpp"

namespace summarize {

struct EvalOptions {
  std::vector<std::string> model_dirs;  ///< one model, or the members of an ensemble
  std::string data, out;
  int show = 0;
  int lead = 0;  ///< > 0: no model; the summary is the document's first `lead` words (the baseline)
  double noise = 0.0;           ///< > 0: the documents are corrupted first (genattn/text/noise.hpp), each kind at this rate
  std::uint64_t noise_seed = 1;  ///< the corruption's seed
  DecodeOptions decode;
};

/// Runs the command; returns the exit status. Throws on bad input (one line).
int eval_command(const EvalOptions& o);

}  // namespace summarize
