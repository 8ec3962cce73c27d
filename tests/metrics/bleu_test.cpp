// Corpus BLEU against sacreBLEU 2.6.0 (13a, exp smoothing) on the committed
// metric vectors: score to 1e-6, n-gram counts, totals and lengths exactly.
#include <gtest/gtest.h>

#include <genattn/metrics/bleu.hpp>

#include <map>
#include <sstream>

#include "support/tsv.hpp"

using namespace genattn;
using namespace genattn_test;

namespace {
std::vector<double> numbers(const std::string& csv) {
  std::vector<double> out;
  std::stringstream ss(csv);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stod(item));
  return out;
}
}  // namespace

TEST(Bleu, MatchesSacreBleuPerSetAndOverall) {
  std::map<std::string, Bleu> by_set;
  Bleu all;
  for (const auto& row : read_tsv("metrics/cases.tsv")) {
    by_set[row[1]].add(row[2], row[3]);
    all.add(row[2], row[3]);
  }
  std::size_t checked = 0;
  for (const auto& row : read_tsv("metrics/bleu.tsv")) {
    ASSERT_EQ(row.size(), 6u);
    const BleuScore s = row[0] == "all" ? all.score() : by_set.at(row[0]).score();
    EXPECT_NEAR(s.score, std::stod(row[1]), 1e-6) << row[0];
    EXPECT_EQ(s.sys_len, std::stol(row[2])) << row[0];
    EXPECT_EQ(s.ref_len, std::stol(row[3])) << row[0];
    const auto counts = numbers(row[4]), totals = numbers(row[5]);
    for (std::size_t n = 0; n < 4; ++n) {
      EXPECT_EQ(s.counts[n], counts[n]) << row[0] << " order " << n + 1;
      EXPECT_EQ(s.totals[n], totals[n]) << row[0] << " order " << n + 1;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 4u);
}

TEST(Bleu, Tokenizer13aSplitsAsMteval) {
  EXPECT_EQ(tokenize_13a("Hello, world."), "Hello , world .");
  // a dash after a digit is split off (rule 4), a dash after a letter is not
  EXPECT_EQ(tokenize_13a("3.5% of 1,000 x86-64"), "3.5 % of 1,000 x86 - 64");
  EXPECT_EQ(tokenize_13a("v2-beta a-b (c) &amp; \"d\""), "v2 - beta a-b ( c ) & \" d \"");
  EXPECT_EQ(tokenize_13a("  tabs\tand \xC2\xA0 nbsp  "), "tabs and nbsp");
  EXPECT_EQ(tokenize_13a(""), "");
}

TEST(Bleu, SmoothingVariantsAndEdgeCases) {
  // No matches at all: 0, whatever the smoothing.
  EXPECT_EQ(corpus_bleu({"a b"}, {"c d"}).score, 0.0);
  // Identical: 100.
  EXPECT_NEAR(corpus_bleu({"the cat sat on the mat"}, {"the cat sat on the mat"}).score, 100.0, 1e-12);
  // Three tokens have no 4-gram: total_4 = 0 stops the loop, p_4 stays 0 and
  // log 0 counts as -9999999999, so sacreBLEU gives 0.
  const BleuScore e = corpus_bleu({"the cat sat"}, {"the cat sat on the mat"});
  EXPECT_EQ(e.score, 0.0);
  EXPECT_EQ(e.precisions[0], 100.0);
  EXPECT_NEAR(e.brevity_penalty, std::exp(1.0 - 6.0 / 3.0), 1e-15);
  // A 4-gram that misses: exp smoothing gives p_4 = 100 / (2 * total_4).
  const BleuScore m = corpus_bleu({"the cat sat on a"}, {"the cat sat on the mat"});
  EXPECT_EQ(m.counts[3], 1.0);
  EXPECT_EQ(m.totals[3], 2.0);
  const BleuScore miss = corpus_bleu({"the cat sat in a"}, {"the cat sat on the mat"});
  EXPECT_EQ(miss.counts[3], 0.0);
  EXPECT_DOUBLE_EQ(miss.precisions[3], 100.0 / (2.0 * 2.0));
  BleuConfig floor;
  floor.smoothing = BleuSmoothing::floor;
  EXPECT_DOUBLE_EQ(corpus_bleu({"the cat sat in a"}, {"the cat sat on the mat"}, floor).precisions[3], 100.0 * 0.1 / 2.0);
  BleuConfig add_k;
  add_k.smoothing = BleuSmoothing::add_k;
  const BleuScore k = corpus_bleu({"the cat sat on"}, {"the cat sat on the mat"}, add_k);
  EXPECT_DOUBLE_EQ(k.counts[1], 3.0);  // counts are reported before smoothing
  EXPECT_GT(k.score, 0.0);
  EXPECT_THROW(corpus_bleu({"a"}, {}), std::invalid_argument);
}
