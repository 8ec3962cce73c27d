// ROUGE against Google's rouge_score 0.1.2 on the committed metric vectors
// (tests/fixtures/metrics, a copy of shared/metric-vectors): every
// precision, recall and F of ROUGE-1/2/L, with and without stemming, to 1e-9.
#include <gtest/gtest.h>

#include <genattn/metrics/rouge.hpp>

#include <map>

#include "support/tsv.hpp"

using namespace genattn;
using namespace genattn_test;

TEST(Rouge, MatchesRougeScoreOnEveryCase) {
  std::map<std::string, std::pair<std::string, std::string>> cases;  // id -> (hyp, ref)
  for (const auto& row : read_tsv("metrics/cases.tsv")) {
    ASSERT_EQ(row.size(), 4u);
    cases[row[0]] = {row[2], row[3]};
  }
  ASSERT_EQ(cases.size(), 620u);
  std::size_t checked = 0;
  for (const auto& row : read_tsv("metrics/rouge.tsv")) {
    ASSERT_EQ(row.size(), 11u);
    const auto& [hyp, ref] = cases.at(row[0]);
    const bool stem = row[1] == "1";
    const RougeScores s = rouge(ref, hyp, stem);
    const RougeScore* got[3] = {&s.rouge1, &s.rouge2, &s.rougeL};
    for (std::size_t k = 0; k < 3; ++k) {
      EXPECT_NEAR(got[k]->precision, std::stod(row[2 + 3 * k]), 1e-9) << "case " << row[0] << " stem " << stem << " metric " << k;
      EXPECT_NEAR(got[k]->recall, std::stod(row[3 + 3 * k]), 1e-9) << "case " << row[0] << " stem " << stem << " metric " << k;
      EXPECT_NEAR(got[k]->f, std::stod(row[4 + 3 * k]), 1e-9) << "case " << row[0] << " stem " << stem << " metric " << k;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 1240u);
}

TEST(Rouge, TokenizerFollowsRougeScore) {
  EXPECT_EQ(rouge_tokenize("Hello, World! libfoo-dev 2.1.0", false),
            (std::vector<std::string>{"hello", "world", "libfoo", "dev", "2", "1", "0"}));
  EXPECT_EQ(rouge_tokenize("Ünïcödé café", false), (std::vector<std::string>{"n", "c", "d", "caf"}));
  EXPECT_EQ(rouge_tokenize("\xE2\x84\xAA" "elvin \xC4\xB0stanbul", false),  // KELVIN SIGN, capital I with dot
            (std::vector<std::string>{"kelvin", "i", "stanbul"}));
  EXPECT_EQ(rouge_tokenize("running runs ran", true), (std::vector<std::string>{"run", "run", "ran"}));
  EXPECT_TRUE(rouge_tokenize("", false).empty());
  EXPECT_EQ(rouge_tokenize("bad \xFF\xFE bytes", false), (std::vector<std::string>{"bad", "bytes"}));
}

TEST(Rouge, LsumUsesLinesAsSentences) {
  // One line each: Lsum equals L.
  const RougeScores one = rouge("the cat sat on the mat", "the cat on a mat", false);
  EXPECT_DOUBLE_EQ(one.rougeLsum.f, one.rougeL.f);
  // Two reference sentences, candidate sentences in the other order: the
  // union LCS per reference sentence finds both.
  const RougeScores two = rouge("a b c\nd e f", "d e f\na b c", false);
  EXPECT_DOUBLE_EQ(two.rougeLsum.f, 1.0);
  EXPECT_LT(two.rougeL.f, 1.0);
  EXPECT_EQ(rouge("", "a", false).rougeLsum.f, 0.0);
}
