#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include <genattn/core/parallel.hpp>

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

TEST(ParallelRanges, RethrowsAfterJoining) {
  EXPECT_THROW(parallel_ranges(10000, 2,
                               [](Index b, Index, Index) {
                                 if (b > 0) throw std::runtime_error("second range");
                               }),
               std::runtime_error);
}

TEST(ParallelFor, RunsEveryPartOnceOnItsOwnThread) {
  for (const Index parts : {Index{0}, Index{1}, Index{2}, Index{5}}) {
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
    for (std::size_t k = 1; k < ids.size(); ++k) EXPECT_NE(ids[k], std::this_thread::get_id());
  }
}

TEST(ParallelFor, RethrowsAfterJoining) {
  std::vector<int> done(3, 0);
  EXPECT_THROW(parallel_for(3,
                            [&](Index k) {
                              done[static_cast<std::size_t>(k)] = 1;
                              if (k == 2) throw std::runtime_error("third part");
                            }),
               std::runtime_error);
  EXPECT_EQ(done, (std::vector<int>{1, 1, 1}));
}
