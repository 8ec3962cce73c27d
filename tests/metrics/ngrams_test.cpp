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

// distinct-n over an n-best list: distinct n-grams over all n-grams.
TEST(Ngrams, DistinctNOverAList) {
  const std::vector<std::vector<std::string>> same{{"a", "tool", "for", "x"}, {"a", "tool", "for", "x"}};
  EXPECT_DOUBLE_EQ(distinct_ngrams(same, 1), 4.0 / 8.0);
  EXPECT_DOUBLE_EQ(distinct_ngrams(same, 2), 3.0 / 6.0);
  const std::vector<std::vector<std::string>> apart{{"a", "tool", "for", "x"}, {"library", "for", "x"}};
  EXPECT_DOUBLE_EQ(distinct_ngrams(apart, 1), 5.0 / 7.0);  // a tool for x library
  EXPECT_DOUBLE_EQ(distinct_ngrams(apart, 2), 4.0 / 5.0);  // "for x" twice
  EXPECT_DOUBLE_EQ(distinct_ngrams({{"a", "a", "a"}}, 1), 1.0 / 3.0);
  EXPECT_EQ(distinct_ngrams({{"a"}, {}}, 2), 0.0);
  EXPECT_EQ(distinct_ngrams({}, 1), 0.0);
}
