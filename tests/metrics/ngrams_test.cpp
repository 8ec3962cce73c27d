#include <gtest/gtest.h>

#include <genattn/metrics/ngrams.hpp>

using namespace genattn;

TEST(Ngrams, CountsEveryNgram) {
  const std::vector<std::string> t{"a", "b", "a", "b", "a"};
  const NgramCounts c2 = ngram_counts(t, 2);
  EXPECT_EQ(c2.size(), 2u);
  EXPECT_EQ(c2.at({"a", "b"}), 2);
  EXPECT_EQ(c2.at({"b", "a"}), 2);
  EXPECT_TRUE(ngram_counts(t, 6).empty());
  EXPECT_TRUE(ngram_counts(t, 0).empty());
}

TEST(Ngrams, RepeatedTrigram) {
  EXPECT_TRUE(has_repeated_ngram({"x", "tool", "for", "y", "tool", "for", "y"}, 3));
  EXPECT_FALSE(has_repeated_ngram({"x", "tool", "for", "y", "tool", "for", "z"}, 3));
  EXPECT_FALSE(has_repeated_ngram({"a", "a"}, 3));
  EXPECT_TRUE(has_repeated_ngram({"a", "a", "a", "a"}, 3));
}
