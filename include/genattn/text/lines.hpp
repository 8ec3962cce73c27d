// genattn/text/lines.hpp: the lines of a text held in memory.
//
// for_each_line(text, strip_cr, f) calls f(line, number) for each line:
// numbers start at 1, a final newline ends the last line (it does not start
// an empty one), and a trailing \r is removed when strip_cr is set.
#pragma once

#include <cstddef>
#include <string_view>

#include "genattn/version.hpp"

GENATTN_NAMESPACE_BEGIN

template <class F>
void for_each_line(std::string_view text, bool strip_cr, F f) {
  std::size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (strip_cr && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(line, ++line_no);
  }
}

GENATTN_NAMESPACE_END
