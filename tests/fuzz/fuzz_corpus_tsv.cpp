// libFuzzer: corpus TSV text -> summarize::parse_pairs.
#include <cstdint>
#include <string_view>

#include "../../examples/summarize/corpus.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    for (const auto& p : summarize::parse_pairs(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.tsv"))
      if (p.summary.empty() || p.document.empty()) __builtin_trap();
  } catch (const summarize::InputError&) {
  }
  return 0;
}
