// tests/support/scalars.hpp: the scalar types typed tests run over, named
// "float" and "double" in test names.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

namespace genattn_test {

using Scalars = ::testing::Types<float, double>;

struct ScalarName {
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, float> ? "float" : "double";
  }
};

}  // namespace genattn_test

/// A typed test suite `Name` over float and double (TYPED_TEST(Name, ...)).
#define GENATTN_SCALAR_TEST_SUITE(Name)         \
  template <class T>                            \
  class Name : public ::testing::Test {};       \
  TYPED_TEST_SUITE(Name, genattn_test::Scalars, genattn_test::ScalarName)
