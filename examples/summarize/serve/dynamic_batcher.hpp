// examples/summarize/serve/dynamic_batcher.hpp: requests that arrive close
// together decoded as one batch.
//
// A request's documents wait in a queue. One decoding thread takes the
// oldest request and the later ones with the same options (the same request
// key), up to max_batch documents, and decodes their documents with one
// TextModel::summarize call; each request then gets its own summaries.
// Requests with other options wait for a later batch, in order. A request
// with more than max_batch documents is decoded alone; max_batch 1
// therefore turns batching off (each request is its own batch).
//
// When does a batch leave? At once when max_batch documents are queued.
// Otherwise it waits while requests are arriving (announced: the server has
// read them and is checking them) and it has fewer than min_batch
// documents... precisely, it leaves at the first of:
//   - max_batch documents queued;
//   - min_batch documents queued and no request arriving;
//   - max_wait after the oldest request was queued.
// With min_batch 1 (the default) a lone request never waits, and under load
// the requests that queue while a batch decodes form the next one; a larger
// min_batch trades latency for fuller batches.
//
// The queue holds at most max_queue documents: submit() refuses a request
// that does not fit (the server answers 503), so a burst cannot grow memory
// without bound.
//
// Why it pays: the decoder's products over a batch of B documents read each
// weight once for B columns; one document at a time reads them B times.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../summarizer.hpp"

namespace summarize::serve {

struct BatchingOptions {
  std::size_t max_batch = 32;                ///< documents decoded together, at most
  std::size_t min_batch = 1;                 ///< documents a batch waits for (up to max_wait)
  std::chrono::microseconds max_wait{5000};  ///< how long the oldest request waits for others
  std::size_t max_queue = 1024;              ///< documents waiting, at most
};

class DynamicBatcher {
 public:
  using Clock = std::chrono::steady_clock;
  /// Called after each batch with its documents and requests.
  using BatchObserver = std::function<void(std::size_t documents, std::size_t requests)>;

  /// `model` (one model or an ensemble) and `packed` (its weights,
  /// TextEnsemble::pack) must outlive the batcher.
  DynamicBatcher(const Ensemble& model, const Ensemble::Packs& packed, BatchingOptions options,
                 int threads, BatchObserver observer = {})
      : model_(model), packed_(packed), options_(options), threads_(threads), observer_(std::move(observer)) {
    worker_ = std::thread([this] { run(); });
  }
  DynamicBatcher(const DynamicBatcher&) = delete;
  DynamicBatcher& operator=(const DynamicBatcher&) = delete;
  ~DynamicBatcher() { close(); }

  using Result = std::future<std::vector<Summaries>>;

  /// A request on its way to the queue: while it lives and has not been
  /// submitted, a batch waits for it (up to max_wait).
  class Arrival {
   public:
    explicit Arrival(DynamicBatcher& b) : b_(b) {
      std::lock_guard<std::mutex> lock(b_.mutex_);
      ++b_.arriving_;
    }
    Arrival(const Arrival&) = delete;
    Arrival& operator=(const Arrival&) = delete;
    /// submit() for this request.
    std::optional<Result> submit(std::vector<std::string> documents, const DecodeOptions& decode, std::string key) {
      done_ = true;
      return b_.submit(std::move(documents), decode, std::move(key), true);
    }
    ~Arrival() {
      if (done_) return;
      {
        std::lock_guard<std::mutex> lock(b_.mutex_);
        --b_.arriving_;
      }
      b_.wake_.notify_one();
    }

   private:
    DynamicBatcher& b_;
    bool done_ = false;
  };

