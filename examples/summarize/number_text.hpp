// examples/summarize/number_text.hpp: doubles as text, for messages, the
// settings MPI ranks compare, and eval's report.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace summarize {

/// `x` in the fewest digits that read back as x (two doubles give the same
/// text only when they are the same double: the ranks compare settings so).
inline std::string shortest(double x) {
  char text[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, x);
    if (std::strtod(text, nullptr) == x) break;
  }
  return text;
}

}  // namespace summarize
