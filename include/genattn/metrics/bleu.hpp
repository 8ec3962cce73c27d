// genattn/metrics/bleu.hpp: corpus BLEU exactly as sacreBLEU 2.x computes it
// (one reference per segment, case-sensitive).
//
// Each segment: tokenize(line.rstrip()) (13a or none), split on white space;
//   correct_n += sum_g min(count_hyp(g), count_ref(g)),  total_n += #hyp n-grams
//   sys_len += |hyp|,  ref_len += |ref|,  for n = 1..4.
// Corpus:
//   BP = 1 if sys_len >= ref_len, else exp(1 - ref_len / sys_len) (0 when sys_len = 0)
//   p_n = 100 correct_n / total_n; when correct_n = 0:
//         exp:   p_n = 100 / (2^k total_n), k counting the zero orders so far
//         floor: p_n = 100 floor / total_n (floor default 0.1)
//         none:  p_n = 0
//   add-k (default k = 1): correct_n and total_n += k for n >= 2 first
//   BLEU = BP exp(mean_n log p_n)   (log 0 taken as -9999999999); 0 when nothing matches;
//   orders with total_n = 0 stop the loop (their p_n stay 0).
#pragma once

#include <array>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "genattn/metrics/ngrams.hpp"
#include "genattn/metrics/tokenizer_13a.hpp"

GENATTN_NAMESPACE_BEGIN

enum class BleuTokenizer { t13a, none };
enum class BleuSmoothing { exp, floor, add_k, none };

struct BleuConfig {
  BleuTokenizer tokenizer = BleuTokenizer::t13a;
  BleuSmoothing smoothing = BleuSmoothing::exp;
  double smooth_value = -1.0;  ///< < 0: sacreBLEU's default (floor 0.1, add-k 1)
};

struct BleuScore {
  double score = 0.0;  ///< 0..100
  std::array<double, 4> counts{}, totals{}, precisions{};
  double brevity_penalty = 0.0;
  long sys_len = 0, ref_len = 0;
};

namespace detail {
/// Python's str.rstrip() then split(): white-space separated pieces.
inline std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::u32string cur;
  for (char32_t c : utf8_decode(s)) {
    if (is_unicode_space(c)) {
      if (!cur.empty()) out.push_back(utf8_encode(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(utf8_encode(cur));
  return out;
}
}  // namespace detail

/// Accumulates segment statistics; score() gives corpus BLEU.
class Bleu {
 public:
  explicit Bleu(const BleuConfig& config = {}) : config_(config) {}

  void add(std::string_view hypothesis, std::string_view reference) {
    const auto h = tokens(hypothesis), r = tokens(reference);
    sys_len_ += static_cast<long>(h.size());
    ref_len_ += static_cast<long>(r.size());
    for (std::size_t n = 1; n <= 4; ++n) {
      const NgramCounts rc = ngram_counts(r, n), hc = ngram_counts(h, n);
      for (const auto& [g, k] : hc) {
        totals_[n - 1] += static_cast<double>(k);
        const auto it = rc.find(g);
        if (it != rc.end()) correct_[n - 1] += static_cast<double>(std::min(k, it->second));
      }
    }
  }

  BleuScore score() const {
    BleuScore s;
    s.sys_len = sys_len_;
    s.ref_len = ref_len_;
    std::array<double, 4> correct = correct_, total = totals_;
    s.brevity_penalty = sys_len_ < ref_len_
                            ? (sys_len_ > 0 ? std::exp(1.0 - static_cast<double>(ref_len_) / static_cast<double>(sys_len_)) : 0.0)
                            : 1.0;
    s.counts = correct;
    s.totals = total;
    bool any = false;
    for (double c : correct) any = any || c != 0.0;
    if (!any) return s;
    const double value = config_.smooth_value >= 0.0 ? config_.smooth_value
                         : config_.smoothing == BleuSmoothing::floor ? 0.1
                                                                     : 1.0;
    double smooth_mteval = 1.0;
    for (std::size_t n = 1; n <= 4; ++n) {
      if (config_.smoothing == BleuSmoothing::add_k && n > 1) {
        correct[n - 1] += value;
        total[n - 1] += value;
      }
      if (total[n - 1] == 0.0) break;
      if (correct[n - 1] == 0.0) {
        if (config_.smoothing == BleuSmoothing::exp) {
          smooth_mteval *= 2;
          s.precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1]);
        } else if (config_.smoothing == BleuSmoothing::floor) {
          s.precisions[n - 1] = 100.0 * value / total[n - 1];
        }
      } else {
        s.precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
      }
    }
    double sum = 0.0;
    for (double p : s.precisions) sum += p == 0.0 ? -9999999999.0 : std::log(p);
    s.score = s.brevity_penalty * std::exp(sum / 4.0);
    return s;
  }

 private:
  std::vector<std::string> tokens(std::string_view line) const {
    return detail::split_words(config_.tokenizer == BleuTokenizer::t13a ? tokenize_13a(line) : std::string(line));
  }

  BleuConfig config_;
  std::array<double, 4> correct_{}, totals_{};
  long sys_len_ = 0, ref_len_ = 0;
};

/// Corpus BLEU of parallel lists; throws when their sizes differ.
inline BleuScore corpus_bleu(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references,
                             const BleuConfig& config = {}) {
  if (hypotheses.size() != references.size())
    throw std::invalid_argument("corpus_bleu: " + std::to_string(hypotheses.size()) + " hypotheses but " +
                                std::to_string(references.size()) + " references");
  Bleu b(config);
  for (std::size_t i = 0; i < hypotheses.size(); ++i) b.add(hypotheses[i], references[i]);
  return b.score();
}

GENATTN_NAMESPACE_END
