// tests/support/errors.hpp: the message of the std::invalid_argument a call
// throws, to compare whole messages.
#pragma once

#include <stdexcept>
#include <string>

namespace genattn_test {

/// what() of the std::invalid_argument `f` throws, or "(no exception)".
template <class F>
std::string invalid_argument_message(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace genattn_test
