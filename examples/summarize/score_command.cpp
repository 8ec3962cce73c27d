// examples/summarize/score_command.cpp: `summarize score` (see score_command.hpp).
#include "score_command.hpp"

#include <iostream>
#include <string>

namespace summarize {

int score_command(const std::string& hyp_path, const std::string& ref_path, bool stem, bool per_line) {
  std::cout << score(read_lines(hyp_path), read_lines(ref_path), stem, per_line).dump(2) << "\n";
  return 0;
}

}  // namespace summarize
