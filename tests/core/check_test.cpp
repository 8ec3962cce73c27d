#include <gtest/gtest.h>

#include <genattn/core/check.hpp>

#include "support/errors.hpp"

using namespace genattn;

using genattn_test::invalid_argument_message;

TEST(Check, ShapeMessageNamesFunctionArgumentAndBothShapes) {
  const Mat<float> m(7, 12);
  EXPECT_NO_THROW(check_shape("F", "x", m, 7, 12));
  EXPECT_EQ(invalid_argument_message([&] { check_shape("Lstm::forward", "x", m, 8, 12); }),
            "Lstm::forward: argument 'x' has shape 7x12, expected 8x12");
}

TEST(Check, LengthsAreValidatedAgainstTheTimeDimension) {
  EXPECT_EQ(check_lengths("F", "lengths", {3, 1}, 6), 3);
  EXPECT_EQ(invalid_argument_message([] { check_lengths("F", "lengths", {}, 6); }),
            "F: argument 'lengths' is empty: a batch needs at least one sequence");
  EXPECT_EQ(invalid_argument_message([] { check_lengths("F", "lengths", {2, 2, 2, 2}, 6); }),
            "F: input has 6 columns, not a multiple of the batch size 4 given by 'lengths'");
  EXPECT_EQ(invalid_argument_message([] { check_lengths("F", "lengths", {4, 1}, 6); }),
            "F: argument 'lengths'[0] = 4 is outside 1..3 (the batch's time dimension is 3)");
  EXPECT_EQ(invalid_argument_message([] { check_lengths("F", "lengths", {3, 0}, 6); }),
            "F: argument 'lengths'[1] = 0 is outside 1..3 (the batch's time dimension is 3)");
  EXPECT_EQ(invalid_argument_message([] { check_lengths("F", "lengths", {-2, 1}, 6); }),
            "F: argument 'lengths'[0] = -2 is outside 1..3 (the batch's time dimension is 3)");
}
