#include <gtest/gtest.h>

#include <genattn/pipeline/batcher.hpp>

#include <set>
#include <string>
#include <type_traits>
#include <utility>

#include "support/same_batch.hpp"

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

// order_batches plans make_batches' epoch and makes a batch when asked:
// batch(k) is the padded batch of its members, cut at max_source and
// max_target - 1 (plain and copy, shuffled, two epochs); the counts are what
// make_batches reports, and the members cover each example once.
TEST(Batcher, OrderedBatchesAreMadeFromTheirMembers) {
  auto data = examples(300);
  data[7].source.clear();  // skipped and counted
  for (auto& e : data) {
    e.target.assign(e.source.size() % 9 + 1, 5);  // some cut at max_target
    for (std::size_t j = 0; j < e.source.size(); ++j) e.source_ext.push_back(j % 3 == 0 ? 4 + static_cast<TokenId>(j % 50) : 60);
  }
  for (const Index copy_vocab : {Index{0}, Index{60}}) {
    for (const std::uint64_t epoch : {0u, 1u}) {
      SCOPED_TRACE("copy_vocab " + std::to_string(copy_vocab) + ", epoch " + std::to_string(epoch));
      BatcherConfig c;
      c.batch_size = 16;
      c.pool_factor = 4;
      c.max_source = 20;
      c.max_target = 6;
      c.copy_vocab = copy_vocab;
      const BatchPlan all = make_batches(data, c, epoch);
      const BatchOrder order = order_batches(data, c, epoch);
      EXPECT_EQ(order.truncated_sources, all.truncated_sources);
      EXPECT_EQ(order.truncated_targets, all.truncated_targets);
      EXPECT_EQ(order.dropped_tokens, all.dropped_tokens);
      EXPECT_EQ(order.skipped_empty, 1);
      EXPECT_GT(order.truncated_sources, 0);
      EXPECT_GT(order.truncated_targets, 0);
      ASSERT_EQ(order.size(), all.batches.size());
      std::multiset<std::size_t> seen;
      for (std::size_t k = 0; k < order.size(); ++k) {
        std::vector<TokenIds> src, tgt, ext;
        for (const std::size_t i : order.members(k)) {
          const Example& e = data[i];
          const auto n = static_cast<long>(std::min<std::size_t>(e.source.size(), 20));
          src.emplace_back(e.source.begin(), e.source.begin() + n);
          ext.emplace_back(e.source_ext.begin(), e.source_ext.begin() + n);
          tgt.emplace_back(e.target.begin(), e.target.begin() + static_cast<long>(std::min<std::size_t>(e.target.size(), 5)));
          seen.insert(i);
        }
        const Seq2SeqBatch want = copy_vocab > 0 ? make_copy_batch(src, ext, tgt, copy_vocab) : make_batch(src, tgt);
        const Seq2SeqBatch b = order.batch(k);
        genattn_test::expect_same_batch(b, want);
        EXPECT_EQ(b.src, all.batches[k].src);
        EXPECT_LE(b.src_time, 20);
        EXPECT_LE(b.tgt_time, 6);
      }
      EXPECT_EQ(seen.size(), data.size() - 1);
      EXPECT_EQ(std::set<std::size_t>(seen.begin(), seen.end()).size(), seen.size());
      EXPECT_EQ(seen.count(7), 0u);
    }
  }
}

namespace {
// whether order_batches takes examples of type V (a BatchOrder refers to them)
template <class V>
auto orders(int) -> decltype(order_batches(std::declval<V>(), BatcherConfig{}), std::true_type{});
template <class V>
std::false_type orders(...);
}  // namespace
static_assert(decltype(orders<const std::vector<Example>&>(0))::value, "order_batches takes examples that outlive it");
static_assert(!decltype(orders<std::vector<Example>>(0))::value, "order_batches refuses a temporary");

TEST(Batcher, OrderedBatchOutsideTheEpochIsAClearError) {
  const auto data = examples(40);
  BatcherConfig c;
  c.batch_size = 16;
  const BatchOrder order = order_batches(data, c);
  ASSERT_EQ(order.size(), 3u);
  try {
    order.batch(3);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("batch 3 of an epoch of 3 batches"), std::string::npos) << e.what();
  }
}
