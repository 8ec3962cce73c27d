// libFuzzer: any bytes -> UTF-8 decoding (both policies), the tokenizer, and
// the detokenizer; and the ROUGE and BLEU tokenizers.
#include <genattn/metrics/rouge.hpp>
#include <genattn/metrics/tokenizer_13a.hpp>
#include <genattn/text/tokenizer.hpp>
#include <genattn/text/utf8.hpp>

#include <cstdint>
#include <stdexcept>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::u32string replaced = genattn::utf8_decode(text, genattn::InvalidUtf8::replace);
  const std::string again = genattn::utf8_encode(replaced);
  if (genattn::utf8_decode(again, genattn::InvalidUtf8::reject) != replaced) __builtin_trap();  // re-encoding is valid
  try {
    genattn::utf8_decode(text, genattn::InvalidUtf8::reject);
  } catch (const std::invalid_argument&) {
  }
  const genattn::Tokenizer tok;
  const auto tokens = tok.tokenize(text);
  for (const auto& t : tokens)
    if (t.empty()) __builtin_trap();
  (void)genattn::Tokenizer::detokenize(tokens);
  (void)genattn::rouge_tokenize(text, true);
  (void)genattn::tokenize_13a(std::string(text));
  return 0;
}
