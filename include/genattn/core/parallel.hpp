// genattn/core/parallel.hpp: work split among threads, on a pool kept for the
// process.
//
//   parallel_for(parts, f):        f(k) once for each k < parts, at once on
//                                  the caller's thread and the pool's
//   parallel_ranges(n, parts, f):  f(b_k, e_k, k) for k < parts, where the ranges
//   [b_k, e_k) cover [0, n) in order, each a multiple of 16 long but the last
//   (so SIMD loads stay aligned on 64-byte aligned buffers of floats)
//   parallel_panels(P, threads, work, f): f(p0, p1) over a packed product's
//   P panels, split among up to `threads` when its `work` (multiply-adds)
//   pays for them
//
// The caller's thread runs part 0, then any part no worker has taken yet, then
// waits for the parts the workers took; the first exception is rethrown after
// every part has ended. Because the caller takes what is left, a parallel_for
// inside a part (or on a thread of the user's) never waits for a worker that
// is busy: it ends even when every worker is.
//
// The pool starts its workers when a call first needs them (parts - 1 of
// them; never more than 255) and keeps them for the life of the process. A
// worker that ran a part spins for a moment (kSpin checks) before it sleeps,
// so a decoder's many small products (three calls a step) do not each pay for
// a thread's start or wake-up: starting and joining a thread costs about
// 50 us here, a step of one source's decoding 1.7 ms.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <new>
#include <mutex>
#include <thread>
#include <utility>

#include "genattn/core/types.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#endif

GENATTN_NAMESPACE_BEGIN

namespace detail {

/// The process's worker threads, and the parallel_for calls they serve.
class ThreadPool {
 public:
  /// The pool is never destroyed and its workers are detached: they wait
  /// for work until the process ends, so a parallel_for in another static
  /// object's destructor still works. A child of fork() has none of the
  /// parent's workers and starts none: its calls run every part on the
  /// calling thread (fork handlers hold the pool's lock across the fork and
  /// give the child a fresh pool state).
  static ThreadPool& instance() {
    static ThreadPool* const pool = new ThreadPool;
    return *pool;
  }

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// f(k) for k in [0, parts), as the header says.
  void run(Index parts, const std::function<void(Index)>& f) {
    Job job(f, parts);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      grow(parts - 1);
      queue_.push_back(&job);
      queued_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    execute(job, 0);
    for (Index k; (k = claim(job)) >= 0;) execute(job, k);
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [&] { return job.done == job.parts; });
    lock.unlock();
    if (job.error) std::rethrow_exception(job.error);
  }

  /// Threads the pool has started (for tests).
  std::size_t workers() {
    std::lock_guard<std::mutex> lock(mutex_);
    return workers_;
  }

 private:
  // A call's state, on its caller's stack; the fields below `parts` are
  // guarded by mutex_.
  struct Job {
    Job(const std::function<void(Index)>& fn, Index n) : f(&fn), parts(n) {}
    const std::function<void(Index)>* f;
    Index parts;
    Index next = 1;  // the next part to hand out (the caller runs part 0)
    Index done = 0;  // parts ended
    Index error_part = -1;  // the lowest part that threw, and its exception
    std::exception_ptr error;
  };

  static constexpr std::size_t kMaxWorkers = 255;
  static constexpr int kSpin = 4096;

  ThreadPool() {
#if defined(__unix__) || defined(__APPLE__)
    ::pthread_atfork([] { instance().mutex_.lock(); }, [] { instance().mutex_.unlock(); },
                     [] { instance().after_fork_in_child(); });
#endif
  }

  // The forking thread holds mutex_ (the prepare handler took it), so no
  // worker was inside it. The child keeps none of the parent's threads: it
  // forgets their jobs and their waits (the condition variables may list
  // waiters that do not exist here: they are made anew, not destroyed).
  void after_fork_in_child() {
    queue_.clear();
    queued_.store(0, std::memory_order_relaxed);
    workers_ = 0;
    // new objects in the old ones' storage (the old ones' lives end without
    // their destructors, which C++ allows)
    ::new (static_cast<void*>(&wake_)) std::condition_variable;
    ::new (static_cast<void*>(&finished_)) std::condition_variable;
    forked_ = true;
    mutex_.unlock();
  }

