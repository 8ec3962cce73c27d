#include <gtest/gtest.h>

#include <genattn/train/bootstrap.hpp>

#include <set>
#include <string>
#include <vector>

#include "../support/errors.hpp"

using namespace genattn;

// A resample draws n indices in range with replacement, the same for the same
// seed and another for another seed; it holds about 1 - 1/e of the examples
// (fixed seeds: the figures are exact, the bounds are the binomial's
// about 8 sigma around 63.2%).
TEST(Bootstrap, IndicesAreSeededDrawsWithReplacement) {
  const std::size_t n = 20000;
  const auto a = bootstrap_indices(n, 7), b = bootstrap_indices(n, 7), c = bootstrap_indices(n, 8);
  ASSERT_EQ(a.size(), n);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (const std::size_t i : a) ASSERT_LT(i, n);
  for (const auto* r : {&a, &c}) {
    const double unique = static_cast<double>(std::set<std::size_t>(r->begin(), r->end()).size()) / static_cast<double>(n);
    EXPECT_GT(unique, 0.632 - 0.017);
    EXPECT_LT(unique, 0.632 + 0.017);
  }
  EXPECT_EQ(bootstrap_indices(1, 3), (std::vector<std::size_t>{0}));
}

TEST(Bootstrap, SampleTakesTheDrawnExamples) {
  const std::vector<std::string> examples{"a", "b", "c", "d", "e"};
  const auto idx = bootstrap_indices(examples.size(), 11);
  const auto sample = bootstrap_sample(examples, 11);
  ASSERT_EQ(sample.size(), examples.size());
  for (std::size_t k = 0; k < idx.size(); ++k) EXPECT_EQ(sample[k], examples[idx[k]]);
}

TEST(Bootstrap, AnEmptySetIsAnError) {
  EXPECT_EQ(genattn_test::invalid_argument_message([] { (void)bootstrap_indices(0, 1); }),
            "bootstrap: there are no examples to resample");
  EXPECT_EQ(genattn_test::invalid_argument_message([] { (void)bootstrap_sample(std::vector<int>{}, 1); }),
            "bootstrap: there are no examples to resample");
}
