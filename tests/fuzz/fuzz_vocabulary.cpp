// libFuzzer: vocabulary file text -> Vocabulary::parse.
#include <genattn/text/vocabulary.hpp>

#include <cstdint>
#include <stdexcept>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto v = genattn::Vocabulary::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.vocab");
    if (v.size() < 4) __builtin_trap();  // parse promises the specials
    (void)v.decode(v.encode({"x", "<unk>"}));
  } catch (const std::runtime_error&) {
  }
  return 0;
}
