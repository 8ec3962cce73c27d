// genattn/text/noise.hpp: seeded corruption of a document's text, to train
// a model on noisy input and to measure how it copes with noise.
//
// corrupt(text, rates, rng) splits the text into words (at ASCII white
// space) and applies, in this order:
//   1. word drop: each word is left out with probability rates.drop; when
//      every word would go, one (drawn uniformly) stays;
//   2. adjacent swaps: left to right, each word swaps places with the next
//      with probability rates.swap; a pair just swapped is passed over, so
//      no word moves more than one place;
//   3. character typos: each word, with probability rates.typo, gets one
//      edit at a uniform code point i of its n: delete i, insert a letter
//      a-z before i, replace i by a letter a-z, or swap i with i + 1 (the
//      last with the one before), each with probability 1/4; a word of one
//      code point is replaced instead of deleted or swapped.
// The words are joined by one space. Edits act on whole UTF-8 sequences, so
// valid UTF-8 stays valid.
//
// Each rate is in [0, 1) (check_noise_rates names one outside). A kind at
// rate 0 draws nothing from the Rng; with every rate 0 the text comes back
// unchanged, byte for byte.
//
// noise_seed(seed, epoch, index) seeds one document's Rng in one epoch: a
// run that resumes, or another rank, corrupts each document as the first did.
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "genattn/core/rng.hpp"
#include "genattn/text/utf8.hpp"

GENATTN_NAMESPACE_BEGIN

/// The probability of each kind of noise.
struct NoiseRates {
  double drop = 0.0;  ///< a word is left out
  double swap = 0.0;  ///< a word swaps places with the next
  double typo = 0.0;  ///< a word gets one character edit

  /// Every kind at `rate`.
  static NoiseRates all(double rate) { return {rate, rate, rate}; }
  bool none() const { return drop == 0.0 && swap == 0.0 && typo == 0.0; }
};

/// Throws std::invalid_argument naming `what` and the first rate outside [0, 1).
inline void check_noise_rates(const NoiseRates& r, const std::string& what) {
  const std::pair<const char*, double> rates[] = {{"word drop", r.drop}, {"swap", r.swap}, {"typo", r.typo}};
  for (const auto& [name, rate] : rates)
    if (!(rate >= 0.0 && rate < 1.0)) {
      char shown[32];
      std::snprintf(shown, sizeof shown, "%g", rate);
      throw std::invalid_argument(what + ": the " + name + " rate " + shown + " is outside [0, 1)");
    }
}

/// The Rng seed of document `index` in epoch `epoch` of a run seeded `seed`
/// (splitmix64's finalizer over the three in turn).
inline std::uint64_t noise_seed(std::uint64_t seed, std::uint64_t epoch, std::uint64_t index) {
  auto mix = [](std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  };
  return mix(mix(mix(seed) ^ epoch) ^ index);
}

namespace detail {

/// The byte offsets where the code points of `w` start, and w.size() last.
inline std::vector<std::size_t> code_point_starts(const std::string& w) {
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < w.size(); ++i)
    if ((static_cast<unsigned char>(w[i]) & 0xC0u) != 0x80u) at.push_back(i);
  at.push_back(w.size());
  return at;
}

/// One edit of `w` (see the file comment).
inline void typo(std::string& w, Rng& rng) {
  const std::vector<std::size_t> at = code_point_starts(w);
  const std::size_t n = at.size() - 1;
  if (n == 0) return;
  auto kind = rng.below(4);
  const auto i = static_cast<std::size_t>(rng.below(n));
  const char letter = static_cast<char>('a' + rng.below(26));
  if (n == 1 && (kind == 0 || kind == 3)) kind = 2;
  const std::size_t begin = at[i], length = at[i + 1] - at[i];
  switch (kind) {
    case 0:  // delete
      w.erase(begin, length);
      break;
    case 1:  // insert before
      w.insert(begin, 1, letter);
      break;
    case 2:  // replace
      w.replace(begin, length, 1, letter);
      break;
    default: {  // swap with the next (the last swaps with the one before)
      const std::size_t j = i + 1 < n ? i : i - 1;
      const std::string first = w.substr(at[j], at[j + 1] - at[j]), second = w.substr(at[j + 1], at[j + 2] - at[j + 1]);
      w.replace(at[j], first.size() + second.size(), second + first);
      break;
    }
  }
}

}  // namespace detail

/// `text` corrupted as the file comment says.
inline std::string corrupt(std::string_view text, const NoiseRates& rates, Rng& rng) {
  check_noise_rates(rates, "corrupt");
  if (rates.none()) return std::string(text);
  std::vector<std::string> words;
  for (std::size_t i = 0; i < text.size();) {
    while (i < text.size() && is_ascii_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_ascii_space(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  if (words.empty()) return std::string(text);
  if (rates.drop > 0.0) {
    std::vector<std::string> kept;
    for (auto& w : words)
      if (rng.uniform() >= rates.drop) kept.push_back(std::move(w));
    if (kept.empty()) kept.push_back(std::move(words[static_cast<std::size_t>(rng.below(words.size()))]));
    words = std::move(kept);
  }
  if (rates.swap > 0.0) {
    for (std::size_t i = 0; i + 1 < words.size(); ++i)
      if (rng.uniform() < rates.swap) {
        std::swap(words[i], words[i + 1]);
        ++i;  // the pair is done
      }
  }
  if (rates.typo > 0.0) {
    for (auto& w : words)
      if (rng.uniform() < rates.typo) detail::typo(w, rng);
  }
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

/// corrupt() of each of `texts`, document i with Rng(noise_seed(seed, epoch, i)).
inline std::vector<std::string> corrupt_all(const std::vector<std::string>& texts, const NoiseRates& rates,
                                            std::uint64_t seed, std::uint64_t epoch) {
  std::vector<std::string> out;
  out.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    Rng rng(noise_seed(seed, epoch, i));
    out.push_back(corrupt(texts[i], rates, rng));
  }
  return out;
}

GENATTN_NAMESPACE_END
