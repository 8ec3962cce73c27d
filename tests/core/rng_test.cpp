#include <gtest/gtest.h>

#include <cmath>
#include <genattn/core/rng.hpp>

using namespace genattn;

TEST(Rng, SameSeedSameStream) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    differs |= x != c.next_u64();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, KnownFirstValueIsStableAcrossPlatforms) {
  // splitmix64-seeded xoshiro256**: a fixed function of the seed. Pin it so a
  // change of generator (and so of every initialized model) is noticed. The
  // value comes from an independent Python transcription of the reference
  // splitmix64 and xoshiro256** code, not from this implementation.
  Rng a(0);
  const std::uint64_t first = a.next_u64();
  Rng b(0);
  EXPECT_EQ(first, b.next_u64());
  EXPECT_EQ(first, 0x99EC5F36CB75F2B4ull);
}

TEST(Rng, UniformAndNormalHaveTheRightMoments) {
  Rng r(7);
  const int n = 200000;
  double su = 0, su2 = 0, sn = 0, sn2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    su += u;
    su2 += u * u;
    const double z = r.normal();
    sn += z;
    sn2 += z * z;
  }
  EXPECT_NEAR(su / n, 0.5, 0.005);
  EXPECT_NEAR(su2 / n - (su / n) * (su / n), 1.0 / 12.0, 0.002);
  EXPECT_NEAR(sn / n, 0.0, 0.01);
  EXPECT_NEAR(sn2 / n, 1.0, 0.02);
}

TEST(Rng, BelowStaysInRange) {
  Rng r(3);
  int counts[7] = {};
  for (int i = 0; i < 7000; ++i) {
    const auto k = r.below(7);
    ASSERT_LT(k, 7u);
    ++counts[k];
  }
  for (int c : counts) EXPECT_GT(c, 800);
}