  /// Queues a request's documents, decoded with `decode` (`key`: equal keys
  /// mean equal options). The future gives their summaries, in order, or the
  /// decoding's exception. Nothing (no future) when the queue has no room.
  std::optional<Result> submit(std::vector<std::string> documents, const DecodeOptions& decode, std::string key,
                               bool announced = false) {
    auto job = std::make_unique<Job>();
    job->documents = std::move(documents);
    job->decode = decode;
    job->key = std::move(key);
    job->arrived = Clock::now();
    auto future = job->result.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (announced) --arriving_;
      if (closing_ || queued_documents_ + job->documents.size() > options_.max_queue) {
        if (announced) wake_.notify_one();  // one fewer arriving
        return std::nullopt;
      }
      queued_documents_ += job->documents.size();
      queue_.push_back(std::move(job));
    }
    wake_.notify_one();
    return future;
  }

  /// Documents and requests waiting now.
  std::pair<std::size_t, std::size_t> queued() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {queued_documents_, queue_.size()};
  }

  /// Decodes what is queued, then stops the decoding thread. submit()
  /// refuses new requests from here on.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (closing_ && !worker_.joinable()) return;
      closing_ = true;
    }
    wake_.notify_one();
    if (worker_.joinable()) worker_.join();
  }

 private:
  struct Job {
    std::vector<std::string> documents;
    DecodeOptions decode;
    std::string key;
    Clock::time_point arrived;
    std::promise<std::vector<Summaries>> result;
  };

  /// Documents queued with the oldest request's key (lock held).
  std::size_t ready_documents() const {
    std::size_t n = 0;
    for (const auto& j : queue_)
      if (j->key == queue_.front()->key) n += j->documents.size();
    return n;
  }

  /// The next batch: the oldest request and the later ones with its key, up
  /// to max_batch documents (lock held).
  std::vector<std::unique_ptr<Job>> take_batch() {
    std::vector<std::unique_ptr<Job>> batch;
    std::size_t documents = 0;
    const std::string key = queue_.front()->key;
    for (auto it = queue_.begin(); it != queue_.end();) {
      const std::size_t n = (*it)->documents.size();
      if ((*it)->key != key || (!batch.empty() && documents + n > options_.max_batch)) {
        ++it;
        continue;
      }
      documents += n;
      batch.push_back(std::move(*it));
      it = queue_.erase(it);
      if (documents >= options_.max_batch) break;
    }
    queued_documents_ -= documents;
    return batch;
  }

  void run() {
    for (;;) {
      std::vector<std::unique_ptr<Job>> batch;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closing, and nothing left
        const Clock::time_point deadline = queue_.front()->arrived + options_.max_wait;
        // wait for more requests: see the file comment
        wake_.wait_until(lock, deadline, [&] {
          const std::size_t ready = ready_documents();
          return closing_ || ready >= options_.max_batch || (ready >= options_.min_batch && arriving_ == 0);
        });
        batch = take_batch();
      }
      decode(batch);
    }
  }

  void decode(std::vector<std::unique_ptr<Job>>& batch) {
    std::vector<std::string> documents;
    for (const auto& j : batch) documents.insert(documents.end(), j->documents.begin(), j->documents.end());
    DecodeOptions options = batch.front()->decode;
    options.threads = threads_;
    options.batch_size = static_cast<genattn::Index>(options_.max_batch);
    std::vector<Summaries> out;
    try {
      out = model_.summarize(documents, options, nullptr, {}, &packed_);
    } catch (...) {
      if (observer_) observer_(documents.size(), batch.size());
      for (auto& j : batch) j->result.set_exception(std::current_exception());
      return;
    }
    if (observer_) observer_(documents.size(), batch.size());
    std::size_t at = 0;
    for (auto& j : batch) {
      const auto first = out.begin() + static_cast<long>(at);
      at += j->documents.size();
      j->result.set_value(std::vector<Summaries>(std::make_move_iterator(first),
                                                 std::make_move_iterator(out.begin() + static_cast<long>(at))));
    }
  }

  const Ensemble& model_;
  const Ensemble::Packs& packed_;
  const BatchingOptions options_;
  const int threads_;
  const BatchObserver observer_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Job>> queue_;
  std::size_t queued_documents_ = 0;
  int arriving_ = 0;  // Arrivals not yet submitted
  bool closing_ = false;
  std::thread worker_;  // last: it starts once the members above exist
};

}  // namespace summarize::serve
