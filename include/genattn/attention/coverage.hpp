// genattn/attention/coverage.hpp: the coverage vector and coverage loss of
// See et al. (2017), "Get To The Point", section 2.3.
//
//   c_t   = sum_{t' < t} a_t'                 attention each source position got so far (c_0 = 0)
//   cov_t = sum_{j < n} min(a_tj, c_tj)       the step's coverage loss
//
// The score reads c_t (additive_score.hpp: w_c c_tj inside the tanh); the
// training loss adds lambda * cov_t for every counted target step (seq2seq.hpp
// averages it over the counted tokens, like the cross-entropy).
//
// Derivatives of min(a, c) (where a == c the gradient is split in halves, as
// torch.minimum does):
//   d cov_t / d a_tj = [a_tj < c_tj] + 1/2 [a_tj == c_tj]
//   d cov_t / d c_tj = [c_tj < a_tj] + 1/2 [a_tj == c_tj]
// and, since c_t sums the earlier alignments,
//   dL/da_t' += sum_{t > t'} dL/dc_t                 (the decoder carries this sum back in time)
#pragma once

#include <algorithm>
#include <vector>

#include "genattn/core/check.hpp"

GENATTN_NAMESPACE_BEGIN

/// sum over the columns b with weight[b] != 0 of weight[b] * sum_{j < n_b}
/// min(a_jb, c_jb); when `da` and `dc` are not empty, adds the weighted
/// derivatives into them. a, c, da, dc: Ts x B.
template <class T>
double coverage_loss(const ConstMatRef<T>& a, const ConstMatRef<T>& c, const std::vector<Index>& valid,
                     const std::vector<double>& weight, MatRef<T> da, MatRef<T> dc) {
  eigen_assert(a.rows() == c.rows() && a.cols() == c.cols());
  eigen_assert(static_cast<Index>(valid.size()) == a.cols() && static_cast<Index>(weight.size()) == a.cols());
  const bool grad = da.size() != 0;
  double total = 0.0;
  for (Index b = 0; b < a.cols(); ++b) {
    const double w = weight[static_cast<std::size_t>(b)];
    if (w == 0.0) continue;
    double sum = 0.0;
    for (Index j = 0; j < valid[static_cast<std::size_t>(b)]; ++j) {
      const T x = a(j, b), y = c(j, b);
      sum += static_cast<double>(std::min(x, y));
      if (!grad) continue;
      // d min(a, c): to the smaller one, half each at a tie
      const T g = static_cast<T>(w);
      if (x < y)
        da(j, b) += g;
      else if (y < x)
        dc(j, b) += g;
      else {
        da(j, b) += g / 2;
        dc(j, b) += g / 2;
      }
    }
    total += w * sum;
  }
  return total;
}

GENATTN_NAMESPACE_END
