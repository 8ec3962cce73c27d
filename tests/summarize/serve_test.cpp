// `summarize serve` end to end (examples/summarize/serve_command.cpp): the
// binary on a free loopback port with the committed model
// (tests/fixtures/model), driven over HTTP by cpp-httplib's client.
//   - each endpoint, and each bad request with its status and message;
//   - 16 concurrent clients get the summaries `summarize summarize` gives;
//   - a full queue is 503 with Retry-After;
//   - SIGTERM: the requests in flight are answered, and under load no
//     request is lost or cut; the server exits 0.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/serve_process.hpp"

namespace {

using genattn_test::ServeProcess;
using nlohmann::json;

const std::string model_dir = std::string(GENATTN_FIXTURE_DIR) + "/model";
const std::string work_dir = GENATTN_SERVE_WORK_DIR;

std::string stderr_file(const std::string& test) {
  std::filesystem::create_directories(work_dir);
  return work_dir + "/" + test + ".stderr";
}

/// The documents of the committed test split (its third column).
std::vector<std::string> test_documents(std::size_t n) {
  std::ifstream in(std::string(GENATTN_SOURCE_DIR) + "/examples/summarize/data/test.tsv");
  std::vector<std::string> docs;
  for (std::string line; docs.size() < n && std::getline(in, line);) docs.push_back(line.substr(line.rfind('\t') + 1));
  return docs;
}

httplib::Result post(httplib::Client& c, const json& body) {
  return c.Post("/v1/summarize", body.dump(), "application/json");
}

httplib::Client client(const ServeProcess& s) {
  httplib::Client c("127.0.0.1", s.port());
  c.set_read_timeout(std::chrono::seconds(120));
  return c;
}

/// The server's metric line `name` (with labels), or "" when absent.
std::string metric(httplib::Client& c, const std::string& name) {
  const auto r = c.Get("/metrics");
  if (!r) return "";
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(name + " ", 0) == 0) return line.substr(name.size() + 1);
  return "";
}

/// `summarize summarize`'s summaries of `docs`, one a document.
std::vector<std::string> cli_summaries(const std::vector<std::string>& docs, const std::string& flags) {
  const std::string in = work_dir + "/cli_docs.txt", out = work_dir + "/cli_out.txt";
  {
    std::ofstream f(in);
    for (const auto& d : docs) f << d << '\n';
  }
  const std::string cmd = std::string(SUMMARIZE_BINARY) + " summarize --model " + model_dir + " --input " + in +
                          " --output " + out + " " + flags;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream f(out);
  std::vector<std::string> lines;
  for (std::string line; std::getline(f, line);) lines.push_back(line);
  return lines;
}

