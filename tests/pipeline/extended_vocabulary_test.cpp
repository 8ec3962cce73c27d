#include <gtest/gtest.h>

#include <genattn/pipeline/extended_vocabulary.hpp>

using namespace genattn;

TEST(ExtendedVocabulary, NumbersTheSourcesOwnWordsAfterTheVocabulary) {
  const Vocabulary vocab = Vocabulary::build({{"the", "tool", "for", "the"}});
  const Index V = vocab.size();
  const ExtendedVocabulary ext(vocab, {"the", "zstd", "tool", "for", "zstd", "lz4"});
  EXPECT_EQ(ext.extra(), 2);
  EXPECT_EQ(ext.size(), V + 2);
  EXPECT_EQ(ext.source_ids(), (TokenIds{vocab.id("the"), static_cast<TokenId>(V), vocab.id("tool"), vocab.id("for"),
                                        static_cast<TokenId>(V), static_cast<TokenId>(V + 1)}));
  // targets: vocabulary id, else the source's id, else <unk>
  EXPECT_EQ(ext.encode({"lz4", "tool", "brotli"}),
            (TokenIds{static_cast<TokenId>(V + 1), vocab.id("tool"), Vocabulary::unk_id}));
  // and back: a copied word comes out as its source text
  EXPECT_EQ(ext.decode({static_cast<TokenId>(V), vocab.id("for"), static_cast<TokenId>(V + 1)}),
            (std::vector<std::string>{"zstd", "for", "lz4"}));
  EXPECT_THROW(ext.token(static_cast<TokenId>(V + 2)), std::invalid_argument);
  EXPECT_THROW(ext.token(-1), std::invalid_argument);
}
