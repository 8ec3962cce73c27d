// examples/summarize/serve_command.hpp: `summarize serve`, a summarization
// server over HTTP/1.1 and JSON (cpp-httplib), with dynamic batching.
//
//   POST /v1/summarize  {"documents": [...], "beam": 4, ...}  ->  {"summaries": [{"text", "score", ...}]}
//   GET  /health        {"status": "ok"} (503 {"status": "draining"} while it stops)
//   GET  /metrics       Prometheus text (serve/metrics.hpp)
//
// A request's fields are the search flags, spelt with '_' (serve/request.hpp);
// the search flags given to `serve` are the defaults. Requests with the same
// options that queue together are decoded as one batch of up to --max-batch
// documents; a batch waits at most --max-wait-ms for the requests being read
// and for --min-batch documents (serve/dynamic_batcher.hpp).
//
// Each summary: "text", "score" (the ranking score), "log_prob", "tokens"
// (the summary's words, <unk> replaced when asked); with n_best > 1 also
// "n_best", the list of {"text", "score", "log_prob"}; with "alignment":
// true also "source_tokens" (the document as the model read it) and
// "alignment" (per summary token, its weights over the source tokens).
//
// Errors are JSON, {"error": {"code": 400, "message": "..."}}: 400 for a bad
// request, 404 for another path, 413 for a body, document count or document
// over the limits, 503 with Retry-After when the queue is full. The server
// keeps serving after each.
//
// SIGTERM or SIGINT: the server refuses new requests (503, the server is
// stopping), answers every request in flight, stops accepting connections
// and exits with 0; a second signal ends it at once (exit status 1). It listens on 127.0.0.1 unless
// --host says otherwise; --port 0 takes a free port. It prints
// "summarize: serving MODEL on http://HOST:PORT" on stdout once it listens.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "summarizer.hpp"

namespace summarize {

struct ServeOptions {
  std::vector<std::string> model_dirs;  ///< one model, or the members of an ensemble
  std::string host = "127.0.0.1";
  int port = 8080;
  std::size_t max_batch = 32, min_batch = 1, max_queue = 1024;
  double max_wait_ms = 5.0;
  std::size_t max_body_bytes = 1 << 20, max_documents = 64, max_document_bytes = 64 * 1024;
  int http_threads = 64;  ///< connections served at once
  DecodeOptions decode;   ///< the requests' defaults; its threads decode every batch
};

/// Runs the server until SIGTERM or SIGINT; returns the exit status. Throws
/// InputError for a model or option it cannot take, or a port it cannot
/// listen on.
int serve_command(const ServeOptions& o);

}  // namespace summarize
