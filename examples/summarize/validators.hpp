// summarize/validators.hpp: the command line's number checks, with messages
// a user can read. CLI11 2.1's NonNegativeNumber and PositiveNumber say
// "Value -1 not in range 0.000000 to 1797693134862315708145...000000" (the
// largest double, printed in full).
#pragma once

#include <CLI/CLI.hpp>

#include <cmath>
#include <string>

namespace summarize {

namespace detail {

/// x >= low (inclusive) or x > low; NaN never passes; `finite`: nor does inf.
inline CLI::Validator number_at_least(double low, bool inclusive, bool finite, const std::string& what,
                                      const std::string& help) {
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        double x = 0.0;
        if (!CLI::detail::lexical_cast(input, x)) return "'" + input + "' is not a number";
        if ((inclusive ? x >= low : x > low) && (!finite || std::isfinite(x))) return {};
        return "must be " + what + ", not " + input;
      },
      help, what);
}

}  // namespace detail

/// Any finite number (not NaN or inf).
inline const CLI::Validator finite_number = CLI::Validator(
    [](std::string& input) -> std::string {
      double x = 0.0;
      if (!CLI::detail::lexical_cast(input, x)) return "'" + input + "' is not a number";
      if (!std::isfinite(x)) return "must be a finite number, not " + input;
      return {};
    },
    "finite", "finite");
/// A finite number above 0.
inline const CLI::Validator positive_finite =
    detail::number_at_least(0.0, false, true, "a finite number above 0", "> 0");
/// A finite number, 0 or more.
inline const CLI::Validator non_negative_finite =
    detail::number_at_least(0.0, true, true, "a finite number, 0 or more", ">= 0");

/// 0 or more.
inline const CLI::Validator non_negative = detail::number_at_least(0.0, true, false, "0 or more", ">= 0");
/// More than 0.
inline const CLI::Validator positive = detail::number_at_least(0.0, false, false, "more than 0", "> 0");

/// A number in [low, high]. CLI::Range lets NaN through (every comparison
/// with NaN is false), this does not.
inline CLI::Validator number_in(double low, double high) {
  const std::string range = "[" + CLI::detail::to_string(low) + ", " + CLI::detail::to_string(high) + "]";
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        double x = 0.0;
        if (!CLI::detail::lexical_cast(input, x)) return "'" + input + "' is not a number";
        if (x >= low && x <= high) return {};
        return "must be in " + range + ", not " + input;
      },
      "in " + range, "range");
}

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
