// examples/summarize/serve_command.cpp: `summarize serve` (see serve_command.hpp).
#include "serve_command.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <pthread.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "serve/dynamic_batcher.hpp"
#include "serve/metrics.hpp"
#include "serve/request.hpp"

namespace summarize {

namespace {

using json = nlohmann::ordered_json;  // fields in the order written: "text" first
using serve::RequestError;

constexpr const char* summarize_path = "/v1/summarize";

/// A JSON body that cannot fail on a byte (each string came from valid UTF-8; replace is a guard).
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void set_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(dump({{"error", {{"code", status}, {"message", message}}}}), "application/json");
}

json hypothesis_json(const Summaries& d, std::size_t r) {
  const auto& h = d.hypotheses[r];
  return {{"text", d.texts[r]}, {"score", h.score}, {"log_prob", h.log_prob}};
}

json summary_json(const Summaries& d, bool n_best, bool alignment) {
  json s = hypothesis_json(d, 0);
  s["tokens"] = d.words.front();
  if (n_best) {
    json list = json::array();
    for (std::size_t r = 0; r < d.texts.size(); ++r) list.push_back(hypothesis_json(d, r));
    s["n_best"] = std::move(list);
  }
  if (alignment) {
    s["source_tokens"] = d.source_tokens;
    json rows = json::array();
    for (const auto& a : d.hypotheses.front().alignment) rows.push_back(std::vector<float>(a.data(), a.data() + a.size()));
    s["alignment"] = std::move(rows);
  }
  return s;
}

/// The label a path gets in the metrics: the endpoints, or "other" (a
/// client's path would make a new series per typo).
std::string path_label(const std::string& path) {
  return path == summarize_path || path == "/health" || path == "/metrics" ? path : "other";
}

void check_options(const ServeOptions& o) {
  auto fail = [](const std::string& m) { throw InputError(m); };
  if (o.port < 0 || o.port > 65535) fail("--port " + std::to_string(o.port) + ": expected 0 (any free port) to 65535");
  if (o.max_queue < o.max_documents)
    fail("--max-queue " + std::to_string(o.max_queue) + " is below --max-documents " +
         std::to_string(o.max_documents) + ": a full request would never fit in the queue");
  if (o.min_batch > o.max_batch)
    fail("--min-batch " + std::to_string(o.min_batch) + " is above --max-batch " + std::to_string(o.max_batch));
  if (o.max_document_bytes > o.max_body_bytes)
    fail("--max-document-bytes " + std::to_string(o.max_document_bytes) + " is above --max-body-bytes " +
         std::to_string(o.max_body_bytes));
}

}  // namespace

