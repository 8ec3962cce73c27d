// `summarize score` against the metric vectors: means of rouge_score's
// per-line values and sacreBLEU's corpus BLEU over all 620 cases.
#include <gtest/gtest.h>

#include <map>

#include "../../examples/summarize/score_command.hpp"
#include "support/tsv.hpp"

TEST(ScoreCommand, MeansOfPerLineRougeAndCorpusBleu) {
  std::vector<std::string> hyps, refs;
  std::map<std::string, std::size_t> line_of;
  for (const auto& row : genattn_test::read_tsv("metrics/cases.tsv")) {
    line_of[row[0]] = hyps.size();
    hyps.push_back(row[2]);
    refs.push_back(row[3]);
  }
  for (bool stem : {false, true}) {
    const nlohmann::json out = summarize::score(hyps, refs, stem, true);
    double mean[9] = {};
    for (const auto& row : genattn_test::read_tsv("metrics/rouge.tsv")) {
      if ((row[1] == "1") != stem) continue;
      for (std::size_t k = 0; k < 9; ++k) mean[k] += std::stod(row[2 + k]) / static_cast<double>(hyps.size());
      const auto& line = out["lines"][line_of.at(row[0])];
      EXPECT_NEAR(line["rouge2"]["f"].get<double>(), std::stod(row[7]), 1e-9);
    }
    const char* names[3] = {"rouge1", "rouge2", "rougeL"};
    for (std::size_t m = 0; m < 3; ++m) {
      EXPECT_NEAR(out[names[m]]["precision"].get<double>(), mean[3 * m], 1e-9) << names[m];
      EXPECT_NEAR(out[names[m]]["recall"].get<double>(), mean[3 * m + 1], 1e-9) << names[m];
      EXPECT_NEAR(out[names[m]]["f"].get<double>(), mean[3 * m + 2], 1e-9) << names[m];
    }
    EXPECT_NEAR(out["bleu"].get<double>(), 27.233716891189214, 1e-6);  // bleu.tsv, set "all"
    EXPECT_EQ(out["lines"].size(), hyps.size());
  }
  EXPECT_FALSE(summarize::score(hyps, refs, false, false).contains("lines"));
}

TEST(ScoreCommand, MismatchedLineCountsAreAnError) {
  try {
    summarize::score({"a", "b"}, {"a"}, false, false);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "the hypotheses have 2 lines but the references have 1");
  }
  EXPECT_THROW(summarize::read_lines("/nonexistent/file"), std::runtime_error);
}