  /// Starts workers until there are `want` (mutex_ held). A thread that
  /// cannot start leaves its parts to the caller.
  void grow(Index want) {
    if (forked_) return;
    const auto target = std::min(static_cast<std::size_t>(want), kMaxWorkers);
    while (workers_ < target) {
      try {
        std::thread([this] { work(); }).detach();
      } catch (...) {
        return;
      }
      ++workers_;
    }
  }

  /// The next part of `job` no one has taken, or -1 (mutex_ held); the job
  /// leaves the queue when its last part is taken.
  Index take(Job& job) {
    if (job.next >= job.parts) return -1;
    const Index k = job.next++;
    if (job.next == job.parts) {
      const auto it = std::find(queue_.begin(), queue_.end(), &job);
      if (it != queue_.end()) {
        queue_.erase(it);
        queued_.fetch_sub(1, std::memory_order_release);
      }
    }
    return k;
  }

  Index claim(Job& job) {
    std::lock_guard<std::mutex> lock(mutex_);
    return take(job);
  }

  /// Runs part k of `job` and counts it done (the job may end the moment it is).
  void execute(Job& job, Index k) {
    std::exception_ptr error;
    try {
      (*job.f)(k);
    } catch (...) {
      error = std::current_exception();
    }
    bool last;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (error && (job.error_part < 0 || k < job.error_part)) {
        job.error_part = k;
        job.error = std::move(error);
      }
      // This thread's hold on its exception ends inside the lock, before the
      // part counts done: the caller may rethrow it and free it at once. (An
      // exception_ptr's count is atomic, but in libstdc++'s own code, which
      // ThreadSanitizer does not see: released after the unlock, the free
      // was reported as a race with the caller's reading of what().)
      error = nullptr;
      last = ++job.done == job.parts;
    }
    if (last) finished_.notify_all();
  }

  void work() {
    for (;;) {
      for (int i = 0; i < kSpin && queued_.load(std::memory_order_acquire) == 0; ++i) std::this_thread::yield();
      Job* job = nullptr;
      Index k = -1;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return !queue_.empty(); });
        job = queue_.front();
        k = take(*job);
      }
      execute(*job, k);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  bool forked_ = false;  // a child of fork(): no workers
  std::deque<Job*> queue_;           // jobs with parts not yet taken
  std::atomic<std::size_t> queued_{0};  // queue_.size(), read without the lock by spinning workers
  std::size_t workers_ = 0;  // started, detached
};

}  // namespace detail

/// f(k) for k in [0, parts): the caller's thread runs k = 0, the pool's
/// workers the others (the caller those no worker has taken). The first
/// exception is rethrown after every part has ended.
template <class F>
void parallel_for(Index parts, F&& f) {
  if (parts <= 1) {
    if (parts == 1) f(Index{0});
    return;
  }
  const std::function<void(Index)> g = [&f](Index k) { f(k); };
  detail::ThreadPool::instance().run(parts, g);
}

template <class F>
void parallel_ranges(Index n, int parts, F&& f) {
  if (parts <= 1 || n < 4096) {
    f(Index{0}, n, Index{0});
    return;
  }
  const auto P = static_cast<Index>(parts);
  auto bound = [&](Index k) { return k == P ? n : std::min(n, (n * k / P) / 16 * 16); };
  parallel_for(P, [&](Index k) { f(bound(k), bound(k + 1), k); });
}

/// f(p0, p1) for panel ranges covering [0, panels) in order: one call when
/// `threads` <= 1 or the product is small (`work`, its multiply-adds, under
/// 2^20: a thread's hand-off would cost more than it saves), else one range
/// each for min(threads, panels) threads. The packed products (float, int8
/// and bf16) split their rows this way.
template <class F>
void parallel_panels(Index panels, int threads, Index work, F&& f) {
  const Index parts = std::min<Index>(threads, panels);
  if (parts <= 1 || work < (Index{1} << 20)) {
    f(Index{0}, panels);
    return;
  }
  parallel_for(parts, [&](Index k) { f(panels * k / parts, panels * (k + 1) / parts); });
}

GENATTN_NAMESPACE_END
