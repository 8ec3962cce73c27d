#include <gtest/gtest.h>

#include <genattn/text/utf8.hpp>

#include "support/errors.hpp"

using namespace genattn;

TEST(Utf8, RoundTripsValidText) {
  const std::string s = "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80";  // a é 日 😀
  const std::u32string cps = utf8_decode(s);
  EXPECT_EQ(cps, (std::u32string{U'a', 0xE9, 0x65E5, 0x1F600}));
  EXPECT_EQ(utf8_encode(cps), s);
}

TEST(Utf8, InvalidBytesAreReplacedPerMaximalSubpart) {
  // stray continuation, truncated 3-byte sequence, overlong '/', surrogate, > U+10FFFF, 0xFF
  EXPECT_EQ(utf8_decode("\x80"), U"\uFFFD");
  EXPECT_EQ(utf8_decode("\xE6\x97x"), U"\uFFFDx");
  EXPECT_EQ(utf8_decode("\xC0\xAF"), U"\uFFFD\uFFFD");
  EXPECT_EQ(utf8_decode("\xED\xA0\x80"), U"\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(utf8_decode("\xF4\x90\x80\x80"), U"\uFFFD\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(utf8_decode("ok\xFF"), U"ok\uFFFD");
  EXPECT_EQ(utf8_decode("\xE6"), U"\uFFFD");  // truncated at the end of input
}

TEST(Utf8, RejectPolicyNamesTheByte) {
  EXPECT_EQ(genattn_test::invalid_argument_message([] { utf8_decode("abc\xE6\x97", InvalidUtf8::reject); }),
            "invalid UTF-8 at byte 3");
  EXPECT_NO_THROW(utf8_decode("fine \xC3\xA9", InvalidUtf8::reject));
}

TEST(Utf8, EveryByteStringDecodesWithoutFault) {
  // All two-byte strings: no crash, no sanitizer report, output never empty.
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; ++b) {
      const std::string s{static_cast<char>(a), static_cast<char>(b)};
      const std::u32string d = utf8_decode(s);
      ASSERT_FALSE(d.empty());
      ASSERT_LE(d.size(), 2u);
    }
}

TEST(Utf8, AsciiSpaceIsTheCLocalesSpaceAndAgreesWithUnicodeSpaceOnAscii) {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool c_locale = b < 128 && (b == ' ' || b == '\t' || b == '\n' || b == '\v' || b == '\f' || b == '\r');
    EXPECT_EQ(is_ascii_space(c), c_locale) << "byte " << b;
    // Python's str.isspace() also counts 0x1C-0x1F (the information separators)
    if (b < 0x1C || (b > 0x1F && b < 128)) {
      EXPECT_EQ(is_ascii_space(c), is_unicode_space(static_cast<char32_t>(b))) << "byte " << b;
    }
  }
}
