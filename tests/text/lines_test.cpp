#include <gtest/gtest.h>

#include <genattn/text/lines.hpp>

#include <string>
#include <vector>

using namespace genattn;

namespace {
std::vector<std::string> lines_of(std::string_view text, bool strip_cr) {
  std::vector<std::string> out;
  std::size_t expected = 1;
  for_each_line(text, strip_cr, [&](std::string_view l, std::size_t n) {
    EXPECT_EQ(n, expected++);
    out.emplace_back(l);
  });
  return out;
}
}  // namespace

TEST(ForEachLine, AFinalNewlineEndsTheLastLine) {
  EXPECT_EQ(lines_of("a\nb\n", false), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(lines_of("a\nb", false), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(lines_of("a\n\nb\n", false), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_TRUE(lines_of("", false).empty());
}

TEST(ForEachLine, StripsCarriageReturnsOnlyWhenAsked) {
  EXPECT_EQ(lines_of("a\r\nb\r\n", true), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(lines_of("a\r\n", false), (std::vector<std::string>{"a\r"}));
}
