#include <gtest/gtest.h>

#include <genattn/seq2seq/batch.hpp>

#include "../support/errors.hpp"
#include "../support/same_batch.hpp"

using namespace genattn;

TEST(MakeBatch, PadsTimeMajorAndAppendsEos) {
  const Seq2SeqBatch b = make_batch({{5, 6, 7}, {8}}, {{9}, {10, 11}});
  EXPECT_EQ(b.batch, 2);
  EXPECT_EQ(b.src_time, 3);
  EXPECT_EQ(b.tgt_time, 3);
  EXPECT_EQ(b.src, (TokenIds{5, 8, 6, 0, 7, 0}));
  EXPECT_EQ(b.tgt_in, (TokenIds{2, 2, 9, 10, 0, 11}));
  EXPECT_EQ(b.tgt_out, (TokenIds{9, 10, 3, 11, 0, 3}));
  EXPECT_EQ(b.tgt_lengths, (Lengths{2, 3}));
}

TEST(SliceBatch, EqualsTheBatchMadeFromTheSameItems) {
  const std::vector<TokenIds> src = {{5, 6, 7, 8}, {9}, {10, 11}}, tgt = {{4}, {5, 6, 7}, {8}};
  const Seq2SeqBatch whole = make_batch(src, tgt);
  const Seq2SeqBatch tail = slice_batch(whole, 1, 3);
  const Seq2SeqBatch direct = make_batch({src[1], src[2]}, {tgt[1], tgt[2]});
  EXPECT_EQ(tail.batch, 2);
  EXPECT_EQ(tail.src_time, 2);  // trimmed to its own longest source
  genattn_test::expect_same_batch(tail, direct);
}

TEST(SliceBatch, RejectsARangeOutsideTheBatch) {
  const Seq2SeqBatch b = make_batch({{5}, {6}}, {{7}, {8}});
  EXPECT_EQ(genattn_test::invalid_argument_message([&] { slice_batch(b, 1, 3); }),
            "slice_batch: items [1, 3) are not inside a batch of 2");
}
