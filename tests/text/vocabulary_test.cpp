#include <gtest/gtest.h>

#include <genattn/text/vocabulary.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace genattn;

namespace {
std::string temp_file(const std::string& name, const std::string& content) {
  const auto p = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(p, std::ios::binary) << content;
  return p;
}
std::string load_error(const std::string& content) {
  const std::string p = temp_file("genattn-vocab-bad.txt", content);
  try {
    Vocabulary::load(p);
  } catch (const std::runtime_error& e) {
    std::remove(p.c_str());
    return e.what();
  }
  std::remove(p.c_str());
  return "(no error)";
}
}  // namespace

TEST(Vocabulary, BuildsWithSpecialsFrequencyOrderAndLimits) {
  const std::vector<std::vector<std::string>> texts{{"b", "a", "b", "c"}, {"a", "b", "d"}};
  const Vocabulary v = Vocabulary::build(texts);
  ASSERT_EQ(v.size(), 8);
  EXPECT_EQ(v.token(0), "<pad>");
  EXPECT_EQ(v.token(3), "</s>");
  EXPECT_EQ(v.token(4), "b");  // 3 times
  EXPECT_EQ(v.token(5), "a");  // 2 times
  EXPECT_EQ(v.token(6), "c");  // ties in byte order
  EXPECT_EQ(v.count(4), 3);
  EXPECT_EQ(v.id("zzz"), Vocabulary::unk_id);
  EXPECT_EQ(v.encode({"a", "zzz"}), (TokenIds{5, 1}));
  EXPECT_EQ(v.decode({4, 5}), (std::vector<std::string>{"b", "a"}));
  EXPECT_THROW(v.token(8), std::invalid_argument);
  VocabularyConfig small;
  small.max_size = 5;
  EXPECT_EQ(Vocabulary::build(texts, small).size(), 5);
  VocabularyConfig frequent;
  frequent.min_frequency = 2;
  EXPECT_EQ(Vocabulary::build(texts, frequent).size(), 6);
}

TEST(Vocabulary, BuildsFromCountsAddedATextAtATime) {
  // what train counts a pair at a time is the vocabulary of the token lists
  const std::vector<std::vector<std::string>> texts{{"b", "a", "b", "c"}, {"a", "b", "d"}, {}, {"e", "c"}};
  TokenCounts counts;
  for (const auto& t : texts) counts.add(t);
  EXPECT_EQ(counts.counts().at("b"), 3);
  EXPECT_EQ(counts.counts().at("e"), 1);
  EXPECT_EQ(counts.counts().size(), 5u);
  VocabularyConfig config;
  config.max_size = 7;
  const Vocabulary from_counts = Vocabulary::build(counts, config), from_texts = Vocabulary::build(texts, config);
  EXPECT_EQ(from_counts.serialize(), from_texts.serialize());
  EXPECT_EQ(from_counts.size(), 7);
  EXPECT_EQ(from_counts.token(6), "c");  // 2 times, before d and e (once each)
  config.max_size = 3;
  EXPECT_THROW(Vocabulary::build(counts, config), std::invalid_argument);
  EXPECT_THROW(Vocabulary::build(texts, config), std::invalid_argument);
}

TEST(Vocabulary, SavesAndLoadsAsText) {
  const Vocabulary v = Vocabulary::build({{"x86-64", "libfoo-dev", "x86-64", "café"}});
  const auto p = (std::filesystem::temp_directory_path() / "genattn-vocab.txt").string();
  v.save(p);
  const Vocabulary w = Vocabulary::load(p);
  std::remove(p.c_str());
  ASSERT_EQ(w.size(), v.size());
  for (TokenId i = 0; i < v.size(); ++i) {
    EXPECT_EQ(w.token(i), v.token(i));
    EXPECT_EQ(w.count(i), v.count(i));
  }
}

TEST(Vocabulary, DamagedFilesGiveClearErrors) {
  const std::string head = "genattn-vocabulary 1\n<pad>\t0\n<unk>\t0\n<s>\t0\n</s>\t0\n";
  EXPECT_NE(load_error("hello\n").find(":1: not a genattn vocabulary"), std::string::npos);
  EXPECT_NE(load_error(head + "a\t3\na\t2\n").find(":7: token 'a' repeats"), std::string::npos);
  EXPECT_NE(load_error(head + "a\tx3\n").find(":6: count 'x3' is not a number"), std::string::npos);
  EXPECT_NE(load_error(head + "no tab here\n").find(":6: expected 'token<TAB>count'"), std::string::npos);
  EXPECT_NE(load_error("genattn-vocabulary 1\n<unk>\t0\n").find(":2: expected the special '<pad>'"), std::string::npos);
  EXPECT_NE(load_error("genattn-vocabulary 1\n<pad>\t0\n").find("truncated"), std::string::npos);
  EXPECT_NE(load_error(head + "\t5\n").find(":6: expected"), std::string::npos);
  try {
    Vocabulary::load("/nonexistent/vocab.txt");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "cannot read vocabulary /nonexistent/vocab.txt: No such file or directory");
  }
  try {  // a directory: named, not "basic_filebuf::underflow"
    Vocabulary::load("/");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "cannot read vocabulary /: it is a directory");
  }
}
