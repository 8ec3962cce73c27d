// genattn/core/dropout.hpp: inverted dropout with a seeded mask.
//
//   m_i = 1 / (1 - p) with probability 1 - p, else 0
//   y = x * m,    dL/dx = dL/dy * m
//
// Training draws a mask from the caller's Rng; evaluation uses none (the
// identity), so no rescaling happens at test time.
#pragma once

#include "genattn/core/check.hpp"
#include "genattn/core/rng.hpp"

GENATTN_NAMESPACE_BEGIN

/// Fills `mask` (rows x cols) for drop probability p in [0, 1).
template <class T>
void dropout_mask(Rng& rng, double p, Index rows, Index cols, Mat<T>& mask) {
  check_arg(p >= 0.0 && p < 1.0, "dropout_mask", "probability " + std::to_string(p) + " is outside [0, 1)");
  mask.resize(rows, cols);
  const T keep = static_cast<T>(1.0 / (1.0 - p));
  for (Index i = 0; i < mask.size(); ++i) mask.data()[i] = rng.uniform() < p ? T(0) : keep;
}

GENATTN_NAMESPACE_END
