#include <gtest/gtest.h>

#include <genattn/train/schedule.hpp>

using namespace genattn;

TEST(Schedule, ConstantAndWarmup) {
  Schedule constant(ScheduleConfig{0.5});
  EXPECT_EQ(constant.rate(1), 0.5);
  EXPECT_EQ(constant.rate(1000), 0.5);
  ScheduleConfig c;
  c.base = 1.0;
  c.warmup_steps = 4;
  Schedule warm(c);
  EXPECT_EQ(warm.rate(1), 0.25);
  EXPECT_EQ(warm.rate(2), 0.5);
  EXPECT_EQ(warm.rate(4), 1.0);
  EXPECT_EQ(warm.rate(9), 1.0);
}

TEST(Schedule, DecaysOnAPlateauAfterPatience) {
  ScheduleConfig c;
  c.base = 1.0;
  c.plateau = true;
  c.factor = 0.5;
  c.patience = 2;
  Schedule s(c);
  EXPECT_FALSE(s.on_validation(3.0));
  EXPECT_FALSE(s.on_validation(2.0));  // improved
  EXPECT_FALSE(s.on_validation(2.5));  // 1 bad
  EXPECT_TRUE(s.on_validation(2.1));   // 2 bad: decay
  EXPECT_EQ(s.rate(1), 0.5);
  EXPECT_FALSE(s.on_validation(1.0));
  EXPECT_EQ(s.best(), 1.0);
  Schedule no_plateau(ScheduleConfig{1.0});
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(no_plateau.on_validation(9.0));
  EXPECT_EQ(no_plateau.rate(1), 1.0);
}

TEST(Schedule, DecaysLinearlyThenHolds) {
  ScheduleConfig c;
  c.base = 1.0;
  c.decay_start = 10;
  c.decay_steps = 4;
  c.decay_final = 0.2;
  Schedule s(c);
  EXPECT_EQ(s.rate(1), 1.0);
  EXPECT_EQ(s.rate(10), 1.0);
  EXPECT_DOUBLE_EQ(s.rate(11), 0.8);
  EXPECT_DOUBLE_EQ(s.rate(12), 0.6);
  EXPECT_DOUBLE_EQ(s.rate(14), 0.2);
  EXPECT_DOUBLE_EQ(s.rate(1000), 0.2);
  c.warmup_steps = 2;  // the factors multiply
  EXPECT_DOUBLE_EQ(Schedule(c).rate(1), 0.5);
  EXPECT_DOUBLE_EQ(Schedule(c).rate(12), 0.6);
}

TEST(Schedule, RejectsBadSettings) {
  EXPECT_THROW(Schedule(ScheduleConfig{0.0}), std::invalid_argument);
  ScheduleConfig c;
  c.factor = 1.5;
  EXPECT_THROW(Schedule{c}, std::invalid_argument);
  ScheduleConfig d;
  d.decay_steps = -1;
  EXPECT_THROW(Schedule{d}, std::invalid_argument);
  d.decay_steps = 10;
  d.decay_final = 1.5;
  EXPECT_THROW(Schedule{d}, std::invalid_argument);
}