// `serve --model A --model B` decodes the models as one ensemble (here a
// model and itself, through the ensemble's own step): its summaries are
// `summarize summarize`'s with the same models, and /health names both.
TEST(Serve, AnEnsembleAnswersAsTheCommandLine) {
  ServeProcess server(SUMMARIZE_BINARY, {"--model", model_dir, "--model", model_dir, "--beam", "2"},
                      stderr_file("ensemble"));
  auto c = client(server);
  const auto health = c.Get("/health");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(json::parse(health->body)["model"], json::array({model_dir, model_dir}));
  const auto docs = test_documents(4);
  const auto r = post(c, {{"documents", docs}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const auto want = cli_summaries(docs, "--model " + model_dir + " --beam 2");
  const json j = json::parse(r->body);
  ASSERT_EQ(j["summaries"].size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(j["summaries"][i]["text"], want[i]) << i;
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderr_text();
}

TEST(Serve, HealthMetricsAndASummary) {
  ServeProcess server(SUMMARIZE_BINARY, {"--model", model_dir, "--beam", "3"}, stderr_file("health"));
  auto c = client(server);
  const auto health = c.Get("/health");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["status"], "ok");

  const auto docs = test_documents(2);
  const auto r = post(c, {{"documents", docs}, {"n_best", 2}, {"alignment", true}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  const json j = json::parse(r->body);
  ASSERT_EQ(j["summaries"].size(), 2u);
  for (const auto& s : j["summaries"]) {
    EXPECT_FALSE(s["text"].get<std::string>().empty());
    ASSERT_EQ(s["n_best"].size(), 2u);  // beam 3 (the server's), 2 asked
    EXPECT_EQ(s["n_best"][0]["text"], s["text"]);
    EXPECT_EQ(s["n_best"][0]["score"], s["score"]);
    EXPECT_GE(s["n_best"][0]["score"].get<double>(), s["n_best"][1]["score"].get<double>());
    // one alignment row a summary token, each a distribution over the source tokens
    ASSERT_EQ(s["alignment"].size(), s["tokens"].size());
    for (const auto& row : s["alignment"]) {
      ASSERT_EQ(row.size(), s["source_tokens"].size());
      double sum = 0;
      for (const auto& w : row) sum += w.get<double>();
      EXPECT_NEAR(sum, 1.0, 1e-4);
    }
  }
  EXPECT_EQ(metric(c, "summarize_requests_total{path=\"/v1/summarize\",code=\"200\"}"), "1");
  EXPECT_EQ(metric(c, "summarize_requests_total{path=\"/health\",code=\"200\"}"), "1");
  EXPECT_EQ(metric(c, "summarize_request_duration_seconds_count"), "1");
  EXPECT_EQ(metric(c, "summarize_batch_documents_sum"), "2");
  EXPECT_EQ(metric(c, "summarize_documents_total"), "2");
  EXPECT_EQ(metric(c, "summarize_queue_documents"), "0");
  EXPECT_EQ(metric(c, "summarize_in_flight_requests"), "0");
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderr_text();
}

TEST(Serve, EachBadRequestIsAJsonErrorAndTheServerKeepsServing) {
  ServeProcess server(SUMMARIZE_BINARY,
                      {"--model", model_dir, "--max-documents", "3", "--max-document-bytes", "1000",
                       "--max-body-bytes", "4000"},
                      stderr_file("bad_requests"));
  auto c = client(server);
  const std::string doc = test_documents(1).front();
  const struct {
    std::string body;
    int status;
    std::string says;
  } cases[] = {
      {"{\"documents\": [", 400, "malformed JSON"},
      {R"({"documents": [1]})", 400, "documents[0] is not a string"},
      {R"({"documents": []})", 400, "\"documents\" is empty"},
      {"{\"documents\": [\"caf\xc3\"]}", 400, "malformed JSON"},  // invalid UTF-8
      {R"({"documents": [" \t "]})", 400, "documents[0]: the document has no words"},
      {R"({"documents": ["a b"], "beam": -1})", 400, "\"beam\": "},
      {R"({"documents": ["a b"], "n_best": 4, "beam": 2})", 400, "n_best = 4, expected 1..beam (2)"},
      {R"({"documents": ["a b"], "min_length": 40})", 400, "min_length 40 is above the longest summary allowed"},
      {R"({"documents": ["a b"], "coverage_penalty": "big"})", 400, "\"coverage_penalty\": "},
      {R"({"documents": ["a", "b", "c", "d"]})", 413, "4 documents, more than this server's limit of 3"},
      {"{\"documents\": [\"" + std::string(1001, 'a') + "\"]}", 413, "documents[0] has 1001 bytes"},
      {"{\"documents\": [\"" + std::string(5000, 'a') + "\"]}", 413, "the body is larger than this server's limit of 4000"},
  };
  for (const auto& k : cases) {
    const auto r = c.Post("/v1/summarize", k.body, "application/json");
    ASSERT_TRUE(r) << k.body.substr(0, 60) << ": " << httplib::to_string(r.error());
    EXPECT_EQ(r->status, k.status) << k.body.substr(0, 60) << ": " << r->body;
    const json e = json::parse(r->body);  // every error is JSON
    EXPECT_EQ(e["error"]["code"], k.status);
    EXPECT_NE(e["error"]["message"].get<std::string>().find(k.says), std::string::npos)
        << k.body.substr(0, 60) << ": " << r->body;
  }
  const auto missing = c.Get("/v2/summarize");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(json::parse(missing->body)["error"]["message"].get<std::string>().find("no such endpoint"),
            std::string::npos);
  // still serving
  const auto ok = post(c, {{"documents", {doc}}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(metric(c, "summarize_request_errors_total{path=\"/v1/summarize\",code=\"400\"}"), "9");
  EXPECT_EQ(metric(c, "summarize_request_errors_total{path=\"/v1/summarize\",code=\"413\"}"), "3");
  EXPECT_EQ(metric(c, "summarize_request_errors_total{path=\"other\",code=\"404\"}"), "1");
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderr_text();
}

TEST(Serve, SixteenConcurrentClientsGetTheCommandLinesSummaries) {
  const auto docs = test_documents(32);
  ASSERT_EQ(docs.size(), 32u);
  // <unk> replaced by the attended source word: the summaries differ, so a
  // summary given to the wrong request cannot pass
  const auto expected = cli_summaries(docs, "--beam 3 --block-ngram 2 --unknown replace");
  ASSERT_EQ(expected.size(), docs.size());
  ASSERT_GE(std::set<std::string>(expected.begin(), expected.end()).size(), 28u);
  // a batch waits (up to 20 ms) for 4 documents: two requests at least
  ServeProcess server(SUMMARIZE_BINARY,
                      {"--model", model_dir, "--max-batch", "16", "--min-batch", "4", "--max-wait-ms", "20"},
                      stderr_file("concurrent"));
  constexpr int clients = 16, requests = 4;  // each request: 2 documents
  std::mutex m;
  std::vector<std::pair<std::size_t, std::string>> got;  // (document, summary) of every answer
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int k = 0; k < clients; ++k)
    threads.emplace_back([&, k] {
      auto c = client(server);
      for (int r = 0; r < requests; ++r) {
        const std::size_t first = static_cast<std::size_t>((k * requests + r) * 2) % docs.size();
        const auto res = post(c, {{"documents", {docs[first], docs[first + 1]}}, {"beam", 3}, {"block_ngram", 2}, {"unknown", "replace"}});
        if (!res || res->status != 200) {
          std::lock_guard<std::mutex> lock(m);
          failures.push_back(res ? std::to_string(res->status) + " " + res->body : httplib::to_string(res.error()));
          continue;
        }
        const json j = json::parse(res->body);
        std::lock_guard<std::mutex> lock(m);
        got.emplace_back(first, j["summaries"][0]["text"]);
        got.emplace_back(first + 1, j["summaries"][1]["text"]);
      }
    });
  for (auto& t : threads) t.join();
  for (const auto& f : failures) ADD_FAILURE() << f;
  ASSERT_EQ(got.size(), static_cast<std::size_t>(clients * requests * 2));
  for (const auto& [i, text] : got) EXPECT_EQ(text, expected[i]) << "document " << i;
  // the requests were batched: fewer batches than requests
  auto c = client(server);
  const double batches = std::stod(metric(c, "summarize_batch_requests_count"));
  EXPECT_EQ(metric(c, "summarize_batch_requests_sum"), std::to_string(clients * requests));
  EXPECT_LT(batches, clients * requests);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderr_text();
}

TEST(Serve, AFullQueueIs503WithRetryAfter) {
  // a request of 4 documents fills the queue and waits there for 3 s (for 8)
  ServeProcess server(SUMMARIZE_BINARY,
                      {"--model", model_dir, "--max-queue", "4", "--max-documents", "4", "--min-batch", "8",
                       "--max-wait-ms", "3000"},
                      stderr_file("queue_full"));
  const auto docs = test_documents(5);
  int first_status = 0;
  std::string first_body;
  std::thread waiting([&] {
    auto c = client(server);
    const auto r = post(c, {{"documents", {docs[0], docs[1], docs[2], docs[3]}}});
    if (r) {
      first_status = r->status;
      first_body = r->body;
    }
  });
  auto c = client(server);
  for (int i = 0; i < 200 && metric(c, "summarize_queue_documents") != "4"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(metric(c, "summarize_queue_documents"), "4");
  const auto refused = post(c, {{"documents", {docs[4]}}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  EXPECT_NE(json::parse(refused->body)["error"]["message"].get<std::string>().find("the queue is full"),
            std::string::npos);
  waiting.join();
  ASSERT_EQ(first_status, 200) << first_body;
  EXPECT_EQ(json::parse(first_body)["summaries"].size(), 4u);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderr_text();
}

TEST(Serve, SigtermAnswersTheRequestsInFlightThenExits) {
  // 8 requests wait in the queue (for 64 documents, 2 s at most) when SIGTERM comes
  ServeProcess server(SUMMARIZE_BINARY,
                      {"--model", model_dir, "--max-batch", "64", "--min-batch", "64", "--max-wait-ms", "2000"},
                      stderr_file("sigterm_in_flight"));
  const auto docs = test_documents(8);
  std::vector<std::pair<int, std::string>> results(8);  // status (0: no answer) and body
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < 8; ++k)
    threads.emplace_back([&, k] {
      auto c = client(server);
      const auto r = post(c, {{"documents", {docs[k]}}});
      results[k] = r ? std::make_pair(r->status, r->body) : std::make_pair(0, httplib::to_string(r.error()));
    });
  auto c = client(server);
  for (int i = 0; i < 200 && metric(c, "summarize_in_flight_requests") != "8"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(metric(c, "summarize_in_flight_requests"), "8");
  server.signal(SIGTERM);
  for (auto& t : threads) t.join();
  for (const auto& [status, body] : results) {
    ASSERT_EQ(status, 200) << body;
    EXPECT_EQ(json::parse(body)["summaries"].size(), 1u);
  }
  EXPECT_EQ(server.wait(), 0) << server.stderr_text();
  EXPECT_NE(server.stderr_text().find("SIGTERM: every accepted request answered; stopped"), std::string::npos)
      << server.stderr_text();
  // gone: a new connection is refused
  auto after = client(server);
  after.set_connection_timeout(std::chrono::seconds(2));
  EXPECT_FALSE(after.Get("/health"));
}

TEST(Serve, SigtermUnderLoadLosesAndCutsNoRequest) {
  ServeProcess server(SUMMARIZE_BINARY, {"--model", model_dir, "--max-wait-ms", "10"}, stderr_file("sigterm_load"));
  const auto docs = test_documents(8);
  constexpr int clients = 8;
  std::mutex m;
  std::map<std::string, int> outcomes;  // answered, refused (503: stopping), no connection, and anything else
  std::atomic<int> answered{0}, running{clients};
  std::vector<std::thread> threads;
  for (int k = 0; k < clients; ++k)
    threads.emplace_back([&, k] {
      struct Done {
        std::atomic<int>& n;
        ~Done() { --n; }
      } done{running};
      auto c = client(server);
      c.set_connection_timeout(std::chrono::seconds(5));
      // until the server refuses or is gone; each request a new connection
      for (int r = 0; r < 10000; ++r) {
        const auto& d = docs[static_cast<std::size_t>(k + r) % docs.size()];
        const auto res = post(c, {{"documents", {d}}});
        std::string outcome;
        if (!res)
          outcome = res.error() == httplib::Error::Connection ? "no connection" : "lost: " + httplib::to_string(res.error());
        else if (res->status == 200 && json::parse(res->body)["summaries"].size() == 1)
          outcome = "answered";
        else if (res->status == 503 && res->body.find("the server is stopping") != std::string::npos)
          outcome = "refused";
        else
          outcome = "cut or wrong: " + std::to_string(res->status) + " " + res->body.substr(0, 80);
        if (outcome == "answered") ++answered;
        std::lock_guard<std::mutex> lock(m);
        ++outcomes[outcome];
        if (outcome != "answered") return;
      }
    });
  // under load: 40 answers first (every client is sending)
  while (answered < 40 && running == clients) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(running, clients) << "a client stopped before SIGTERM";
  server.signal(SIGTERM);
  for (auto& t : threads) t.join();
  EXPECT_EQ(server.wait(), 0) << server.stderr_text();
  std::string seen;
  for (const auto& [k, n] : outcomes) seen += k + ": " + std::to_string(n) + "; ";
  for (const auto& [k, n] : outcomes)
    EXPECT_TRUE(k == "answered" || k == "refused" || k == "no connection") << seen;
  EXPECT_GE(outcomes["answered"], 40) << seen;
}

TEST(Serve, APortInUseIsAOneLineError) {
  ServeProcess first(SUMMARIZE_BINARY, {"--model", model_dir}, stderr_file("port_first"));
  const std::string err = work_dir + "/port_second.stderr";
  const std::string cmd = std::string(SUMMARIZE_BINARY) + " serve --model " + model_dir + " --port " +
                          std::to_string(first.port()) + " 2> " + err;
  const int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1);
  std::ifstream in(err);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "summarize: cannot listen on 127.0.0.1:" + std::to_string(first.port()) +
                      ": Address already in use\n");
  first.signal(SIGINT);
  EXPECT_EQ(first.wait(), 0) << first.stderr_text();
}

}  // namespace
