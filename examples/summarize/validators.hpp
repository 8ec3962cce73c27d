// summarize/validators.hpp: the command line's number checks, with messages
// a user can read. CLI11 2.1's NonNegativeNumber and PositiveNumber say
// "Value -1 not in range 0.000000 to 1797693134862315708145...000000" (the
// largest double, printed in full).
#pragma once

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
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

/// A whole number in [low, 10^9]. CLI11 2.1 reads 2^64+1 into an int64
/// option as INT64_MAX without a word (strtoll's ERANGE unchecked), and 2 *
/// --hidden or --batch-size x 50 then overflowed (UBSan, in the walk of
/// numeric options); sizes and counts stop at 10^9, far below any overflow.
inline CLI::Validator whole_in(long long low, const std::string& what) {
  constexpr long long high = 1000000000;
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        errno = 0;
        char* end = nullptr;
        const long long x = std::strtoll(input.c_str(), &end, 10);
        if (input.empty() || end == nullptr || *end != '\0' || errno == ERANGE || x < low || x > high)
          return "must be a whole number from " + std::to_string(low) + " to " + std::to_string(high) + ", not " +
                 input;
        return {};
      },
      std::to_string(low) + ".." + std::to_string(high), what);
}
/// A count or size: 0 to 10^9, or 1 to 10^9.
inline const CLI::Validator non_negative_count = whole_in(0, "count");
inline const CLI::Validator positive_count = whole_in(1, "count");

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

/// A rate in [0, 1) (noise): 1 would leave nothing of a document.
inline const CLI::Validator unit_rate = CLI::Validator(
    [](std::string& input) -> std::string {
      double x = 0.0;
      if (!CLI::detail::lexical_cast(input, x)) return "'" + input + "' is not a number";
      if (x >= 0.0 && x < 1.0) return {};
      return "must be in [0, 1), not " + input;
    },
    "in [0, 1)", "rate");

/// A seed: a whole number from 0 to 2^64 - 1, in decimal digits. CLI11 2.1
/// reads an unsigned option with strtoull, which takes "-1" as 2^64 - 1 and
/// "18446744073709551616" as 2^64 - 1 too (ERANGE unchecked): two different
/// words for one seed, and a user's -1 silently meaning another number.
inline const CLI::Validator seed_number = CLI::Validator(
    [](std::string& input) -> std::string {
      const std::string says = "must be a whole number from 0 to 18446744073709551615, not " + input;
      if (input.empty() || input.find_first_not_of("0123456789") != std::string::npos) return says;
      errno = 0;
      (void)std::strtoull(input.c_str(), nullptr, 10);
      if (errno == ERANGE) return says;
      return {};
    },
    "0..2^64-1", "seed");

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