int serve_command(const ServeOptions& o) {
  check_options(o);
  // SIGTERM and SIGINT are taken by one thread (below), so they are blocked
  // in this one before any other thread exists: every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up is an error on its socket, not the end of the server

  const Ensemble model = load_ensemble(o.model_dirs);
  // the search defaults must be valid for this model: a bad flag is an
  // error now, not in every request
  try {
    (void)model.search_for(o.decode.search);
  } catch (const std::exception& e) {
    throw InputError(std::string("the search options: ") + e.what());
  }
  const auto packed = model.pack(o.decode.precision);  // once: every batch decodes with these
  std::string names;  // the model directories, for /health and the log
  for (const auto& d : o.model_dirs) names += (names.empty() ? "" : ", ") + d;
  serve::Metrics metrics;
  serve::BatchingOptions batching;
  batching.max_batch = o.max_batch;
  batching.min_batch = o.min_batch;
  batching.max_queue = o.max_queue;
  batching.max_wait = std::chrono::microseconds(static_cast<long long>(o.max_wait_ms * 1000.0));
  serve::DynamicBatcher batcher(model, packed, batching, o.decode.threads,
                                [&](std::size_t docs, std::size_t reqs) { metrics.batch(docs, reqs); });
  const serve::RequestLimits limits{o.max_documents, o.max_document_bytes};
  std::atomic<bool> draining{false};
  std::atomic<int> in_flight{0};  // /v1/summarize requests being answered (the drain waits for 0; /metrics shows it)

  httplib::Server server;
  const auto http_threads = static_cast<std::size_t>(o.http_threads);
  server.new_task_queue = [http_threads] { return new httplib::ThreadPool(http_threads); };
  server.set_payload_max_length(o.max_body_bytes);
  // no Nagle: an answer's headers and body are two writes, and the body
  // waited for the client's delayed ACK (40 ms a request, measured)
  server.set_tcp_nodelay(true);
  // The listening socket: SO_REUSEADDR only (cpp-httplib's default adds
  // SO_REUSEPORT, which lets a second server share a port in use without
  // an error). Kept to stop accepting on SIGTERM.
  std::atomic<int> listen_fd{-1};
  server.set_socket_options([&](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = sock;
  });

  server.Get("/health", [&](const httplib::Request&, httplib::Response& res) {
    if (draining) {
      res.status = 503;
      res.set_content(dump({{"status", "draining"}}), "application/json");
      return;
    }
    // "model": the directory, or the ensemble's directories
    const json which = o.model_dirs.size() == 1 ? json(o.model_dirs.front()) : json(o.model_dirs);
    res.set_content(dump({{"status", "ok"}, {"model", which}}), "application/json");
  });
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    const auto [docs, reqs] = batcher.queued();
    res.set_content(metrics.text(docs, reqs, in_flight), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Post(summarize_path, [&](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    ++in_flight;
    try {
      if (draining) {
        res.set_header("Connection", "close");
        throw RequestError(503, "the server is stopping; send the request to another one");
      }
      serve::DynamicBatcher::Arrival arrival(batcher);  // a batch forming now waits for this request
      serve::SummarizeRequest r = serve::parse_request(req.body, o.decode, limits, model.members().front().text.titled);
      // every check before the queue: a bad document must not fail the batch it would join
      try {
        (void)model.search_for(r.decode.search);
        for (std::size_t i = 0; i < r.documents.size(); ++i)
          (void)model.document_tokens(r.documents[i], "documents[" + std::to_string(i) + "]");
      } catch (const std::exception& e) {
        throw RequestError(400, e.what());
      }
      const std::size_t n = r.documents.size();
      auto future = arrival.submit(std::move(r.documents), r.decode, r.key);
      if (!future) {
        res.set_header("Retry-After", "1");
        throw RequestError(503, "the queue is full (" + std::to_string(o.max_queue) +
                                    " documents, --max-queue); retry later");
      }
      const std::vector<Summaries> out = future->get();
      json summaries = json::array();
      const bool n_best = r.decode.search.n_best > 1 && !r.decode.sample;
      for (std::size_t i = 0; i < n; ++i) summaries.push_back(summary_json(out[i], n_best, r.alignment));
      res.set_content(dump({{"summaries", std::move(summaries)}}), "application/json");
    } catch (const RequestError& e) {
      set_error(res, e.status, e.what());
    } catch (const std::exception& e) {
      set_error(res, 500, std::string("decoding failed: ") + e.what());
    }
    metrics.summarize_took(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    --in_flight;
  });
  // cpp-httplib's own refusals (no such path, a body over the limit) get a
  // JSON body too; a handler's error already has one
  server.set_error_handler([&](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413)
      set_error(res, 413, "the body is larger than this server's limit of " + std::to_string(o.max_body_bytes) +
                              " bytes (--max-body-bytes)");
    else if (res.status == 404)
      set_error(res, 404, "no such endpoint: " + req.method + " " + req.path +
                              " (the endpoints are POST /v1/summarize, GET /health and GET /metrics)");
    else
      set_error(res, res.status, "the request was refused with HTTP status " + std::to_string(res.status));
  });
  server.set_exception_handler([&](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    set_error(res, 500, "internal error");
  });
  // counted as the answer is about to be written, not after (set_logger runs
  // once the client may already have read it): a client that asks /metrics
  // after its answer sees its request counted
  server.set_post_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    metrics.answered(path_label(req.path), res.status);
  });

  const int port = o.port == 0 ? server.bind_to_any_port(o.host) : (server.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0) {
    const int err = errno;
    throw InputError("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " +
                     (err != 0 ? std::strerror(err) : "the address is not one of this machine's"));
  }
  int accepting = 0;
  socklen_t len = sizeof accepting;
  const bool own_socket = listen_fd >= 0 && getsockopt(listen_fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == 0 &&
                          accepting == 1;
  // cpp-httplib 0.11 listens with a backlog of 5: 16 clients connecting at
  // once while both cores decode overflowed it, the kernel dropped their
  // packets, and a request that came late was cut (the 16-client test lost
  // one in 8 of 12 runs; none in 24 with this). Linux lets listen() on a
  // listening socket set a new backlog.
  if (own_socket) ::listen(listen_fd, 1024);

  // SIGTERM / SIGINT: a drain. New requests get 503 (and Connection:
  // close) while the ones in flight finish; once none has been in flight
  // for two looks 50 ms apart, the listening socket is shut down, which
  // makes cpp-httplib's accept() fail and its loop end. The connections it
  // has accepted are still served (its stop() would drop those whose
  // request it has not read yet); then listen_after_bind() returns. A
  // second signal ends the process at once.
  std::atomic<bool> done{false};
  int stopped_by = 0;
  std::thread signal_thread([&] {
    const timespec tick{0, 50 * 1000 * 1000};
    auto wait_signal = [&] { return sigtimedwait(&stop_signals, nullptr, &tick); };
    while (!done) {
      const int sig = wait_signal();
      if (sig <= 0) continue;
      stopped_by = sig;
      draining = true;
      std::fprintf(stderr, "summarize: %s: answering the requests in flight, refusing new ones\n",
                   sig == SIGINT ? "SIGINT" : "SIGTERM");
      for (int quiet = 0; quiet < 2;) {
        if (wait_signal() > 0) {
          std::fprintf(stderr, "summarize: a second signal: stopped without answering the requests in flight\n");
          std::_Exit(1);
        }
        quiet = in_flight == 0 ? quiet + 1 : 0;
      }
      if (own_socket)
        ::shutdown(listen_fd, SHUT_RDWR);
      else
        server.stop();
      return;
    }
  });
  std::printf("summarize: serving %s on http://%s:%d\n", names.c_str(), o.host.c_str(), port);
  std::fflush(stdout);
  server.listen_after_bind();  // false when accept() fails, as it does after the shutdown
  done = true;
  signal_thread.join();
  batcher.close();
  if (!draining) throw InputError("the server stopped: accept() failed on " + o.host + ":" + std::to_string(port));
  std::fprintf(stderr, "summarize: %s: every accepted request answered; stopped\n",
               stopped_by == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}

}  // namespace summarize
