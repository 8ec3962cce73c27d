// genattn/core/check.hpp: argument checks for public entry points.
//
// Every check throws std::invalid_argument whose message names the function,
// the argument, and what was expected next to what was given, e.g.
//   "Lstm::forward: argument 'x' has shape 7x12, expected 8x12".
// Hot inner loops use eigen_assert (debug builds) instead.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

#include "genattn/core/types.hpp"

GENATTN_NAMESPACE_BEGIN

namespace detail {
inline std::string shape_string(Index rows, Index cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}
}  // namespace detail

/// Throws unless `m` is `rows x cols`.
template <class Derived>
void check_shape(const char* where, const char* arg, const Eigen::EigenBase<Derived>& m, Index rows,
                 Index cols) {
  if (m.rows() != rows || m.cols() != cols) {
    throw std::invalid_argument(std::string(where) + ": argument '" + arg + "' has shape " +
                                detail::shape_string(m.rows(), m.cols()) + ", expected " +
                                detail::shape_string(rows, cols));
  }
}

/// Throws with `message` (prefixed by `where`) unless `ok`.
inline void check_arg(bool ok, const char* where, const std::string& message) {
  if (!ok) throw std::invalid_argument(std::string(where) + ": " + message);
}

/// check_arg for a check inside a loop: `message()` builds the message only
/// when the check fails.
template <class Message>
void check_arg_lazily(bool ok, const char* where, Message&& message) {
  if (!ok) throw std::invalid_argument(std::string(where) + ": " + message());
}

/// Validates a padded batch's lengths against its column count and returns the
/// time dimension T = columns / B.
inline Index check_lengths(const char* where, const char* arg, const Lengths& lengths, Index columns) {
  const auto batch = static_cast<Index>(lengths.size());
  check_arg(batch > 0, where, std::string("argument '") + arg + "' is empty: a batch needs at least one sequence");
  check_arg(columns % batch == 0, where,
            "input has " + std::to_string(columns) + " columns, not a multiple of the batch size " +
                std::to_string(batch) + " given by '" + arg + "'");
  const Index time = columns / batch;
  for (std::size_t b = 0; b < lengths.size(); ++b) {
    const Index len = lengths[b];
    if (len < 1 || len > time) {
      std::ostringstream msg;
      msg << "argument '" << arg << "'[" << b << "] = " << len << " is outside 1.." << time
          << " (the batch's time dimension is " << time << ")";
      throw std::invalid_argument(std::string(where) + ": " + msg.str());
    }
  }
  return time;
}

GENATTN_NAMESPACE_END
