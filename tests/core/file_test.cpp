#include <gtest/gtest.h>

#include <genattn/core/file.hpp>

#include <filesystem>

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
