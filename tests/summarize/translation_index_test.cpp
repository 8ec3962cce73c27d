// `summarize prepare`: the committed Translation-en sample gives exactly the
// expected split files (whose every line is a line of the shared corpus;
// scripts/make_prepare_fixture.py checks that), plain or LZ4; each rule of the
// corpus README on hand-made records; and bad bytes give clear errors.
#include <gtest/gtest.h>

#include "../../examples/summarize/translation_index.hpp"
#include "support/errors.hpp"
#include "support/temp_dir.hpp"

using namespace summarize;

namespace {

std::string fixture(const std::string& name) {
  return genattn_test::file_text(std::string(GENATTN_FIXTURE_DIR) + "/summarize/" + name);
}

template <class F>
std::string error_of(F&& f) {
  return genattn_test::message_of<InputError>(f);
}

PreparedCorpus prepare_text(const std::string& text) { return prepare_corpus(parse_translation_index(text, "t")); }

}  // namespace

TEST(Prepare, TheSampleGivesTheExpectedSplits) {
  const std::string dir = std::string(GENATTN_FIXTURE_DIR) + "/summarize/";
  for (const char* input : {"Translation-en", "Translation-en.lz4"}) {
    const PreparedCorpus c = prepare_file(dir + input);
    EXPECT_EQ(c.files[0], fixture("expected/train.tsv")) << input;
    EXPECT_EQ(c.files[1], fixture("expected/valid.tsv")) << input;
    EXPECT_EQ(c.files[2], fixture("expected/test.tsv")) << input;
    EXPECT_EQ(c.stats.no_paragraph, 1u);
    EXPECT_EQ(c.stats.too_short, 15u);
    EXPECT_EQ(c.stats.repeats, 10u);
  }
}

TEST(Prepare, ParagraphsJoinAndWhiteSpaceCollapses) {
  const PreparedCorpus c = prepare_text(
      "Package: foo\nDescription-md5: 0\nDescription-en: a   foo\ttool\n one two three\n   four\n  .  \n"
      " five six  seven eight\n .\n .\n nine\n\n");
  EXPECT_EQ(c.files[0] + c.files[1] + c.files[2], "foo\ta foo tool\tone two three four five six seven eight nine\n");
}

TEST(Prepare, DropsShortPairsRepeatsAndRecordsWithoutParagraphs) {
  const std::string long_text = " one two three four five six seven eight\n";
  const PreparedCorpus c = prepare_text("Package: a\nDescription-en: one\n" + long_text +              // 1-word summary
                                        "\nPackage: b\nDescription-en: two words\n one two three\n" +  // 3-word document
                                        "\nPackage: c\nDescription-en: two words\n .\n" +              // no paragraph
                                        "\nPackage: d\nDescription-en: two words\n" + long_text +      // kept
                                        "\nPackage: e\nDescription-en: two  words\n" + long_text);    // repeat of d
  EXPECT_EQ(c.stats.too_short, 2u);
  EXPECT_EQ(c.stats.no_paragraph, 1u);
  EXPECT_EQ(c.stats.repeats, 1u);
  EXPECT_EQ(c.files[0] + c.files[1] + c.files[2], "d\ttwo words\tone two three four five six seven eight\n");
}

TEST(Prepare, SplitIsFnv1aOfTheLowerCasedFirstParagraphModulo100) {
  // the key's case does not matter; the buckets follow the README's ranges
  EXPECT_EQ(split_of("Hello World"), split_of("hello world"));
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 2000; ++i) ++counts[static_cast<int>(split_of("key " + std::to_string(i)))];
  EXPECT_NEAR(counts[0], 1800, 60);
  EXPECT_NEAR(counts[1], 100, 30);
  EXPECT_NEAR(counts[2], 100, 30);
  const std::uint64_t h = genattn::fnv1a64("hello world");
  EXPECT_EQ(static_cast<int>(split_of("Hello World")), h % 100 < 90 ? 0 : h % 100 < 95 ? 1 : 2);
}

TEST(Prepare, BadBytesGiveClearErrors) {
  const std::string lz4 = fixture("Translation-en.lz4");
  EXPECT_NE(error_of([&] { lz4_decompress(lz4.substr(0, lz4.size() / 2), "x.lz4"); }).find("x.lz4: truncated LZ4 data"),
            std::string::npos);
  std::string corrupt = lz4;
  corrupt[5] = static_cast<char>(corrupt[5] ^ 0x7f);  // the frame descriptor
  EXPECT_NE(error_of([&] { lz4_decompress(corrupt, "x.lz4"); }).find("x.lz4: corrupt LZ4 data"), std::string::npos);
  EXPECT_EQ(error_of([] { parse_translation_index("Package: a\nDescription-en: b \xff c\n", "t"); }),
            "t: invalid UTF-8 at byte 29");
  EXPECT_EQ(error_of([] { parse_translation_index(" stray\n", "t"); }), "t:1: a continuation line outside a record");
  EXPECT_EQ(error_of([] { parse_translation_index("Package: a\nno colon here\n", "t"); }),
            "t:2: expected 'Field: value', found 'no colon here'");
  EXPECT_EQ(error_of([] { read_bytes("/no/such/file"); }), "cannot read file /no/such/file: No such file or directory");
  EXPECT_EQ(error_of([] { read_bytes("/"); }), "cannot read file /: it is a directory");
}
