// Corpus TSV files: what parse_pairs accepts and the errors it gives.
#include <gtest/gtest.h>

#include <fstream>

#include "../../examples/summarize/corpus.hpp"
#include "support/errors.hpp"

using namespace summarize;

namespace {
std::string error_of(const std::string& text) {
  return genattn_test::message_of<InputError>([&] { parse_pairs(text, "c.tsv"); });
}
}  // namespace

TEST(Corpus, ParsesThreeColumnsAndCollapsesSpace) {
  const auto p = parse_pairs("foo\ta  tool\tdoes  things\r\nbar\tb\tc d\n", "c.tsv");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].package, "foo");
  EXPECT_EQ(p[0].summary, "a tool");
  EXPECT_EQ(p[0].document, "does things");
  EXPECT_EQ(p[1].document, "c d");
}

TEST(Corpus, RejectsBadLinesWithTheirNumbers) {
  EXPECT_EQ(error_of("a\tb\tc\n\n"), "c.tsv:2: empty line (expected package, summary and document)");
  EXPECT_EQ(error_of("a\tb\n"), "c.tsv:1: expected 3 tab-separated columns (package, summary, document), found 2");
  EXPECT_EQ(error_of("a\tb\tc\td\n"), "c.tsv:1: expected 3 tab-separated columns (package, summary, document), found 4");
  EXPECT_EQ(error_of("a\tb\t \n"), "c.tsv:1: the document has no words");
  EXPECT_EQ(error_of("a\t\tc\n"), "c.tsv:1: the summary has no words");
  EXPECT_EQ(error_of("a\tb\tc\xc3\n"), "c.tsv:1: invalid UTF-8 at byte 5");
}

TEST(Corpus, CollapseSpaceAndCountWords) {
  EXPECT_EQ(collapse_space(" \t a \n\v b\f\r "), "a b");
  EXPECT_EQ(collapse_space("\xc2\xa0x"), "\xc2\xa0x");  // only ASCII white space collapses
  EXPECT_EQ(count_words(""), 0u);
  EXPECT_EQ(count_words("a b c"), 3u);
}

TEST(Corpus, ControlCharactersAreReadAsSpaces) {
  // NUL, 0x01, ESC (a terminal's colour codes), DEL and the C1 control U+009B
  EXPECT_EQ(controls_as_spaces(std::string("a\0b\x01" "c\x1b[31md\x7f" "e\xc2\x9b" "f", 16)), "a b c [31md e f");
  EXPECT_EQ(controls_as_spaces("caf\xc3\xa9 \xc2\xa0x"), "caf\xc3\xa9 \xc2\xa0x");  // é and U+00A0 are kept
  const auto p = parse_pairs(std::string("pkg\tsum\x1bmary\tdoc\0ument\n", 23), "c.tsv");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].summary, "sum mary");
  EXPECT_EQ(p[0].document, "doc ument");
  const auto docs = read_documents("one\x01two\nthree\n", "stdin");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0], "one two");
  EXPECT_EQ(genattn_test::message_of<InputError>([] { read_documents("a\n\x01\x02\n", "stdin"); }),
            "stdin:2: empty line (expected one document a line)");
}

TEST(Corpus, PackageTitlesSplitTheNameIntoWords) {
  EXPECT_EQ(package_title("libfoo-dev"), "lib foo dev");
  EXPECT_EQ(package_title("python3-aiofiles"), "python3 aiofiles");
  EXPECT_EQ(package_title("r-cran-abind"), "r cran abind");
  EXPECT_EQ(package_title("libstdc++6"), "lib stdc 6");          // a run of separators is one space
  EXPECT_EQ(package_title("gir1.2-ayatanaido3-0.4"), "gir1 2 ayatanaido3 0 4");
  EXPECT_EQ(package_title("lib3ds-dev"), "lib3ds dev");          // "lib" and a digit stays whole
  EXPECT_EQ(package_title("lib"), "lib");
  EXPECT_EQ(package_title("lib-x_y"), "lib x y");
  EXPECT_EQ(package_title("Libfoo"), "Libfoo");                  // the split is for Debian's lower-case names
  EXPECT_EQ(package_title(" a\tb\x01" "c-"), "a b c");           // white space and controls collapse
  EXPECT_EQ(package_title("-+."), "");
  EXPECT_EQ(titled_document("lib foo dev", "Headers."), "lib foo dev | Headers.");
  EXPECT_EQ(source_document(Pair{"abook", "s", "An address book."}, true), "abook | An address book.");
  EXPECT_EQ(source_document(Pair{"abook", "s", "An address book."}, false), "An address book.");
}

TEST(Corpus, TitledModelsReadThePackageFirst) {
  const std::string path = ::testing::TempDir() + "/titled.tsv";
  {
    std::ofstream f(path, std::ios::binary);
    f << "libfoo-dev\tfoo - development files\tThe  headers.\n";
  }
  EXPECT_EQ(read_pairs(path, true).front().document, "lib foo dev | The headers.");
  EXPECT_EQ(read_pairs(path).front().document, "The headers.");
  // summarize's lines for a titled model: PACKAGE<TAB>DESCRIPTION
  const auto docs = read_documents("libfoo-dev\tThe\x01headers.\nabook\ta\tb\n", "stdin", true);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0], "lib foo dev | The headers.");
  EXPECT_EQ(docs[1], "abook | a b");  // a later tab is white space, as in an untitled line
  auto error = [](const std::string& text) {
    return genattn_test::message_of<InputError>([&] { read_documents(text, "stdin", true); });
  };
  EXPECT_EQ(error("a\tb\nno tab here\n"),
            "stdin:2: the model reads each document after its package's name (train --package-name): expected "
            "PACKAGE<TAB>DESCRIPTION");
  EXPECT_EQ(error("-\tb\n"), "stdin:1: the package name is empty");
  EXPECT_EQ(error("a\t \x01\n"), "stdin:1: the description after the package name has no words");
}
