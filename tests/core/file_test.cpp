#include <gtest/gtest.h>

#include <genattn/core/file.hpp>

#include <filesystem>
#include <sstream>

#include "../support/temp_dir.hpp"

using namespace genattn;
using genattn_test::file_text;
using genattn_test::TempDir;

TEST(Fnv1a64, MatchesPublishedVectors) {
  // from the FNV reference test suite (isthe.com/chongo/tech/comp/fnv)
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(WriteFileAtomically, ReplacesTheFileAndLeavesNoTemporary) {
  TempDir dir("genattn-file");
  const std::string path = dir.file("out.txt");
  write_file_atomically(path, std::string_view("first\n"));
  write_file_atomically(path, std::string_view("second\n"));
  EXPECT_EQ(file_text(path), "second\n");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST(WriteFileAtomically, AnUnwritablePathNamesTheFileAndKeepsTheOldOne) {
  TempDir dir("genattn-file");
  try {
    write_file_atomically(dir.file("no/such/dir/x.tsv"), std::string_view("x"), "corpus file");
    FAIL() << "no FileError";
  } catch (const FileError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cannot write corpus file " + dir.file("no/such/dir/x.tsv")), std::string::npos) << msg;
    EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
  }
}

// Files shorter than, as long as, and longer than read_stream's 64 KiB block,
// with every byte value (NUL, CR, 0xFF) and the empty file: read back whole.
TEST(ReadFile, ReadsEveryByteOfFilesAroundTheBlockSize) {
  TempDir dir("genattn-read");
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{65535}, std::size_t{65536},
                              std::size_t{65537}, std::size_t{200003}}) {
    std::string bytes(n, '\0');
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<char>((i * 131 + i / 256) & 0xff);
    const std::string path = dir.file("f" + std::to_string(n));
    write_file_atomically(path, std::string_view(bytes));
    EXPECT_EQ(read_file(path), bytes) << n << " bytes";
  }
}

// A stream of unknown size (a pipe, stdin): read to its end.
TEST(ReadFile, ReadStreamReadsAStreamToItsEnd) {
  std::string bytes(150000, 'x');
  bytes[70000] = '\0';
  std::istringstream in(bytes);
  EXPECT_EQ(read_stream(in), bytes);
  EXPECT_FALSE(in.bad());
  std::istringstream empty;
  EXPECT_EQ(read_stream(empty), "");
}

TEST(ReadFile, ADirectoryOrAMissingFileIsAnErrorNamingIt) {
  TempDir dir("genattn-read");
  EXPECT_THROW(
      try { read_file(dir.path.string(), "vocabulary"); } catch (const FileError& e) {
        EXPECT_NE(std::string(e.what()).find("cannot read vocabulary " + dir.path.string() + ": it is a directory"),
                  std::string::npos)
            << e.what();
        throw;
      },
      FileError);
  EXPECT_THROW(
      try { read_file(dir.file("missing"), "checkpoint"); } catch (const FileError& e) {
        EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos) << e.what();
        throw;
      },
      FileError);
}

TEST(Fnv1a64, HashesBytesThatComeInPieces) {
  const std::string_view all("the quick brown fox");
  EXPECT_EQ(fnv1a64(all.substr(9).data(), all.size() - 9, fnv1a64(all.substr(0, 9))), fnv1a64(all));
}

// The pieces are written in order; a producer that fails part way (here by
// throwing) leaves the previous file as it was, no temporary, and its
// exception thrown on.
TEST(WriteFileAtomically, PiecesAreWrittenInOrderAndAFailedProducerKeepsTheOldFile) {
  TempDir dir("genattn-file");
  const std::string path = dir.file("out.bin");
  write_file_atomically_in_pieces(path, [](auto&& write) {
    write("first ", 6);
    write("", 0);
    write("second", 6);
  });
  EXPECT_EQ(file_text(path), "first second");
  EXPECT_THROW(write_file_atomically_in_pieces(path,
                                               [](auto&& write) {
                                                 write("partial", 7);
                                                 throw std::runtime_error("the producer failed");
                                               }),
               std::runtime_error);
  EXPECT_EQ(file_text(path), "first second");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}
