#include <gtest/gtest.h>

#include <genattn/text/noise.hpp>
#include <genattn/text/utf8.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

using namespace genattn;

namespace {

std::vector<std::string> words_of(const std::string& s) {
  std::vector<std::string> out;
  std::string w;
  for (char c : s) {
    if (c == ' ') {
      if (!w.empty()) out.push_back(w);
      w.clear();
    } else {
      w += c;
    }
  }
  if (!w.empty()) out.push_back(w);
  return out;
}

/// n distinct words: w0 w1 ...
std::string numbered_words(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? " w" : "w") + std::to_string(i);
  return s;
}

}  // namespace

TEST(Noise, RateZeroIsTheIdentityAndDrawsNothing) {
  const std::vector<std::string> texts = {"", " ", "one", "  two  spaces\tand\ttabs \n", "caf\xc3\xa9 \xe2\x82\xac",
                                          std::string("bad \xff utf-8 \0 nul", 16)};
  for (const auto& t : texts) {
    Rng rng(7), fresh(7);
    EXPECT_EQ(corrupt(t, NoiseRates::all(0.0), rng), t);
    EXPECT_EQ(rng.next_u64(), fresh.next_u64());
  }
  EXPECT_EQ(corrupt_all(texts, NoiseRates{}, 1, 3), texts);
}

TEST(Noise, TheSameSeedEpochAndIndexGiveTheSameText) {
  const std::vector<std::string> docs(3, numbered_words(200));
  const auto a = corrupt_all(docs, NoiseRates::all(0.2), 11, 0), b = corrupt_all(docs, NoiseRates::all(0.2), 11, 0);
  EXPECT_EQ(a, b);
  EXPECT_NE(a[0], a[1]);  // each document its own stream
  EXPECT_NE(a, corrupt_all(docs, NoiseRates::all(0.2), 11, 1));  // each epoch its own
  EXPECT_NE(a, corrupt_all(docs, NoiseRates::all(0.2), 12, 0));  // each seed its own
  EXPECT_NE(noise_seed(1, 0, 1), noise_seed(1, 1, 0));
}

// 20,000 words: each rate's count is within 5 standard deviations of its
// mean (binomial), for several seeds.
TEST(Noise, EachKindHappensAtItsRate) {
  const int n = 20000;
  const std::string text = numbered_words(n);
  for (std::uint64_t seed : {1u, 2u, 3u, 99u}) {
    for (double rate : {0.05, 0.2}) {
      const double sd = std::sqrt(n * rate * (1 - rate));
      Rng r1(seed);
      const auto dropped = static_cast<double>(n) - static_cast<double>(words_of(corrupt(text, {rate, 0, 0}, r1)).size());
      EXPECT_NEAR(dropped, n * rate, 5 * sd) << "seed " << seed << " rate " << rate;

      Rng r3(seed);
      const auto typod = words_of(corrupt(text, {0, 0, rate}, r3));
      ASSERT_EQ(typod.size(), static_cast<std::size_t>(n));
      double changed = 0;
      for (int i = 0; i < n; ++i) changed += typod[static_cast<std::size_t>(i)] != "w" + std::to_string(i);
      // a replacement by the same letter, or a swap of equal characters, changes nothing
      EXPECT_LE(changed, n * rate + 5 * sd);
      EXPECT_GE(changed, n * rate * 0.85 - 5 * sd);
    }
  }
}

TEST(Noise, SwapsMoveAWordAtMostOnePlace) {
  const int n = 2000;
  const std::string text = numbered_words(n);
  Rng rng(5);
  const auto out = words_of(corrupt(text, {0, 0.3, 0}, rng));
  ASSERT_EQ(out.size(), static_cast<std::size_t>(n));
  int moved = 0;
  for (int i = 0; i < n; ++i) {
    const int was = std::stoi(out[static_cast<std::size_t>(i)].substr(1));
    EXPECT_LE(std::abs(was - i), 1);
    moved += was != i;
  }
  std::vector<std::string> sorted = out, original = words_of(text);
  std::sort(sorted.begin(), sorted.end());
  std::sort(original.begin(), original.end());
  EXPECT_EQ(sorted, original);  // the same words
  // each of the n - 1 places starts a swap with probability 0.3, unless the
  // place before just did: about 2 * 0.3 / 1.3 of the words move
  EXPECT_NEAR(moved, n * 0.6 / 1.3, 200);
}

TEST(Noise, DropKeepsAWordAndTyposKeepUtf8Valid) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Rng rng(seed);
    const std::string one = corrupt("\xe6\x97\xa5", {0.99, 0.99, 0.99}, rng);
    EXPECT_FALSE(one.empty());
    const std::string text = "na\xc3\xafve caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 x";
    const std::string out = corrupt(text, {0.5, 0.5, 0.9}, rng);
    EXPECT_FALSE(out.empty());
    EXPECT_NO_THROW(utf8_decode(out, InvalidUtf8::reject)) << out;
  }
}

TEST(Noise, ATypoIsOneEdit) {
  // every word typo'd: one deletion, insertion, replacement or swap of a code point
  Rng rng(3);
  const auto out = words_of(corrupt(numbered_words(3000), {0, 0, 0.999999}, rng));
  ASSERT_EQ(out.size(), 3000u);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::string w = "w" + std::to_string(i), t = out[i];
    const long d = static_cast<long>(t.size()) - static_cast<long>(w.size());
    ASSERT_LE(std::abs(d), 1) << w << " -> " << t;
    if (d == 0) {  // a replacement (one place differs) or a swap (two adjacent places)
      std::vector<std::size_t> diff;
      for (std::size_t k = 0; k < w.size(); ++k)
        if (w[k] != t[k]) diff.push_back(k);
      ASSERT_LE(diff.size(), 2u) << w << " -> " << t;
      if (diff.size() == 2) {
        EXPECT_EQ(diff[1], diff[0] + 1);
        EXPECT_EQ(w[diff[0]], t[diff[1]]);
        EXPECT_EQ(w[diff[1]], t[diff[0]]);
      }
    } else {  // one code point less or more: the rest in order
      const std::string& longer = d > 0 ? t : w;
      const std::string& shorter = d > 0 ? w : t;
      bool found = false;
      for (std::size_t k = 0; k < longer.size() && !found; ++k)
        found = longer.substr(0, k) + longer.substr(k + 1) == shorter;
      EXPECT_TRUE(found) << w << " -> " << t;
    }
  }
}

TEST(Noise, RatesOutsideZeroToOneAreRefusedByName) {
  Rng rng(1);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const NoiseRates& r : {NoiseRates{-0.1, 0, 0}, NoiseRates{0, 1.0, 0}, NoiseRates{0, 0, nan}}) {
    try {
      corrupt("a b c", r, rng);
      FAIL() << "accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("outside [0, 1)"), std::string::npos) << e.what();
    }
  }
  try {
    check_noise_rates({0, 1.5, 0}, "--noise");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "--noise: the swap rate 1.5 is outside [0, 1)");
  }
}
