#include <gtest/gtest.h>

#include <genattn/pipeline/batcher.hpp>

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

// Copy examples make copy batches: the extended sources ride along, cut where
// the sources are cut, and copied words reach the decoder's input as <unk>.
TEST(Batcher, CopyExamplesMakeCopyBatches) {
  const Index V = 8;
  std::vector<Example> data{{{4, 5, 1, 6}, {9, 4}, {4, 5, 8, 9}}, {{6, 1}, {8}, {6, 8}}};
  BatcherConfig c;
  c.max_source = 3;
  c.shuffle = false;
  c.copy_vocab = V;
  const BatchPlan plan = make_batches(data, c);
  ASSERT_EQ(plan.batches.size(), 1u);
  const Seq2SeqBatch& b = plan.batches[0];
  EXPECT_EQ(b.src_ext.size(), b.src.size());
  EXPECT_EQ(b.extra, 2);  // ids 8 and 9
  // column b*: the first source was cut to 3 tokens, its extended ids with it
  const auto B = static_cast<std::size_t>(b.batch);
  std::vector<TokenId> first_ext, first_in;
  for (std::size_t t = 0; t < static_cast<std::size_t>(b.src_time); ++t) first_ext.push_back(b.src_ext[t * B + 1]);
  EXPECT_EQ(first_ext, (std::vector<TokenId>{4, 5, 8}));
  for (std::size_t t = 0; t < static_cast<std::size_t>(b.tgt_time); ++t) first_in.push_back(b.tgt_in[t * B + 1]);
  EXPECT_EQ(first_in, (std::vector<TokenId>{2, 1, 4}));  // <s>, copied 9 read as <unk>, 4
  data[0].source_ext.clear();
  EXPECT_THROW(make_batches(data, c), std::invalid_argument);
}
