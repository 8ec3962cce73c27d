// tests/support/errors.hpp: the message of the exception a call throws, to
// compare whole messages.
#pragma once

#include <stdexcept>
#include <string>

namespace genattn_test {

/// what() of the E that `f` throws, or "(no exception)".
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no exception)";
}

/// what() of the std::invalid_argument `f` throws, or "(no exception)".
template <class F>
std::string invalid_argument_message(F&& f) {
  return message_of<std::invalid_argument>(f);
}

}  // namespace genattn_test
