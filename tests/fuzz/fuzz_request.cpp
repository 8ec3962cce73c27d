// libFuzzer: any bytes as a summarization request body, parsed as `summarize
// serve` parses it (examples/summarize/serve/request.hpp: nlohmann's JSON
// parser, the field and type checks, the search flags through CLI11's
// options and validators), then the search's own validation. A refusal is
// a RequestError with a 4xx status; an accepted request keeps the limits.
// Each input is parsed twice: for a plain model and for a titled one.
#include <cstdint>
#include <stdexcept>
#include <string>
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
  // for a model trained with --package-name: "PACKAGE\tDESCRIPTION" documents,
  // each read as the title, " | " and the description (the tab becomes those
  // three bytes; the title is at most one byte longer than the package's
  // name, the space after a leading "lib")
  try {
    const auto r = summarize::serve::parse_request(body, defaults, limits, true);
    if (r.documents.empty() || r.documents.size() > limits.max_documents) __builtin_trap();
    for (const auto& d : r.documents)
      if (d.size() > limits.max_document_bytes + 3 || d.find(" | ") == std::string::npos) __builtin_trap();
  } catch (const summarize::serve::RequestError& e) {
    if (e.status != 400 && e.status != 413) __builtin_trap();
  }
  return 0;
}
