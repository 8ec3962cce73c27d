#include <gtest/gtest.h>

#include <genattn/train/optimizer.hpp>

#include "support/fixture.hpp"
#include "support/gradcheck.hpp"
#include "support/scalars.hpp"

using namespace genattn;
using namespace genattn_test;

template <class T>
class OptimizerTyped : public ::testing::Test {};
TYPED_TEST_SUITE(OptimizerTyped, genattn_test::Scalars, genattn_test::ScalarName);

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
