// The server's metrics (examples/summarize/serve/metrics.hpp) in the
// Prometheus text format: cumulative buckets, sums, counts, labels.
#include "../../../examples/summarize/serve/metrics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using summarize::serve::Histogram;
using summarize::serve::Metrics;

bool has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

TEST(ServeMetrics, HistogramBucketsAreCumulative) {
  Histogram h({1, 2, 4});
  for (double x : {0.5, 1.0, 3.0, 3.5, 9.0}) h.observe(x);
  const std::string t = h.text("x", "help");
  EXPECT_TRUE(has(t, "# TYPE x histogram")) << t;
  EXPECT_TRUE(has(t, "x_bucket{le=\"1\"} 2")) << t;  // le is inclusive
  EXPECT_TRUE(has(t, "x_bucket{le=\"2\"} 2")) << t;
  EXPECT_TRUE(has(t, "x_bucket{le=\"4\"} 4")) << t;
  EXPECT_TRUE(has(t, "x_bucket{le=\"+Inf\"} 5")) << t;
  EXPECT_TRUE(has(t, "x_sum 17")) << t;
  EXPECT_TRUE(has(t, "x_count 5")) << t;
}

TEST(ServeMetrics, RequestsErrorsBatchesAndQueue) {
  Metrics m;
  m.answered("/v1/summarize", 200);
  m.answered("/v1/summarize", 200);
  m.answered("/v1/summarize", 413);
  m.batch(6, 3);
  const std::string t = m.text(5, 2, 2);
  EXPECT_TRUE(has(t, "summarize_requests_total{path=\"/v1/summarize\",code=\"200\"} 2")) << t;
  EXPECT_TRUE(has(t, "summarize_requests_total{path=\"/v1/summarize\",code=\"413\"} 1")) << t;
  EXPECT_TRUE(has(t, "summarize_request_errors_total{path=\"/v1/summarize\",code=\"413\"} 1")) << t;
  EXPECT_EQ(t.find("summarize_request_errors_total{path=\"/v1/summarize\",code=\"200\"}"), std::string::npos) << t;
  EXPECT_TRUE(has(t, "summarize_batch_documents_bucket{le=\"4\"} 0")) << t;
  EXPECT_TRUE(has(t, "summarize_batch_documents_bucket{le=\"8\"} 1")) << t;
  EXPECT_TRUE(has(t, "summarize_batch_requests_sum 3")) << t;
  EXPECT_TRUE(has(t, "summarize_documents_total 6")) << t;
  EXPECT_TRUE(has(t, "summarize_queue_documents 5")) << t;
  EXPECT_TRUE(has(t, "summarize_queue_requests 2")) << t;
  EXPECT_TRUE(has(t, "summarize_in_flight_requests 2")) << t;
}

}  // namespace
