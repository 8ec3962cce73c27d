// genattn/text/tokenizer.hpp: UTF-8 text to tokens and back.
//
// Tokens are maximal runs of word characters (letters, digits, and any other
// non-space, non-punctuation code point), which may hold connectors that keep
// identifiers readable:
//   - _ . : '   between word characters (or + and a word character)       libfoo-dev  x86-64  2.1.0  Foo::Bar  don't
//   + (a run)   right after a word character        c++  g++-12  libstdc++6
// Every other punctuation or symbol character is a token of its own, and
// white space separates. Optional lower-casing maps A-Z and the Latin-1,
// Greek and Cyrillic capitals. Invalid UTF-8 is replaced by U+FFFD or
// rejected with std::invalid_argument naming the byte.
//
// detokenize() joins tokens for display: no space before . , ; : ! ? ) ] } %
// and after ( [ {.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "genattn/text/utf8.hpp"

GENATTN_NAMESPACE_BEGIN

struct TokenizerConfig {
  bool lowercase = true;
  InvalidUtf8 invalid = InvalidUtf8::replace;
};

class Tokenizer {
 public:
  explicit Tokenizer(const TokenizerConfig& config = {}) : config_(config) {}

  std::vector<std::string> tokenize(std::string_view text) const {
    std::u32string s = utf8_decode(text, config_.invalid);
    if (config_.lowercase)
      for (auto& c : s) c = lower(c);
    std::vector<std::string> out;
    std::u32string cur;
    auto flush = [&] {
      if (!cur.empty()) out.push_back(utf8_encode(cur));
      cur.clear();
    };
    const std::size_t n = s.size();
    for (std::size_t i = 0; i < n; ++i) {
      const char32_t c = s[i];
      if (is_unicode_space(c)) {
        flush();
      } else if (is_word(c)) {
        cur += c;
      } else if (c == U'+' && !cur.empty() && (is_word(cur.back()) || cur.back() == U'+')) {
        cur += c;
      } else if (is_connector(c) && !cur.empty() && (is_word(cur.back()) || cur.back() == U'+')) {
        // a run of connectors joins only when a word character follows
        std::size_t j = i;
        while (j < n && is_connector(s[j])) ++j;
        if (j < n && is_word(s[j])) {
          cur.append(s, i, j - i);
          i = j - 1;
        } else {
          flush();
          for (std::size_t k = i; k < j; ++k) out.push_back(utf8_encode(std::u32string(1, s[k])));
          i = j - 1;
        }
      } else {
        flush();
        out.push_back(utf8_encode(std::u32string(1, c)));
      }
    }
    flush();
    return out;
  }

  static std::string detokenize(const std::vector<std::string>& tokens) {
    std::string out;
    bool no_space_next = true;
    for (const auto& t : tokens) {
      const bool closing = t == "." || t == "," || t == ";" || t == ":" || t == "!" || t == "?" || t == ")" ||
                           t == "]" || t == "}" || t == "%";
      if (!no_space_next && !closing) out += ' ';
      out += t;
      no_space_next = t == "(" || t == "[" || t == "{";
    }
    return out;
  }

  static bool is_punctuation(char32_t c) {
    if (c < 0x80) return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    return (c >= 0xA1 && c <= 0xBF) || c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x206F) ||
           (c >= 0x2190 && c <= 0x22FF) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF01 && c <= 0xFF0F) ||
           (c >= 0xFF1A && c <= 0xFF20) || c == 0xFFFD;
  }

 private:
  static bool is_word(char32_t c) { return !is_unicode_space(c) && !is_punctuation(c); }
  static bool is_connector(char32_t c) { return c == U'-' || c == U'_' || c == U'.' || c == U':' || c == U'\''; }
  static char32_t lower(char32_t c) {
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    return c;
  }

  TokenizerConfig config_;
};

GENATTN_NAMESPACE_END
