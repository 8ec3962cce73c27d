#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <genattn/train/clip.hpp>

using namespace genattn;

TEST(Clip, ScalesToTheGlobalNormOnlyWhenAbove) {
  ParamLayout layout;
  const Param a = layout.add("a", 2, 1), b = layout.add("b", 1, 1);
  ParamBuffer<double> g(layout);
  g[a] << 3, 0;
  g[b] << 4;
  EXPECT_DOUBLE_EQ(clip_global_norm(g, 10.0), 5.0);
  EXPECT_EQ(g[a](0, 0), 3.0);
  EXPECT_DOUBLE_EQ(clip_global_norm(g, 1.0), 5.0);
  EXPECT_NEAR(g.flat().norm(), 1.0, 1e-15);
  EXPECT_NEAR(g[a](0, 0), 0.6, 1e-15);
  EXPECT_NEAR(g[b](0, 0), 0.8, 1e-15);
  EXPECT_DOUBLE_EQ(clip_global_norm(g, 0.0), 1.0);  // 0: no clipping
}

TEST(Clip, FindsTheFirstNonFiniteParameterByName) {
  ParamLayout layout;
  const Param a = layout.add("encoder.W", 2, 2), b = layout.add("decoder.out.b", 3, 1);
  ParamBuffer<float> g(layout);
  EXPECT_EQ(first_non_finite(layout, g), "");
  g[b](2, 0) = std::numeric_limits<float>::infinity();
  EXPECT_EQ(first_non_finite(layout, g), "decoder.out.b");
  g[a](1, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(first_non_finite(layout, g), "encoder.W");
}

TEST(Clip, NonFiniteReasonNamesTheLossOrTheGradient) {
  ParamLayout layout;
  const Param a = layout.add("decoder.l0.W_h", 2, 2);
  ParamBuffer<double> p(layout), g(layout);
  EXPECT_EQ(non_finite_reason(layout, 1.5, p, &g), "");
  g[a](1, 0) = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(non_finite_reason(layout, 1.5, p, &g), "non-finite gradient in parameter 'decoder.l0.W_h'");
  EXPECT_EQ(non_finite_reason<double>(layout, 1.5, p, nullptr), "");
  EXPECT_EQ(non_finite_reason(layout, std::numeric_limits<double>::infinity(), p, &g), 
            "loss is +Inf (every parameter is finite: an input holds a NaN or Inf, or the forward pass overflowed)");
  p[a](0, 0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(non_finite_reason(layout, std::numeric_limits<double>::quiet_NaN(), p, &g),
            "loss is NaN (parameter 'decoder.l0.W_h' holds a NaN or Inf)");
}

// squared_norm sums float blocks in float and the blocks in double: within
// 1e-6 of the sum taken in double throughout, at any length.
TEST(Clip, SquaredNormOfFloatsIsCloseToTheDoubleSum) {
  for (const Index n : {Index{0}, Index{1}, Index{255}, Index{257}, Index{1000003}}) {
    const Vec<float> x = Vec<float>::Random(n);
    const double exact = x.cast<double>().squaredNorm();
    EXPECT_NEAR(squared_norm(x), exact, 1e-6 * exact) << n;
  }
  Vec<float> x = Vec<float>::Ones(1000);
  x[700] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(std::isfinite(squared_norm(x)));
}
