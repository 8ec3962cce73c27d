// examples/summarize/serve/request.hpp: a summarization request, JSON to
// documents and decoding options, with every check the server makes before
// it queues the work (the request parser: tests/fuzz/fuzz_request.cpp).
//
//   {"documents": ["text", ...], "beam": 4, "unknown": "replace", "alignment": true}
//
// A model trained with --package-name takes each document as
// "PACKAGE\tDESCRIPTION" (as `summarize summarize` takes its lines).
//
// The option fields are the search flags of `summarize eval` and `summarize
// summarize`, spelt with '_' for '-' (--n-best is "n_best"), and they pass
// through the same CLI11 options and validators (search_options.hpp), so a
// value means the same, and fails with the same words, in JSON as on the
// command line. A field the request leaves out keeps the server's default
// (the search flags given to `summarize serve`). "sample" and "alignment"
// are true or false; "length_penalty", "coverage_penalty" and "unknown" are
// strings; the others numbers. The decoding batch size and threads are the
// server's, not a request's.
//
// Errors are RequestError with an HTTP status: 400 for malformed JSON, a
// wrong type, an unknown field, no documents, a document that is not text
// or has no words, a bad option; 413 for more documents or a longer document
// than the limits.
//
// The parser is compiled in request.cpp, once: it builds CLI11's options,
// which compiled in serve_command.cpp's unit made it the summarizer's
// slowest (g++ -O3, 35 s).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../summarizer.hpp"

namespace summarize::serve {

/// A request the server refuses: the HTTP status and the message for the client.
struct RequestError : std::runtime_error {
  RequestError(int code, const std::string& message) : std::runtime_error(message), status(code) {}
  int status;
};

/// What one request may hold.
struct RequestLimits {
  std::size_t max_documents = 64;              ///< documents per request (413 above)
  std::size_t max_document_bytes = 64 * 1024;  ///< bytes per document (413 above)
};

/// A parsed request.
struct SummarizeRequest {
  std::vector<std::string> documents;  ///< control characters made spaces, as `summarize summarize` reads them
  DecodeOptions decode;                ///< the server's defaults with the request's fields over them
  bool alignment = false;              ///< answer with each summary's alignment over the source tokens
  /// The option fields as given, canonical (sorted, compact): requests with
  /// the same key decode with the same options, so in one batch.
  std::string key;
};

/// Parses a request body; `defaults` are the server's decoding options.
/// Throws RequestError (see the file comment). The documents are not yet
/// checked against the model (words, UTF-8 beyond JSON's): the server does
/// that with TextModel::document_tokens. `titled`: the server's model was
/// trained with --package-name, and each document is "PACKAGE\tDESCRIPTION",
/// read as the package's title, " | " and the description (corpus.hpp).
SummarizeRequest parse_request(std::string_view body, const DecodeOptions& defaults, const RequestLimits& limits,
                               bool titled = false);

}  // namespace summarize::serve
