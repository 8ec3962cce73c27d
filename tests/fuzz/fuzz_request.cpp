// libFuzzer: any bytes as a summarization request body, parsed as `summarize
// serve` parses it (examples/summarize/serve/request.hpp: nlohmann's JSON
// parser, the field and type checks, the search flags through CLI11's
// options and validators), then the search's own validation. A refusal is
// a RequestError with a 4xx status; an accepted request keeps the limits.
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "../../examples/summarize/serve/request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  summarize::serve::RequestLimits limits;
  limits.max_documents = 8;
  limits.max_document_bytes = 256;
  const summarize::DecodeOptions defaults;
  try {
    const auto r = summarize::serve::parse_request(body, defaults, limits);
    if (r.documents.empty() || r.documents.size() > limits.max_documents) __builtin_trap();
    for (const auto& d : r.documents)
      if (d.size() > limits.max_document_bytes) __builtin_trap();
    if (summarize::serve::parse_request(body, defaults, limits).key != r.key) __builtin_trap();  // deterministic
    try {
      r.decode.search.validate();
    } catch (const std::invalid_argument&) {
    }
  } catch (const summarize::serve::RequestError& e) {
    if (e.status != 400 && e.status != 413) __builtin_trap();
  }
  return 0;
}
