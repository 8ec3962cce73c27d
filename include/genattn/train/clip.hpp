// genattn/train/clip.hpp: global-norm gradient clipping and finiteness checks
// over the flat gradient buffer.
//
//   n = ||g||_2 over every parameter;  if n > max_norm:  g <- g * max_norm / n
#pragma once

#include <cmath>
#include <string>

#include "genattn/core/params.hpp"

GENATTN_NAMESPACE_BEGIN

/// Scales `grads` so its global 2-norm is at most `max_norm` (<= 0: no
/// clipping). Returns the norm before clipping.
template <class T>
double clip_global_norm(ParamBuffer<T>& grads, double max_norm) {
  const double norm = std::sqrt(static_cast<double>(grads.flat().template cast<double>().squaredNorm()));
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

GENATTN_NAMESPACE_END
