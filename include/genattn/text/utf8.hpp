// genattn/text/utf8.hpp: UTF-8 decoding and encoding.
//
// decode() turns bytes into code points. Invalid input (a stray continuation
// byte, a truncated sequence, an overlong form, a surrogate, a value above
// U+10FFFF) is either replaced by U+FFFD, one per maximal invalid subpart as
// the Unicode standard recommends, or rejected with std::invalid_argument
// naming the byte offset. Never undefined behaviour.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "genattn/version.hpp"

GENATTN_NAMESPACE_BEGIN

enum class InvalidUtf8 { replace, reject };

/// Decodes `s` to code points.
inline std::u32string utf8_decode(std::string_view s, InvalidUtf8 policy = InvalidUtf8::replace) {
  std::u32string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      out.push_back(c);
      ++i;
      continue;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
      if (c == 0xE0) lo = 0xA0;   // no overlong forms
      if (c == 0xED) hi = 0x9F;   // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;   // at most U+10FFFF
    }
    std::size_t k = 1;
    if (len != 0) {
      for (; k < len && i + k < n; ++k) {
        const unsigned char b = p[i + k];
        if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) break;
        cp = (cp << 6) | (b & 0x3F);
      }
    }
    if (len == 0 || k < len) {
      if (policy == InvalidUtf8::reject)
        throw std::invalid_argument("invalid UTF-8 at byte " + std::to_string(i));
      out.push_back(U'\uFFFD');
      i += len == 0 ? 1 : k;  // the maximal invalid subpart
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

/// Appends the UTF-8 encoding of `cp` (a valid scalar value) to `out`.
inline void utf8_append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

inline std::string utf8_encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t cp : s) utf8_append(out, cp);
  return out;
}

/// ASCII white space: space, \t, \n, \v, \f, \r (C's isspace in the "C" locale).
inline bool is_ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/// Python's str.isspace() (what str.split() with no argument splits on).
inline bool is_unicode_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

GENATTN_NAMESPACE_END
