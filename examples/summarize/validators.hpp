// summarize/validators.hpp: the command line's number checks, with messages
// a user can read. CLI11 2.1's NonNegativeNumber and PositiveNumber say
// "Value -1 not in range 0.000000 to 1797693134862315708145...000000" (the
// largest double, printed in full).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace summarize {

namespace detail {

inline CLI::Validator number_at_least(double low, bool inclusive, const std::string& what, const std::string& help) {
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        double x = 0.0;
        if (!CLI::detail::lexical_cast(input, x)) return "'" + input + "' is not a number";
        if (inclusive ? x >= low : x > low) return {};
        return "must be " + what + ", not " + input;
      },
      help, what);
}

}  // namespace detail

/// 0 or more.
inline const CLI::Validator non_negative = detail::number_at_least(0.0, true, "0 or more", ">= 0");
/// More than 0.
inline const CLI::Validator positive = detail::number_at_least(0.0, false, "more than 0", "> 0");

/// A thread count: 0 (one per core) to 256.
inline const CLI::Validator thread_count = CLI::Validator(
    [](std::string& input) -> std::string {
      int n = 0;
      if (!CLI::detail::lexical_cast(input, n)) return "'" + input + "' is not a whole number";
      if (n < 0 || n > 256) return "must be 0 (one per core) to 256, not " + input;
      return {};
    },
    "0..256", "threads");

}  // namespace summarize
