// benchmarks/serve/serve_load.cpp: a bounded load against `summarize serve`
// on 127.0.0.1, with dynamic batching and without it.
//
//   serve_load --summarize build/examples/summarize --model DIR --documents FILE
//              [--clients 1,4,16] [--seconds 10] [--requests 2000] [--threads 0]
//
// For each mode (batching: --max-batch 32 --max-wait-ms 5; none: --max-batch
// 1, each request decoded alone) it starts a server, warms it up (every
// client count for a second), reads its resident memory, then runs each
// client count for --seconds or --requests requests, whichever ends first.
// Each client sends one document a request (the documents in turn) and
// waits for the answer before the next (closed loop). After the runs it
// reads the resident memory again and stops the server with SIGTERM.
//
// Prints a Markdown table: throughput (requests/s), p50 and p99 latency,
// the mean documents per decoded batch (from the server's /metrics), failures, and the 16-client / 1-client throughput ratio, with the RSS
// after warm-up and after the run. Exits 1 when a request failed or the
// server did not exit 0: the numbers are only worth reading without either.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../../tests/support/http_client.hpp"
#include "../../tests/support/serve_process.hpp"

namespace {

struct Options {
  std::string summarize, model, documents, work = "/tmp";
  std::vector<int> clients = {1, 4, 16};
  std::vector<std::string> serve_flags;  // --serve-flag X (repeatable): more flags for both servers
  double seconds = 10;
  long requests = 2000;
  int threads = 0;
};

struct Result {
  int clients = 0;
  double throughput = 0, p50_ms = 0, p99_ms = 0, mean_batch = 0;
  long requests = 0, failures = 0;
};

/// The server's summarize_batch_documents sum and count (its /metrics).
std::pair<double, double> batch_totals(int port) {
  httplib::Client c("127.0.0.1", port);
  const auto r = c.Get("/metrics");
  double sum = 0, count = 0;
  if (!r) return {0, 0};
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("summarize_batch_documents_sum ", 0) == 0) sum = std::stod(line.substr(line.find(' ') + 1));
    if (line.rfind("summarize_batch_documents_count ", 0) == 0) count = std::stod(line.substr(line.find(' ') + 1));
  }
  return {sum, count};
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

Result run(int port, const std::vector<std::string>& docs, int clients, double seconds, long budget) {
  using Clock = std::chrono::steady_clock;
  std::atomic<long> issued{0}, failures{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(clients));
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int k = 0; k < clients; ++k)
    threads.emplace_back([&, k] {
      httplib::Client c("127.0.0.1", port);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      c.set_read_timeout(std::chrono::seconds(60));
      for (long i; Clock::now() < end && (i = issued++) < budget;) {
        const std::string body =
            nlohmann::json{{"documents", {docs[static_cast<std::size_t>(i) % docs.size()]}}}.dump();
        const auto t0 = Clock::now();
        const auto r = c.Post("/v1/summarize", body, "application/json");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (!r || r->status != 200) {
          ++failures;
          continue;
        }
        latencies[static_cast<std::size_t>(k)].push_back(ms);
      }
    });
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Result r;
  r.clients = clients;
  r.requests = static_cast<long>(all.size());
  r.failures = failures;
  r.throughput = static_cast<double>(all.size()) / elapsed;
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<std::size_t>(p * static_cast<double>(all.size())))];
  };
  r.p50_ms = pct(0.50);
  r.p99_ms = pct(0.99);
  return r;
}

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string x; std::getline(in, x, ',');) out.push_back(std::stoi(x));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--summarize") o.summarize = v;
    else if (k == "--model") o.model = v;
    else if (k == "--documents") o.documents = v;
    else if (k == "--clients") o.clients = parse_list(v);
    else if (k == "--seconds") o.seconds = std::stod(v);
    else if (k == "--requests") o.requests = std::stol(v);
    else if (k == "--threads") o.threads = std::stoi(v);
    else if (k == "--work") o.work = v;
    else if (k == "--serve-flag") o.serve_flags.push_back(v);
    else {
      std::fprintf(stderr, "serve_load: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (o.summarize.empty() || o.model.empty() || o.documents.empty()) {
    std::fprintf(stderr, "usage: serve_load --summarize BIN --model DIR --documents FILE [--clients 1,4,16] "
                         "[--seconds S] [--requests N] [--threads T]\n");
    return 2;
  }
  std::vector<std::string> docs;
  {
    std::ifstream in(o.documents);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) docs.push_back(line.substr(line.rfind('\t') + 1));  // a corpus TSV's document, or a line
  }
  if (docs.empty()) {
    std::fprintf(stderr, "serve_load: no documents in %s\n", o.documents.c_str());
    return 2;
  }
  bool ok = true;
  std::printf("| batching | clients | requests | req/s | p50 ms | p99 ms | mean batch | failed |\n"
              "|---|---|---|---|---|---|---|---|\n");
  std::string notes;
  for (const bool batching : {true, false}) {
    std::vector<std::string> args = {"--model", o.model, "--threads", std::to_string(o.threads), "--max-batch",
                                     batching ? "32" : "1", "--max-wait-ms", batching ? "5" : "0"};
    args.insert(args.end(), o.serve_flags.begin(), o.serve_flags.end());
    genattn_test::ServeProcess server(o.summarize, args, o.work + "/serve_load.stderr");
    for (int c : o.clients) run(server.port(), docs, c, 1.0, o.requests);  // warm-up
    const long rss_warm = rss_kib(server.pid());
    std::vector<Result> results;
    for (int c : o.clients) {
      const auto before = batch_totals(server.port());
      results.push_back(run(server.port(), docs, c, o.seconds, o.requests));
      const auto after = batch_totals(server.port());
      Result& r = results.back();
      r.mean_batch = after.second > before.second ? (after.first - before.first) / (after.second - before.second) : 0;
      ok = ok && r.failures == 0;
      std::printf("| %s | %d | %ld | %.1f | %.1f | %.1f | %.1f | %ld |\n", batching ? "on" : "off", r.clients,
                  r.requests, r.throughput, r.p50_ms, r.p99_ms, r.mean_batch, r.failures);
      std::fflush(stdout);
    }
    const long rss_end = rss_kib(server.pid());
    server.signal(SIGTERM);
    const int status = server.wait();
    ok = ok && status == 0;
    char line[256];
    const double ratio = results.size() > 1 ? results.back().throughput / results.front().throughput : 1.0;
    std::snprintf(line, sizeof line,
                  "batching %s: %d clients / %d client throughput %.2fx; RSS %.1f MiB after warm-up, %.1f MiB "
                  "after the run (%+.1f%%); server exit %d\n",
                  batching ? "on" : "off", results.back().clients, results.front().clients, ratio,
                  static_cast<double>(rss_warm) / 1024, static_cast<double>(rss_end) / 1024,
                  100.0 * static_cast<double>(rss_end - rss_warm) / static_cast<double>(rss_warm), status);
    notes += line;
  }
  std::printf("\n%s", notes.c_str());
  return ok ? 0 : 1;
}
