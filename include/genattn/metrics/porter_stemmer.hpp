// genattn/metrics/porter_stemmer.hpp: the Porter stemmer exactly as NLTK's
// PorterStemmer(mode=NLTK_EXTENSIONS) computes it, which Google's
// rouge_score uses. Input: a lower-case ASCII word.
//
// Porter (1980) steps 1a, 1b, 1c, 2, 3, 4, 5a, 5b with NLTK's extensions: a
// table of irregular forms, words of length <= 2 unchanged, 'ies'/'ied' of
// four letters -> 'ie', step 1c's y -> i only after a consonant (not as the
// second letter), 'alli' handled first in step 2 then step 2 again, 'bli' ->
// 'ble', 'fulli' -> 'ful', 'logi' -> 'log' with the 'l' kept in the stem, and
// *o true for a two-letter vowel-consonant stem.
#pragma once

#include <string>

#include "genattn/version.hpp"

GENATTN_NAMESPACE_BEGIN

class PorterStemmer {
 public:
  std::string stem(const std::string& word) const {
    if (const char* irregular = irregular_form(word)) return irregular;
    if (word.size() <= 2) return word;
    std::string w = step1a(word);
    w = step1b(w);
    w = step1c(w);
    w = step2(w);
    w = step3(w);
    w = step4(w);
    w = step5a(w);
    return step5b(w);
  }

 private:
  using S = std::string;

  static const char* irregular_form(const S& w) {
    static const char* const table[][2] = {
        {"sky", "sky"},         {"skies", "sky"},      {"dying", "die"},         {"lying", "lie"},
        {"tying", "tie"},       {"news", "news"},      {"innings", "inning"},     {"inning", "inning"},
        {"outings", "outing"},  {"outing", "outing"},  {"cannings", "canning"},  {"canning", "canning"},
        {"howe", "howe"},       {"proceed", "proceed"}, {"exceed", "exceed"},    {"succeed", "succeed"}};
    for (const auto& e : table)
      if (w == e[0]) return e[1];
    return nullptr;
  }

