#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <genattn/core/parallel.hpp>

#if defined(__unix__)
#include <sys/wait.h>
#include <unistd.h>
#endif

using namespace genattn;

// The ranges cover [0, n) once, in order, on 16-aligned boundaries.
TEST(ParallelRanges, CoverEveryIndexOnce) {
  for (const Index n : {Index{0}, Index{100}, Index{4096}, Index{100003}})
    for (const int parts : {1, 2, 3, 7}) {
      std::vector<int> hits(static_cast<std::size_t>(n), 0);
      std::vector<Index> begins(static_cast<std::size_t>(parts), -1);
      parallel_ranges(n, parts, [&](Index b, Index e, Index k) {
        begins[static_cast<std::size_t>(k)] = b;
        for (Index i = b; i < e; ++i) ++hits[static_cast<std::size_t>(i)];
      });
      for (Index i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<std::size_t>(i)], 1) << n << " " << parts << " " << i;
      for (Index b : begins) {
        if (b >= 0) {
          EXPECT_EQ(b % 16, 0);
        }
      }
    }
}

TEST(ParallelRanges, RethrowsAfterEveryRangeEnds) {
  EXPECT_THROW(parallel_ranges(10000, 2,
                               [](Index b, Index, Index) {
                                 if (b > 0) throw std::runtime_error("second range");
                               }),
               std::runtime_error);
}

TEST(ParallelFor, RunsEveryPartOnce) {
  for (const Index parts : {Index{0}, Index{1}, Index{2}, Index{5}, Index{64}}) {
    std::vector<int> hits(static_cast<std::size_t>(parts), 0);
    std::vector<std::thread::id> ids(static_cast<std::size_t>(parts));
    parallel_for(parts, [&](Index k) {
      ++hits[static_cast<std::size_t>(k)];
      ids[static_cast<std::size_t>(k)] = std::this_thread::get_id();
    });
    for (int h : hits) EXPECT_EQ(h, 1);
    if (parts > 0) {
      EXPECT_EQ(ids[0], std::this_thread::get_id());  // the caller runs part 0
    }
  }
}

// With the pool idle, the parts run at once: each part waits until every
// part has started, which only threads of their own can do.
TEST(ParallelFor, PartsRunAtOnceOnThreadsOfTheirOwn) {
  for (const Index parts : {Index{2}, Index{3}}) {
    std::mutex m;
    std::condition_variable cv;
    Index started = 0;
    std::vector<char> all_started(static_cast<std::size_t>(parts), 0);
    std::vector<std::thread::id> ids(static_cast<std::size_t>(parts));
    parallel_for(parts, [&](Index k) {
      ids[static_cast<std::size_t>(k)] = std::this_thread::get_id();
      std::unique_lock<std::mutex> lock(m);
      ++started;
      cv.notify_all();
      all_started[static_cast<std::size_t>(k)] =
          cv.wait_for(lock, std::chrono::seconds(30), [&] { return started == parts; });
    });
    for (Index k = 0; k < parts; ++k) EXPECT_TRUE(all_started[static_cast<std::size_t>(k)]) << "part " << k;
    for (std::size_t i = 0; i < ids.size(); ++i)
      for (std::size_t j = 0; j < i; ++j) EXPECT_NE(ids[i], ids[j]) << "parts " << j << " and " << i;
  }
}

// The pool keeps its threads: calls after the first start none.
TEST(ParallelFor, ReusesItsThreads) {
  parallel_for(3, [](Index) {});
  const std::size_t workers = detail::ThreadPool::instance().workers();
  EXPECT_GE(workers, std::size_t{2});
  std::set<std::thread::id> seen;
  std::mutex m;
  for (int call = 0; call < 200; ++call)
    parallel_for(3, [&](Index) {
      std::lock_guard<std::mutex> lock(m);
      seen.insert(std::this_thread::get_id());
    });
  EXPECT_EQ(detail::ThreadPool::instance().workers(), workers);
  EXPECT_LE(seen.size(), workers + 1);  // the pool's threads and the caller's, no others
}

// A parallel_for inside a part ends even while every worker is busy: its
// caller runs the parts no worker takes.
TEST(ParallelFor, NestedCallsEnd) {
  std::atomic<int> inner{0};
  parallel_for(4, [&](Index) { parallel_for(4, [&](Index) { parallel_for(3, [&](Index) { ++inner; }); }); });
  EXPECT_EQ(inner.load(), 4 * 4 * 3);
}

#if defined(__unix__)
// A child of fork() has none of the pool's workers: its calls run every part
// on the calling thread, and it exits normally (static destructors and all)
// without waiting for threads it lacks.
TEST(ParallelFor, WorksInAForkedChildAndLetsItExit) {
  // Every worker the pool has (earlier tests started some) is running, each
  // a part of its own, at once: none is still starting. A thread still
  // starting may hold a sanitizer's internal lock (clang 14's ASan has no
  // fork handler for its allocator), which the fork would leave locked in the
  // child for good: the child then hung in LeakSanitizer's check at exit
  // (seen in CI, and in one run of two at -O0, where a thread starts slower,
  // when this waited for 3 parts only).
  const auto parts = static_cast<Index>(std::max<std::size_t>(detail::ThreadPool::instance().workers(), 2)) + 1;
  std::atomic<Index> arrived{0};
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  parallel_for(parts, [&](Index) {
    ++arrived;
    while (arrived.load() < parts && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  });
  ASSERT_EQ(arrived.load(), parts);
  ASSERT_EQ(detail::ThreadPool::instance().workers(), static_cast<std::size_t>(parts - 1));
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(30);  // a hang ends as SIGALRM, not as a stuck test
    // the calling thread runs every part (ThreadSanitizer would refuse a
    // thread started after a fork)
    std::vector<int> hits(static_cast<std::size_t>(parts), 0);
    parallel_for(parts, [&](Index k) { ++hits[static_cast<std::size_t>(k)]; });
    std::exit(hits == std::vector<int>(static_cast<std::size_t>(parts), 1) ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}
#endif

// Calls from many threads of the user's at once share the pool.
TEST(ParallelFor, CallsFromManyThreads) {
  std::atomic<long> sum{0};
  std::vector<std::thread> users;
  for (int u = 0; u < 4; ++u)
    users.emplace_back([&] {
      for (int call = 0; call < 100; ++call) parallel_for(3, [&](Index k) { sum += k + 1; });
    });
  for (auto& t : users) t.join();
  EXPECT_EQ(sum.load(), 4L * 100 * 6);
}

TEST(ParallelFor, RethrowsAfterEveryPartEnds) {
  std::vector<int> done(3, 0);
  EXPECT_THROW(parallel_for(3,
                            [&](Index k) {
                              done[static_cast<std::size_t>(k)] = 1;
                              if (k == 2) throw std::runtime_error("third part");
                            }),
               std::runtime_error);
  EXPECT_EQ(done, (std::vector<int>{1, 1, 1}));
}

// When several parts throw, the lowest part's exception is the one rethrown,
// whichever thread ran it and whenever it ended.
TEST(ParallelFor, RethrowsTheLowestPartsException) {
  for (int call = 0; call < 50; ++call) {
    try {
      parallel_for(4, [](Index k) {
        if (k >= 1) throw std::runtime_error("part " + std::to_string(k));
      });
      FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "part 1");
    }
  }
}
