// The config's one table (seq2seq/config.hpp).
#include <gtest/gtest.h>

#include <genattn/seq2seq/config.hpp>

#include <cstdint>
#include <string>
#include <utility>

#include "support/errors.hpp"

using namespace genattn;
using namespace genattn_test;

// The config's one table drives fields(), set_field() and validate(): every
// field a checkpoint stores is restored, a value outside its type is refused,
// and each field's rule is checked.
TEST(Seq2SeqConfig, EveryStoredFieldIsRestoredAndChecked) {
  Seq2SeqConfig c;
  c.src_vocab = 31;
  c.tgt_vocab = 29;
  c.embedding = 7;
  c.encoder_hidden = 6;
  c.encoder_layers = 2;
  c.decoder_hidden = 5;
  c.decoder_layers = 3;
  c.attention = AttentionKind::general;
  c.attention_hidden = 4;
  c.dropout = 0.25;
  c.max_source_length = 40;
  c.max_target_length = 12;
  c.ids = SpecialIds{4, 5, 6, 7};
  c.copy = true;
  const auto stored = c.fields();
  ASSERT_EQ(stored.size(), 19u);
  EXPECT_EQ(stored[9], (std::pair<std::string, std::int64_t>{"dropout_ppm", 250000}));
  Seq2SeqConfig back;
  for (const auto& [name, value] : stored) EXPECT_TRUE(back.set_field(name, value)) << name;
  EXPECT_EQ(back.fields(), stored);
  EXPECT_FALSE(back.set_field("no_such_field", 1));
  EXPECT_FALSE(back.set_field("dropout", 1));  // stored as dropout_ppm
  EXPECT_FALSE(back.set_field("attention", 3));
  EXPECT_FALSE(back.set_field("pad", std::int64_t{1} << 40));  // not a token id
  EXPECT_EQ(back.ids.pad, 4);
  back.validate();
  Seq2SeqConfig bad = back;
  bad.max_source_length = -1;
  EXPECT_EQ(invalid_argument_message([&] { bad.validate(); }),
            "Seq2SeqConfig: max_source_length = -1 is negative (0: unlimited)");
  bad = back;
  bad.attention_hidden = -2;
  EXPECT_EQ(invalid_argument_message([&] { bad.validate(); }),
            "Seq2SeqConfig: attention_hidden = -2 is outside 0..16777216");
  bad = back;
  bad.dropout = 1.0;
  EXPECT_EQ(invalid_argument_message([&] { bad.validate(); }), "Seq2SeqConfig: dropout = 1.000000 is outside [0, 1)");
  bad = back;
  bad.ids.eos = 29;
  EXPECT_EQ(invalid_argument_message([&] { bad.validate(); }),
            "Seq2SeqConfig: special id 29 is outside the vocabularies");
  bad = back;
  bad.coverage = true;
  EXPECT_EQ(invalid_argument_message([&] { bad.validate(); }),
            "Seq2SeqConfig: coverage needs the additive attention, not general");
}