  static bool ends(const S& w, const S& suffix) {
    return w.size() >= suffix.size() && w.compare(w.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  static S cut(const S& w, std::size_t n) { return w.substr(0, w.size() - n); }

  static bool consonant(const S& w, std::size_t i) {
    const char c = w[i];
    if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') return false;
    if (c == 'y') return i == 0 ? true : !consonant(w, i - 1);
    return true;
  }
  /// m: the number of "vc" in the word's consonant/vowel pattern.
  static int measure(const S& w) {
    int m = 0;
    for (std::size_t i = 0; i + 1 < w.size(); ++i)
      if (!consonant(w, i) && consonant(w, i + 1)) ++m;
    return m;
  }
  static bool has_vowel(const S& w) {
    for (std::size_t i = 0; i < w.size(); ++i)
      if (!consonant(w, i)) return true;
    return false;
  }
  static bool double_consonant(const S& w) {
    return w.size() >= 2 && w[w.size() - 1] == w[w.size() - 2] && consonant(w, w.size() - 1);
  }
  /// *o: ends consonant-vowel-consonant, the last not w, x or y; or (NLTK) is
  /// a two-letter vowel-consonant word.
  static bool cvc(const S& w) {
    const std::size_t n = w.size();
    if (n >= 3 && consonant(w, n - 3) && !consonant(w, n - 2) && consonant(w, n - 1) && w[n - 1] != 'w' &&
        w[n - 1] != 'x' && w[n - 1] != 'y')
      return true;
    return n == 2 && !consonant(w, 0) && consonant(w, 1);
  }

  /// One rule of a list: if `w` ends with `suffix`, the list stops here; the
  /// rule applies when `cond(stem)` holds.
  template <class Cond>
  static bool rule(S& w, const S& suffix, const S& replacement, Cond cond) {
    if (!ends(w, suffix)) return false;
    const S stem = cut(w, suffix.size());
    if (cond(stem)) w = stem + replacement;
    return true;
  }
  static bool m_pos(const S& s) { return measure(s) > 0; }
  static bool m_gt1(const S& s) { return measure(s) > 1; }

  static S step1a(S w) {
    if (ends(w, "ies") && w.size() == 4) return cut(w, 3) + "ie";
    auto always = [](const S&) { return true; };
    if (rule(w, "sses", "ss", always) || rule(w, "ies", "i", always) || rule(w, "ss", "ss", always) ||
        rule(w, "s", "", always))
      return w;
    return w;
  }

  static S step1b(const S& w) {
    if (ends(w, "ied")) return cut(w, 3) + (w.size() == 4 ? "ie" : "i");
    if (ends(w, "eed")) {
      const S stem = cut(w, 3);
      return measure(stem) > 0 ? stem + "ee" : w;
    }
    S s;
    if (ends(w, "ed") && has_vowel(cut(w, 2)))
      s = cut(w, 2);
    else if (ends(w, "ing") && has_vowel(cut(w, 3)))
      s = cut(w, 3);
    else
      return w;
    if (ends(s, "at")) return s + "e";
    if (ends(s, "bl")) return s + "e";
    if (ends(s, "iz")) return s + "e";
    if (double_consonant(s)) {
      const char last = s.back();
      return (last != 'l' && last != 's' && last != 'z') ? cut(s, 2) + last : s;
    }
    if (measure(s) == 1 && cvc(s)) return s + "e";
    return s;
  }

  static S step1c(S w) {
    rule(w, "y", "i", [](const S& stem) { return stem.size() > 1 && consonant(stem, stem.size() - 1); });
    return w;
  }

  static S step2(S w) {
    if (ends(w, "alli") && m_pos(cut(w, 4))) return step2(cut(w, 4) + "al");
    const S word = w;
    static const char* const rules[][2] = {
        {"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"}, {"izer", "ize"},
        {"bli", "ble"},     {"alli", "al"},     {"entli", "ent"}, {"eli", "e"},     {"ousli", "ous"},
        {"ization", "ize"}, {"ation", "ate"},   {"ator", "ate"},  {"alism", "al"},  {"iveness", "ive"},
        {"fulness", "ful"}, {"ousness", "ous"}, {"aliti", "al"},  {"iviti", "ive"}, {"biliti", "ble"},
        {"fulli", "ful"}};
    for (const auto& r : rules)
      if (rule(w, r[0], r[1], m_pos)) return w;
    // 'logi' -> 'log', measured on the stem with its 'l'
    rule(w, "logi", "log", [&](const S&) { return m_pos(cut(word, 3)); });
    return w;
  }

  static S step3(S w) {
    static const char* const rules[][2] = {{"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"},
                                           {"ical", "ic"},  {"ful", ""},   {"ness", ""}};
    for (const auto& r : rules)
      if (rule(w, r[0], r[1], m_pos)) return w;
    return w;
  }

  static S step4(S w) {
    static const char* const before_ion[] = {"al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent"};
    for (const char* s : before_ion)
      if (rule(w, s, "", m_gt1)) return w;
    if (rule(w, "ion", "", [](const S& stem) { return measure(stem) > 1 && (stem.back() == 's' || stem.back() == 't'); }))
      return w;
    static const char* const after_ion[] = {"ou", "ism", "ate", "iti", "ous", "ive", "ize"};
    for (const char* s : after_ion)
      if (rule(w, s, "", m_gt1)) return w;
    return w;
  }

  static S step5a(const S& w) {
    if (!ends(w, "e")) return w;
    const S stem = cut(w, 1);
    const int m = measure(stem);
    if (m > 1) return stem;
    if (m == 1 && !cvc(stem)) return stem;
    return w;
  }

  static S step5b(S w) {
    const S word = w;
    rule(w, "ll", "l", [&](const S&) { return measure(cut(word, 1)) > 1; });
    return w;
  }
};

GENATTN_NAMESPACE_END
