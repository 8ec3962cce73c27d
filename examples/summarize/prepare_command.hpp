// examples/summarize/prepare_command.hpp: `summarize prepare`, Translation-en
// (plain or LZ4) to DIR/train.tsv, valid.tsv and test.tsv.
#pragma once

#include <string>

namespace summarize {

/// Runs the command; returns the exit status. Throws on bad input (one line).
int prepare_command(const std::string& input, const std::string& out_dir);

}  // namespace summarize
