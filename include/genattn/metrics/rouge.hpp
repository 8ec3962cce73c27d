// genattn/metrics/rouge.hpp: ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum exactly
// as Google's rouge_score 0.1.2 computes them (score(target=ref, prediction=hyp)).
//
// Tokens: lower-case (Python's str.lower: A-Z, and U+0130 -> "i" + U+0307,
// U+212A -> "k"), every run of characters outside [a-z0-9] becomes a space,
// split; with stemming, NLTK's Porter stemmer on tokens longer than 3.
//
//   ROUGE-N:  overlap = sum_g min(count_hyp(g), count_ref(g)) over n-grams g
//             P = overlap / max(#hyp n-grams, 1),  R = overlap / max(#ref n-grams, 1)
//   ROUGE-L:  LCS of the token lists;  P = LCS / |hyp|,  R = LCS / |ref|  (0 when either is empty)
//   ROUGE-Lsum: lines are sentences; union-LCS hits counted once per token occurrence
//   F = 2 P R / (P + R), or 0 when P + R = 0.
// Corpus figures are the mean of the per-line scores.
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "genattn/metrics/ngrams.hpp"
#include "genattn/metrics/porter_stemmer.hpp"
#include "genattn/text/utf8.hpp"

GENATTN_NAMESPACE_BEGIN

struct RougeScore {
  double precision = 0.0, recall = 0.0, f = 0.0;
};

struct RougeScores {
  RougeScore rouge1, rouge2, rougeL, rougeLsum;
};

/// rouge_score's tokenizer.
inline std::vector<std::string> rouge_tokenize(std::string_view text, bool stem) {
  std::vector<std::string> tokens;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) tokens.push_back(std::move(cur));
    cur.clear();
  };
  for (char32_t c : utf8_decode(text)) {
    if (c >= 'A' && c <= 'Z') c = c - 'A' + 'a';
    if (c == 0x212A) c = 'k';  // KELVIN SIGN lower-cases to 'k'
    if (c == 0x130) {          // 'İ' lower-cases to 'i' + U+0307 (a separator here)
      cur.push_back('i');
      flush();
      continue;
    }
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      cur.push_back(static_cast<char>(c));
    else
      flush();
  }
  flush();
  if (stem) {
    static const PorterStemmer stemmer;
    for (auto& t : tokens)
      if (t.size() > 3) t = stemmer.stem(t);
  }
  return tokens;
}

namespace detail {

inline double f_measure(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; }

inline RougeScore rouge_n(const std::vector<std::string>& ref, const std::vector<std::string>& hyp, std::size_t n) {
  const auto r = ngram_counts(ref, n), h = ngram_counts(hyp, n);
  long overlap = 0, nr = 0, nh = 0;
  for (const auto& [g, k] : r) {
    nr += k;
    const auto it = h.find(g);
    if (it != h.end()) overlap += std::min(k, it->second);
  }
  for (const auto& [g, k] : h) nh += k;
  RougeScore s;
  s.precision = static_cast<double>(overlap) / static_cast<double>(std::max(nh, 1L));
  s.recall = static_cast<double>(overlap) / static_cast<double>(std::max(nr, 1L));
  s.f = f_measure(s.precision, s.recall);
  return s;
}

/// LCS length table, (|ref|+1) x (|can|+1), row-major.
inline std::vector<std::size_t> lcs_table(const std::vector<std::string>& ref, const std::vector<std::string>& can) {
  const std::size_t R = ref.size(), C = can.size();
  std::vector<std::size_t> t((R + 1) * (C + 1), 0);
  for (std::size_t i = 1; i <= R; ++i)
    for (std::size_t j = 1; j <= C; ++j)
      t[i * (C + 1) + j] = ref[i - 1] == can[j - 1] ? t[(i - 1) * (C + 1) + j - 1] + 1
                                                    : std::max(t[(i - 1) * (C + 1) + j], t[i * (C + 1) + j - 1]);
  return t;
}

inline RougeScore rouge_l(const std::vector<std::string>& ref, const std::vector<std::string>& hyp) {
  if (ref.empty() || hyp.empty()) return {};
  const auto t = lcs_table(ref, hyp);
  const auto lcs = static_cast<double>(t.back());
  RougeScore s;
  s.precision = lcs / static_cast<double>(hyp.size());
  s.recall = lcs / static_cast<double>(ref.size());
  s.f = f_measure(s.precision, s.recall);
  return s;
}

/// Indices into `ref` of one LCS with `can` (rouge_score's backtrack).
inline std::vector<std::size_t> lcs_indices(const std::vector<std::string>& ref, const std::vector<std::string>& can) {
  const auto t = lcs_table(ref, can);
  const std::size_t C = can.size();
  std::size_t i = ref.size(), j = C;
  std::vector<std::size_t> out;
  while (i > 0 && j > 0) {
    if (ref[i - 1] == can[j - 1]) {
      out.push_back(i - 1);
      --i;
      --j;
    } else if (t[i * (C + 1) + j - 1] > t[(i - 1) * (C + 1) + j]) {
      --j;
    } else {
      --i;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

inline RougeScore rouge_lsum(const std::vector<std::vector<std::string>>& ref_sents,
                             const std::vector<std::vector<std::string>>& can_sents) {
  if (ref_sents.empty() || can_sents.empty()) return {};
  std::size_t m = 0, n = 0;
  std::map<std::string, long> cnt_r, cnt_c;
  for (const auto& s : ref_sents) {
    m += s.size();
    for (const auto& t : s) ++cnt_r[t];
  }
  for (const auto& s : can_sents) {
    n += s.size();
    for (const auto& t : s) ++cnt_c[t];
  }
  if (m == 0 || n == 0) return {};
  long hits = 0;
  for (const auto& r : ref_sents) {
    std::set<std::size_t> uni;
    for (const auto& c : can_sents)
      for (std::size_t k : lcs_indices(r, c)) uni.insert(k);
    for (std::size_t k : uni) {
      const std::string& tok = r[k];
      if (cnt_c[tok] > 0 && cnt_r[tok] > 0) {
        ++hits;
        --cnt_c[tok];
        --cnt_r[tok];
      }
    }
  }
  RougeScore s;
  s.recall = static_cast<double>(hits) / static_cast<double>(m);
  s.precision = static_cast<double>(hits) / static_cast<double>(n);
  s.f = f_measure(s.precision, s.recall);
  return s;
}

inline std::vector<std::vector<std::string>> rouge_sentences(std::string_view text, bool stem) {
  std::vector<std::vector<std::string>> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    if (end > start) out.push_back(rouge_tokenize(text.substr(start, end - start), stem));
    start = end + 1;
  }
  return out;
}

}  // namespace detail

/// The four ROUGE scores of one hypothesis against one reference.
inline RougeScores rouge(std::string_view reference, std::string_view hypothesis, bool stem) {
  const auto ref = rouge_tokenize(reference, stem), hyp = rouge_tokenize(hypothesis, stem);
  RougeScores s;
  s.rouge1 = detail::rouge_n(ref, hyp, 1);
  s.rouge2 = detail::rouge_n(ref, hyp, 2);
  s.rougeL = detail::rouge_l(ref, hyp);
  s.rougeLsum = detail::rouge_lsum(detail::rouge_sentences(reference, stem), detail::rouge_sentences(hypothesis, stem));
  return s;
}

GENATTN_NAMESPACE_END
