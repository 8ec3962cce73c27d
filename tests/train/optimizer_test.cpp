#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <genattn/train/optimizer.hpp>

#include "support/fixture.hpp"
#include "support/gradcheck.hpp"
#include "support/scalars.hpp"

using namespace genattn;
using namespace genattn_test;

GENATTN_SCALAR_TEST_SUITE(OptimizerTyped);

// Five steps of each optimizer equal torch.optim's, to 1e-12 (double) and
// 1e-5 (float) relative.
TYPED_TEST(OptimizerTyped, MatchesTorchOptim) {
  using T = TypeParam;
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
  const Fixture f("train/optimizer_torch.txt");
  const Mat<double> w0 = f.mat("w0");
  const std::pair<const char*, OptimizerConfig> cases[] = {
      {"sgd", OptimizerConfig{OptimizerKind::sgd, 0.9, 0.1, 0.9, 0.999, 1e-8, 0.0}},
      {"adagrad", OptimizerConfig{OptimizerKind::adagrad, 0.0, 0.1, 0.9, 0.999, 1e-8, 0.0}},
      {"adam", OptimizerConfig{OptimizerKind::adam, 0.0, 0.1, 0.9, 0.999, 1e-8, 0.01}},
      {"adamw", OptimizerConfig{OptimizerKind::adamw, 0.0, 0.1, 0.9, 0.999, 1e-8, 0.01}},
  };
  for (const auto& [name, config] : cases) {
    ParamLayout layout;
    const Param w = layout.add("w", w0.rows(), 1);
    ParamBuffer<T> values(layout), grads(layout);
    values[w] = w0.cast<T>();
    Optimizer<T> opt(layout, config);
    for (int k = 0; k < 5; ++k) {
      grads[w] = f.mat<T>("g" + std::to_string(k));
      opt.step(values, grads, 0.1);
      EXPECT_LE(relative_difference(values[w], f.mat(std::string(name) + ".w" + std::to_string(k + 1))), tol)
          << name << " step " << k + 1;
    }
    EXPECT_EQ(opt.step_count(), 5);
    // padding between slots never moves
    EXPECT_EQ(values.flat().tail(values.size() - w0.rows()).squaredNorm(), T(0));
  }
}

TEST(Optimizer, RejectsBuffersOfAnotherLayout) {
  ParamLayout a, b;
  a.add("w", 3, 1);
  b.add("w", 40, 1);
  Optimizer<float> opt(a, {});
  ParamBuffer<float> va(a), gb(b);
  EXPECT_THROW(opt.step(va, gb, 0.1), std::invalid_argument);
}

// apply() over ranges, as the trainer's threads call it, with clipping's
// scale s: the same update as step() on s g, bit for bit; it zeroes the
// gradient it read and reports whether every value stayed finite.
TYPED_TEST(OptimizerTyped, ApplyInRangesWithAScaleEqualsStepOnTheScaledGradient) {
  using T = TypeParam;
  for (const OptimizerKind kind : {OptimizerKind::sgd, OptimizerKind::adagrad, OptimizerKind::adam, OptimizerKind::adamw}) {
    SCOPED_TRACE(to_string(kind));
    ParamLayout layout;
    const Param w = layout.add("w", 5000, 1);
    ParamBuffer<T> a(layout), b(layout), ga(layout), gb(layout);
    a[w].setRandom();
    b.flat() = a.flat();
    OptimizerConfig config;
    config.kind = kind;
    config.momentum = 0.9;
    config.weight_decay = 0.01;
    Optimizer<T> by_ranges(layout, config), whole(layout, config);
    const T s = T(0.375);
    for (int k = 0; k < 3; ++k) {
      ga[w].setRandom();
      gb.flat() = s * ga.flat();
      by_ranges.start_step(a, ga);
      EXPECT_TRUE(by_ranges.apply(a, ga, 0.01, static_cast<double>(s), 0, 3000, true));
      EXPECT_TRUE(by_ranges.apply(a, ga, 0.01, static_cast<double>(s), 3000, a.size(), true));
      whole.step(b, gb, 0.01);
      EXPECT_EQ(a.flat(), b.flat()) << "step " << k + 1;
      EXPECT_EQ(ga.flat().cwiseAbs().maxCoeff(), T(0)) << "the gradient is zeroed as it is read";
    }
    ga[w](1234, 0) = std::numeric_limits<T>::infinity();
    by_ranges.start_step(a, ga);
    EXPECT_TRUE(by_ranges.apply(a, ga, 0.01, 1.0, 0, 1000, false));
    EXPECT_FALSE(by_ranges.apply(a, ga, 0.01, 1.0, 1000, a.size(), false));
  }
}

// Adagrad's and Adam's updates are IEEE arithmetic in a fixed order with
// correctly rounded square roots, so they give the same bits on every
// processor: they equal this scalar loop of the same operations bit for bit.
// (Eigen's own x.sqrt() refines the processor's reciprocal-root estimate,
// which Intel and AMD processors round differently; with it this fails.)
TYPED_TEST(OptimizerTyped, UpdateIsExactIeeeArithmetic) {
  using T = TypeParam;
  for (const OptimizerKind kind : {OptimizerKind::adagrad, OptimizerKind::adam}) {
    SCOPED_TRACE(to_string(kind));
    ParamLayout layout;
    const Param w = layout.add("w", 4099, 1);
    ParamBuffer<T> values(layout), grads(layout);
    values[w].setRandom();
    OptimizerConfig config;
    config.kind = kind;
    Optimizer<T> opt(layout, config);
    std::vector<T> rw(values.flat().data(), values.flat().data() + values.size());
    std::vector<T> r1(rw.size(), kind == OptimizerKind::adagrad ? T(config.initial_accumulator) : T(0)), r2(rw.size(), T(0));
    const double lr = 0.01;
    for (int k = 1; k <= 4; ++k) {
      grads[w].setRandom();
      grads[w] *= T(1e-3);  // small gradients: the roots of small moments carry the rounding
      std::vector<T> g(grads.flat().data(), grads.flat().data() + grads.size());
      opt.step(values, grads, lr);
      const T a = static_cast<T>(lr), b1 = T(0.9), b2 = T(0.999), eps = T(1e-8);
      const double c1 = 1.0 - std::pow(0.9, k), c2 = 1.0 - std::pow(0.999, k);
      const T step = static_cast<T>(lr / c1), sqrt_c2 = static_cast<T>(std::sqrt(c2));
      for (std::size_t i = 0; i < rw.size(); ++i) {
        if (kind == OptimizerKind::adagrad) {
          r1[i] = r1[i] + g[i] * g[i];
          rw[i] = rw[i] - a * g[i] / (std::sqrt(r1[i]) + T(1e-10));
        } else {
          r1[i] = b1 * r1[i] + (T(1) - b1) * g[i];
          r2[i] = b2 * r2[i] + (T(1) - b2) * (g[i] * g[i]);
          rw[i] = rw[i] - step * (r1[i] / (std::sqrt(r2[i]) / sqrt_c2 + eps));
        }
      }
      long differ = 0;
      for (std::size_t i = 0; i < rw.size(); ++i) differ += values.flat()[static_cast<Index>(i)] != rw[i];
      EXPECT_EQ(differ, 0) << "step " << k << ": of " << rw.size() << " values";
    }
  }
}
