// exact_sqrt() is the correctly rounded square root, bit for bit, at every
// position of a block (the packet part and the scalar head and tail alike).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include <genattn/core/exact_sqrt.hpp>

#include "support/scalars.hpp"

using namespace genattn;

namespace {

template <class T>
using Bits = std::conditional_t<std::is_same_v<T, float>, std::uint32_t, std::uint64_t>;

template <class T>
Bits<T> bits(T x) {
  Bits<T> b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

template <class T>
T from_bits(Bits<T> b) {
  T x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// Values over the whole range: random bit patterns (positive, so finite,
// subnormal, infinite and NaN ones all occur), and the special cases.
template <class T>
Eigen::Array<T, Eigen::Dynamic, 1> inputs() {
  constexpr int n = 100003;  // not a multiple of any packet size
  Eigen::Array<T, Eigen::Dynamic, 1> x(n);
  std::uint64_t s = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < n; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const auto b = static_cast<Bits<T>>(s >> (64 - 8 * sizeof(T)));
    x[i] = from_bits<T>(b & (std::numeric_limits<Bits<T>>::max() >> 1));  // clear the sign
  }
  using L = std::numeric_limits<T>;
  const T special[] = {T(0), -T(0), T(1), T(2), T(4), L::min(), L::denorm_min(), L::max(), L::epsilon(),
                       L::infinity(), -L::infinity(), L::quiet_NaN(), T(-1), -L::denorm_min(), T(0.5), T(1e-30)};
  for (int i = 0; i < 16; ++i) x[i] = special[i];
  return x;
}

}  // namespace

GENATTN_SCALAR_TEST_SUITE(ExactSqrtTyped);

TYPED_TEST(ExactSqrtTyped, EqualsTheCorrectlyRoundedRootAtEveryOffset) {
  using T = TypeParam;
  const auto x = inputs<T>();
  // offsets 0..16 start the block off a packet's alignment, so every element
  // is computed once by the scalar head or tail and once by a packet
  for (Index offset = 0; offset <= 16; ++offset) {
    const Index n = x.size() - offset;
    Eigen::Array<T, Eigen::Dynamic, 1> y(x.size());
    y.setZero();
    y.segment(offset, n) = exact_sqrt(x.segment(offset, n));
    long wrong = 0;
    for (Index i = offset; i < x.size(); ++i) {
      const T want = std::sqrt(x[i]);
      const bool same = std::isnan(want) ? static_cast<bool>(std::isnan(y[i])) : bits(y[i]) == bits(want);
      if (!same && wrong++ < 3)
        ADD_FAILURE() << "offset " << offset << ": sqrt(" << x[i] << ") gave " << y[i] << ", not " << want;
    }
    EXPECT_EQ(wrong, 0) << "offset " << offset;
  }
}

// Inside a larger expression (as Adam's denominator uses it) the root is
// still the correctly rounded one.
TYPED_TEST(ExactSqrtTyped, ComposesInAnExpression) {
  using T = TypeParam;
  Eigen::Array<T, Eigen::Dynamic, 1> v = Eigen::Array<T, Eigen::Dynamic, 1>::Random(1001).abs();
  const T c = T(0.7), eps = T(1e-8);
  const Eigen::Array<T, Eigen::Dynamic, 1> d = exact_sqrt(v) / c + eps;
  for (Index i = 0; i < v.size(); ++i) ASSERT_EQ(bits(d[i]), bits(T(std::sqrt(v[i]) / c + eps))) << i;
}
