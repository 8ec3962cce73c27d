#include <gtest/gtest.h>

#include <genattn/text/batcher.hpp>

#include <set>

using namespace genattn;

namespace {
std::vector<Example> examples(std::size_t n) {
  Rng rng(5);
  std::vector<Example> out;
  for (std::size_t i = 0; i < n; ++i) {
    Example e;
    const auto len = 1 + rng.below(30);
    for (std::uint64_t k = 0; k < len; ++k) e.source.push_back(static_cast<TokenId>(4 + i % 50));
    e.target = {static_cast<TokenId>(4 + i % 7)};
    out.push_back(e);
  }
  return out;
}
}  // namespace

TEST(Batcher, GroupsSimilarLengthsAndCoversEveryExampleOnce) {
  const auto data = examples(500);
  BatcherConfig c;
  c.batch_size = 20;
  c.pool_factor = 25;  // one pool: batches are sorted runs of lengths
  const BatchPlan plan = make_batches(data, c);
  Index total = 0, padding = 0;
  std::multiset<Index> lengths_seen, lengths_want;
  for (const auto& e : data) lengths_want.insert(static_cast<Index>(e.source.size()));
  for (const auto& b : plan.batches) {
    total += b.batch;
    const auto [lo, hi] = std::minmax_element(b.src_lengths.begin(), b.src_lengths.end());
    EXPECT_LE(*hi - *lo, 3) << "a batch spans similar lengths";
    for (Index l : b.src_lengths) {
      lengths_seen.insert(l);
      padding += b.src_time - l;
    }
  }
  EXPECT_EQ(total, 500);
  EXPECT_EQ(lengths_seen, lengths_want);
  EXPECT_LT(padding, 500 * 2);
}

TEST(Batcher, TruncatesAndCountsWhatItCut) {
  std::vector<Example> data{{TokenIds(10, 5), TokenIds(6, 7)}, {TokenIds(3, 5), TokenIds(2, 7)}, {{}, {7}}};
  BatcherConfig c;
  c.max_source = 4;
  c.max_target = 4;  // three tokens and </s>
  c.shuffle = false;
  const BatchPlan plan = make_batches(data, c);
  EXPECT_EQ(plan.truncated_sources, 1);
  EXPECT_EQ(plan.truncated_targets, 1);
  EXPECT_EQ(plan.dropped_tokens, 6 + 3);
  EXPECT_EQ(plan.skipped_empty, 1);
  ASSERT_EQ(plan.batches.size(), 1u);
  EXPECT_EQ(plan.batches[0].src_time, 4);
  EXPECT_EQ(plan.batches[0].tgt_time, 4);
}

TEST(Batcher, SameSeedSameBatchesAnotherEpochAnotherOrder) {
  const auto data = examples(200);
  BatcherConfig c;
  c.batch_size = 16;
  const auto a = make_batches(data, c, 0), b = make_batches(data, c, 0), e1 = make_batches(data, c, 1);
  ASSERT_EQ(a.batches.size(), b.batches.size());
  bool differs = false;
  for (std::size_t i = 0; i < a.batches.size(); ++i) {
    EXPECT_EQ(a.batches[i].src, b.batches[i].src);
    differs |= a.batches[i].src != e1.batches[i].src;
  }
  EXPECT_TRUE(differs);
}
