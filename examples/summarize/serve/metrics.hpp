// examples/summarize/serve/metrics.hpp: the server's counters, in the
// Prometheus text exposition format (version 0.0.4) for GET /metrics.
//
//   summarize_requests_total{path, code}       requests answered (counter)
//   summarize_request_errors_total{path, code} those answered with 4xx or 5xx (counter)
//   summarize_request_duration_seconds          /v1/summarize, from the body read to the answer (histogram)
//   summarize_batch_documents                   documents per decoded batch (histogram)
//   summarize_batch_requests                    requests per decoded batch (histogram)
//   summarize_documents_total                   documents summarized (counter)
//   summarize_queue_documents, _queue_requests  waiting to be decoded now (gauges)
//   summarize_in_flight_requests                /v1/summarize requests being answered now (gauge)
//
// A histogram is cumulative: bucket le="x" counts the observations <= x.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace summarize::serve {

/// Observations into fixed buckets, with their count and sum.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

  void observe(double x) {
    std::size_t i = 0;
    while (i < bounds_.size() && x > bounds_[i]) ++i;
    ++counts_[i];
    ++count_;
    sum_ += x;
  }

  /// The histogram's lines under `name` (with its HELP and TYPE).
  std::string text(const std::string& name, const std::string& help) const {
    std::string out = "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += counts_[i];
      out += name + "_bucket{le=\"" + number(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
    out += name + "_sum " + number(sum_) + "\n" + name + "_count " + std::to_string(count_) + "\n";
    return out;
  }

  static std::string number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", x);
    return buf;
  }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0.0;
};

class Metrics {
 public:
  /// An answered request (any path, any status).
  void answered(const std::string& path, int status) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_[{path, status}];
  }
  /// A /v1/summarize request's time, in seconds.
  void summarize_took(double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    duration_.observe(seconds);
  }
  /// A decoded batch.
  void batch(std::size_t documents, std::size_t requests) {
    std::lock_guard<std::mutex> lock(mutex_);
    batch_documents_.observe(static_cast<double>(documents));
    batch_requests_.observe(static_cast<double>(requests));
    documents_ += documents;
  }
  /// The exposition, with the gauges read now: the queue's length and the
  /// requests in flight (the server keeps those; they are not copied here).
  std::string text(std::size_t queue_documents, std::size_t queue_requests, int in_flight) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out =
        "# HELP summarize_requests_total Requests answered, by path and status code.\n"
        "# TYPE summarize_requests_total counter\n";
    std::string errors =
        "# HELP summarize_request_errors_total Requests answered with a 4xx or 5xx status.\n"
        "# TYPE summarize_request_errors_total counter\n";
    for (const auto& [k, n] : requests_) {
      const std::string labels = "{path=\"" + k.first + "\",code=\"" + std::to_string(k.second) + "\"} ";
      out += "summarize_requests_total" + labels + std::to_string(n) + "\n";
      if (k.second >= 400) errors += "summarize_request_errors_total" + labels + std::to_string(n) + "\n";
    }
    out += errors;
    out += duration_.text("summarize_request_duration_seconds",
                          "Time to answer a /v1/summarize request, from its body read to its answer.");
    out += batch_documents_.text("summarize_batch_documents", "Documents per decoded batch.");
    out += batch_requests_.text("summarize_batch_requests", "Requests per decoded batch.");
    out += "# HELP summarize_documents_total Documents summarized.\n# TYPE summarize_documents_total counter\n"
           "summarize_documents_total " + std::to_string(documents_) + "\n";
    out += "# HELP summarize_queue_documents Documents waiting to be decoded.\n# TYPE summarize_queue_documents gauge\n"
           "summarize_queue_documents " + std::to_string(queue_documents) + "\n";
    out += "# HELP summarize_queue_requests Requests waiting to be decoded.\n# TYPE summarize_queue_requests gauge\n"
           "summarize_queue_requests " + std::to_string(queue_requests) + "\n";
    out += "# HELP summarize_in_flight_requests Summarize requests being answered.\n"
           "# TYPE summarize_in_flight_requests gauge\n"
           "summarize_in_flight_requests " + std::to_string(in_flight) + "\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  Histogram duration_{{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}};
  Histogram batch_documents_{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}};
  Histogram batch_requests_{{1, 2, 4, 8, 16, 32, 64, 128}};
  std::uint64_t documents_ = 0;
};

}  // namespace summarize::serve
