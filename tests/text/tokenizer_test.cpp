#include <gtest/gtest.h>

#include <genattn/text/tokenizer.hpp>

#include "support/errors.hpp"

using namespace genattn;
using Tokens = std::vector<std::string>;

TEST(Tokenizer, KeepsIdentifiersAndVersionsReadable) {
  const Tokenizer tok;
  EXPECT_EQ(tok.tokenize("Install libfoo-dev for x86-64 (v2.1.0)."),
            (Tokens{"install", "libfoo-dev", "for", "x86-64", "(", "v2.1.0", ")", "."}));
  EXPECT_EQ(tok.tokenize("C++ bindings; g++-12 and libstdc++6"),
            (Tokens{"c++", "bindings", ";", "g++-12", "and", "libstdc++6"}));
  EXPECT_EQ(tok.tokenize("Perl module Foo::Bar -- don't e.g. 3.5%"),
            (Tokens{"perl", "module", "foo::bar", "-", "-", "don't", "e.g", ".", "3.5", "%"}));
  EXPECT_EQ(tok.tokenize("URL: https://example.org/a"),
            (Tokens{"url", ":", "https", ":", "/", "/", "example.org", "/", "a"}));
  EXPECT_EQ(tok.tokenize("  \t\n "), Tokens{});
}

TEST(Tokenizer, LowercasingIsOptionalAndCoversLatinGreekCyrillic) {
  EXPECT_EQ(Tokenizer().tokenize("ÜNÏCÖDÉ ΑΒΓ ДЖ"), (Tokens{"ünïcödé", "αβγ", "дж"}));
  TokenizerConfig keep;
  keep.lowercase = false;
  EXPECT_EQ(Tokenizer(keep).tokenize("GNOME's Editor"), (Tokens{"GNOME's", "Editor"}));
  EXPECT_EQ(Tokenizer().tokenize("日本語 テキスト、処理"), (Tokens{"日本語", "テキスト", "、", "処理"}));
}

TEST(Tokenizer, InvalidUtf8IsReplacedOrRejected) {
  EXPECT_EQ(Tokenizer().tokenize("bad\xFF" "byte"), (Tokens{"bad", "\xEF\xBF\xBD", "byte"}));
  TokenizerConfig strict;
  strict.invalid = InvalidUtf8::reject;
  EXPECT_EQ(genattn_test::invalid_argument_message([&] { Tokenizer(strict).tokenize("ok \xC3"); }),
            "invalid UTF-8 at byte 3");
}

TEST(Tokenizer, DetokenizeForDisplay) {
  const Tokenizer tok;
  EXPECT_EQ(Tokenizer::detokenize(tok.tokenize("Tools (for x86-64), version 2.1.0: fast!")),
            "tools (for x86-64), version 2.1.0: fast!");
  EXPECT_EQ(Tokenizer::detokenize({}), "");
}
