// libFuzzer: Translation-en bytes (plain or an LZ4 frame) -> the corpus splits.
#include <cstdint>
#include <string>

#include "../../examples/summarize/translation_index.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    if (summarize::is_lz4_frame(bytes)) bytes = summarize::lz4_decompress(bytes, "fuzz.lz4");
    (void)summarize::prepare_corpus(summarize::parse_translation_index(bytes, "fuzz"));
  } catch (const summarize::InputError&) {
  }
  return 0;
}
