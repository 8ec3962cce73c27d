// examples/summarize/summarize_command.hpp: `summarize summarize`, documents
// (one a line, from a file or stdin) to summaries (one a line; with --n-best
// N > 1, N lines a document: index, rank, score, summary, tab-separated).
// --attention FILE.svg draws every best summary's alignment.
#pragma once

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "attention_svg.hpp"
#include "summarizer.hpp"

namespace summarize {

struct SummarizeOptions {
  std::vector<std::string> model_dirs;  ///< one model, or the members of an ensemble
  std::string input = "-", output, attention;
  DecodeOptions decode;
};

/// Runs the command; returns the exit status. Throws on bad input (one line).
int summarize_command(const SummarizeOptions& o);

}  // namespace summarize
