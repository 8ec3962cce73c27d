#include <gtest/gtest.h>

#include <genattn/copy/copied_ids.hpp>

using namespace genattn;

// V = 10 with 3 copied words (ids 10..12): those read as <unk>, the target
// vocabulary's ids stay, and an id beyond the extended vocabulary is left
// for the embedding to refuse.
TEST(CopiedIds, CopiedWordsReadAsUnkAndNothingElseChanges) {
  TokenIds ids{0, 9, 10, 12, 13, 4};
  read_copied_as_unk(ids, 10, 3, 1);
  EXPECT_EQ(ids, (TokenIds{0, 9, 1, 1, 13, 4}));
  TokenIds none{10, 11};
  read_copied_as_unk(none, 10, 0, 1);  // no copied words in this batch
  EXPECT_EQ(none, (TokenIds{10, 11}));
}
