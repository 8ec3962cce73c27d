// tests/support/same_batch.hpp: two padded batches equal in every field.
#pragma once

#include <gtest/gtest.h>

#include <genattn/seq2seq/batch.hpp>

namespace genattn_test {

inline void expect_same_batch(const genattn::Seq2SeqBatch& got, const genattn::Seq2SeqBatch& want) {
  EXPECT_EQ(got.batch, want.batch);
  EXPECT_EQ(got.src_time, want.src_time);
  EXPECT_EQ(got.tgt_time, want.tgt_time);
  EXPECT_EQ(got.src, want.src);
  EXPECT_EQ(got.src_lengths, want.src_lengths);
  EXPECT_EQ(got.tgt_in, want.tgt_in);
  EXPECT_EQ(got.tgt_out, want.tgt_out);
  EXPECT_EQ(got.tgt_lengths, want.tgt_lengths);
  EXPECT_EQ(got.src_ext, want.src_ext);
  EXPECT_EQ(got.extra, want.extra);
}

}  // namespace genattn_test
