// genattn/metrics/ngrams.hpp: n-gram counts of a token sequence, the piece
// BLEU, ROUGE-N and the repetition and diversity measures share.
//
//   count(g) = #{ i : tokens[i .. i+n-1] = g }
//   distinct-n(S) = #{ distinct n-grams of the sequences S } / #{ n-grams of S }
//                   (Li et al. 2016; 0 when S has no n-gram)
#pragma once

#include <map>
#include <string>
#include <vector>

#include "genattn/core/types.hpp"

GENATTN_NAMESPACE_BEGIN

using NgramCounts = std::map<std::vector<std::string>, long>;

/// Every n-gram of `tokens` with its count.
inline NgramCounts ngram_counts(const std::vector<std::string>& tokens, std::size_t n) {
  NgramCounts c;
  for (std::size_t i = 0; n > 0 && i + n <= tokens.size(); ++i)
    ++c[std::vector<std::string>(tokens.begin() + static_cast<long>(i), tokens.begin() + static_cast<long>(i + n))];
  return c;
}

/// True when some n-gram occurs more than once in `tokens` (See et al.'s
/// measure of repetition uses n = 3).
inline bool has_repeated_ngram(const std::vector<std::string>& tokens, std::size_t n) {
  for (const auto& [g, k] : ngram_counts(tokens, n))
    if (k > 1) return true;
  return false;
}

/// distinct-n of `sequences` (an n-best list, say): their distinct n-grams
/// over all their n-grams; 0 when they have none.
inline double distinct_ngrams(const std::vector<std::vector<std::string>>& sequences, std::size_t n) {
  NgramCounts all;
  long total = 0;
  for (const auto& tokens : sequences)
    for (const auto& [g, k] : ngram_counts(tokens, n)) {
      all[g] += k;
      total += k;
    }
  return total == 0 ? 0.0 : static_cast<double>(all.size()) / static_cast<double>(total);
}

GENATTN_NAMESPACE_END
