// genattn/metrics/tokenizer_13a.hpp: sacreBLEU's default "13a" tokenizer
// (mteval-v13a), applied to code points as Python applies its regexes:
//
//   remove "<skipped>"; "-\n" -> ""; "\n" -> " "; unescape &quot; &amp; &lt; &gt;
//   pad " line ", then, each pass scanning left to right without overlap:
//   1. ([{-~[-` -&(-+:-@/])  -> " \1 "        (ASCII punctuation and symbols)
//   2. ([^0-9])([.,])        -> "\1 \2 "      (period, comma not after a digit)
//   3. ([.,])([^0-9])        -> " \1 \2"      (period, comma not before a digit)
//   4. ([0-9])(-)            -> "\1 \2 "      (dash after a digit)
//   split on white space (Python's str.split) and join with one space.
#pragma once

#include <string>
#include <string_view>

#include "genattn/text/utf8.hpp"

GENATTN_NAMESPACE_BEGIN

namespace detail {
inline void replace_all(std::string& s, std::string_view from, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}
inline bool is_digit32(char32_t c) { return c >= '0' && c <= '9'; }
inline bool is_13a_symbol(char32_t c) {
  return (c >= 0x7B && c <= 0x7E) || (c >= 0x5B && c <= 0x60) || (c >= 0x20 && c <= 0x26) ||
         (c >= 0x28 && c <= 0x2B) || (c >= 0x3A && c <= 0x40) || c == 0x2F;
}
}  // namespace detail

/// The tokens of `line` under 13a, joined by single spaces.
inline std::string tokenize_13a(std::string_view line_in) {
  std::string line(line_in);
  detail::replace_all(line, "<skipped>", "");
  detail::replace_all(line, "-\n", "");
  detail::replace_all(line, "\n", " ");
  if (line.find('&') != std::string::npos) {
    detail::replace_all(line, "&quot;", "\"");
    detail::replace_all(line, "&amp;", "&");
    detail::replace_all(line, "&lt;", "<");
    detail::replace_all(line, "&gt;", ">");
  }
  const std::u32string s = U" " + utf8_decode(line) + U" ";
  std::u32string a;
  for (char32_t c : s) {
    if (detail::is_13a_symbol(c)) {
      a += U' ';
      a += c;
      a += U' ';
    } else {
      a += c;
    }
  }
  auto is_pc = [](char32_t c) { return c == U'.' || c == U','; };
  std::u32string b;
  for (std::size_t i = 0; i < a.size();) {
    if (i + 1 < a.size() && !detail::is_digit32(a[i]) && is_pc(a[i + 1])) {
      b += a[i];
      b += U' ';
      b += a[i + 1];
      b += U' ';
      i += 2;
    } else {
      b += a[i++];
    }
  }
  std::u32string c3;
  for (std::size_t i = 0; i < b.size();) {
    if (i + 1 < b.size() && is_pc(b[i]) && !detail::is_digit32(b[i + 1])) {
      c3 += U' ';
      c3 += b[i];
      c3 += U' ';
      c3 += b[i + 1];
      i += 2;
    } else {
      c3 += b[i++];
    }
  }
  std::u32string d;
  for (std::size_t i = 0; i < c3.size();) {
    if (i + 1 < c3.size() && detail::is_digit32(c3[i]) && c3[i + 1] == U'-') {
      d += c3[i];
      d += U' ';
      d += U'-';
      d += U' ';
      i += 2;
    } else {
      d += c3[i++];
    }
  }
  std::u32string out;
  bool pending = false;
  for (char32_t ch : d) {
    if (is_unicode_space(ch)) {
      pending = !out.empty();
    } else {
      if (pending) out += U' ';
      pending = false;
      out += ch;
    }
  }
  return utf8_encode(out);
}

GENATTN_NAMESPACE_END
