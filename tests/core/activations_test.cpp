#include <gtest/gtest.h>

#include "support/scalars.hpp"

#include <cmath>
#include <genattn/core/activations.hpp>

using namespace genattn;

GENATTN_SCALAR_TEST_SUITE(Activations);

TYPED_TEST(Activations, MatchTheScalarDefinitionsOverABlock) {
  using T = TypeParam;
  const double tol = std::is_same_v<T, float> ? 2e-6 : 1e-14;
  Vec<T> x = Vec<T>::LinSpaced(401, T(-20), T(20));
  Vec<T> s = x, t = x;
  sigmoid_inplace(s);
  tanh_inplace(t.segment(100, 201));  // a block: only it changes
  for (Index i = 0; i < x.size(); ++i) {
    const double xi = static_cast<double>(x[i]);
    EXPECT_NEAR(static_cast<double>(s[i]), 1.0 / (1.0 + std::exp(-xi)), tol) << "x = " << xi;
    const double want_t = (i >= 100 && i < 301) ? std::tanh(xi) : xi;
    EXPECT_NEAR(static_cast<double>(t[i]), want_t, tol * std::max(1.0, std::abs(want_t))) << "x = " << xi;
  }
}

TYPED_TEST(Activations, SaturateWithoutNaN) {
  using T = TypeParam;
  // each filled by its own comma initializer: GCC 12 at -O1 warned of a
  // copy of one (maybe-uninitialized, a false positive)
  Vec<T> s(4), t(4);
  s << T(-1e4), T(-90), T(90), T(1e4);
  t << T(-1e4), T(-90), T(90), T(1e4);
  sigmoid_inplace(s);
  tanh_inplace(t);
  EXPECT_TRUE(s.allFinite());
  EXPECT_TRUE(t.allFinite());
  // sigmoid(-1e4) = e^-1e4: float may give a denormal, never a negative or NaN.
  EXPECT_GE(s[0], T(0));
  EXPECT_LT(s[0], T(1e-30));
  EXPECT_EQ(s[3], T(1));
  EXPECT_EQ(t[0], T(-1));
  EXPECT_EQ(t[3], T(1));
}
