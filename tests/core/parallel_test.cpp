#include <gtest/gtest.h>

#include <stdexcept>
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
