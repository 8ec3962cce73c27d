// genattn/train/clip.hpp: global-norm gradient clipping, and the finiteness
// checks that guard an update.
//
//   n = ||g||_2 over every parameter;  if n > max_norm:  g <- g * max_norm / n
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include "genattn/core/params.hpp"

GENATTN_NAMESPACE_BEGIN

/// sum_i x_i^2 of a vector, in double: blocks of 256 scalars summed in their
/// own type (Eigen's vectorized sum; float's relative error ~1e-6 at worst),
/// the blocks' sums in double. As fast as a read of x: summing in double
/// throughout (x.cast<double>()) took four times as long for 19M floats.
template <class D>
double squared_norm(const Eigen::MatrixBase<D>& x) {
  static constexpr Index block = 256;
  double sum = 0.0;
  for (Index b = 0; b < x.size(); b += block)
    sum += static_cast<double>(x.segment(b, std::min(block, x.size() - b)).squaredNorm());
  return sum;
}

/// Scales `grads` so its global 2-norm is at most `max_norm` (<= 0: no
/// clipping). Returns the norm before clipping.
template <class T>
double clip_global_norm(ParamBuffer<T>& grads, double max_norm) {
  const double norm = std::sqrt(squared_norm(grads.flat()));
  if (max_norm > 0.0 && norm > max_norm) grads.flat() *= static_cast<T>(max_norm / norm);
  return norm;
}

/// The name of the first slot of `layout` holding a NaN or Inf in `buf`, or
/// an empty string when all are finite.
template <class T>
std::string first_non_finite(const ParamLayout& layout, const ParamBuffer<T>& buf) {
  if (buf.flat().allFinite()) return {};
  for (const auto& s : layout.slots())
    if (!buf[s.param].allFinite()) return s.name;
  return "(padding)";
}

/// Why an update must be skipped, or "" when it may go ahead: a non-finite
/// loss (naming a non-finite parameter when there is one), else a non-finite
/// gradient (naming its parameter). `grads` may be null (loss check only).
template <class T>
std::string non_finite_reason(const ParamLayout& layout, double loss, const ParamBuffer<T>& params,
                              const ParamBuffer<T>* grads) {
  if (!std::isfinite(loss)) {
    std::string why = std::string("loss is ") + (std::isnan(loss) ? "NaN" : loss > 0 ? "+Inf" : "-Inf");
    const std::string bad = first_non_finite(layout, params);
    if (!bad.empty())
      why += " (parameter '" + bad + "' holds a NaN or Inf)";
    else
      why += " (every parameter is finite: an input holds a NaN or Inf, or the forward pass overflowed)";
    return why;
  }
  if (grads != nullptr) {
    const std::string bad = first_non_finite(layout, *grads);
    if (!bad.empty()) return "non-finite gradient in parameter '" + bad + "'";
  }
  return {};
}

GENATTN_NAMESPACE_END
