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
//
// The training term over a teacher-forced batch (coverage_term), with N the
// number of counted (non-padding) target tokens:
//   J_cov = lambda / N * sum_{counted t, b} cov_tb
// lambda = 0 still reports the term's value (unweighted), for monitoring.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "genattn/core/check.hpp"
#include "genattn/core/types.hpp"

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

/// The coverage term of a training loss.
struct CoverageTerm {
  double loss = 0.0;      ///< lambda/N sum cov: what the loss adds (0 when lambda = 0)
  double coverage = 0.0;  ///< 1/N sum cov, unweighted
};

/// The coverage term of a teacher-forced batch: `alignment` and `coverage`
/// are Ts x Tt*B (step t's B columns at t*B), `tgt_out` the Tt*B targets (pad
/// not counted), `src_lengths` the B source lengths, `tokens` = N. With
/// lambda > 0, resizes and fills `d_alignment` and `d_coverage` with dJ_cov/da
/// and dJ_cov/dc; with lambda = 0 leaves them empty.
template <class T>
CoverageTerm coverage_term(const ConstMatRef<T>& alignment, const ConstMatRef<T>& coverage,
                           const Lengths& src_lengths, const TokenIds& tgt_out, TokenId pad, Index tokens,
                           double lambda, Mat<T>& d_alignment, Mat<T>& d_coverage) {
  static constexpr const char* where = "coverage_term";
  check_arg(lambda >= 0.0, where, "coverage_weight = " + std::to_string(lambda) + " is negative");
  const Index B = static_cast<Index>(src_lengths.size()), N = alignment.cols();
  check_arg(B > 0 && N % B == 0 && static_cast<Index>(tgt_out.size()) == N, where,
            "alignment has " + std::to_string(N) + " columns for " + std::to_string(B) + " sources and " +
                std::to_string(tgt_out.size()) + " targets");
  check_shape(where, "coverage", coverage, alignment.rows(), N);
  CoverageTerm term;
  if (tokens <= 0) {
    d_alignment.resize(0, 0);
    d_coverage.resize(0, 0);
    return term;
  }
  // weight 1/N for counted columns (lambda/N with gradients), 0 for padding
  const double inv_n = 1.0 / static_cast<double>(tokens);
  std::vector<Index> valid(static_cast<std::size_t>(N));
  std::vector<double> weight(static_cast<std::size_t>(N));
  for (Index n = 0; n < N; ++n) {
    valid[static_cast<std::size_t>(n)] = src_lengths[static_cast<std::size_t>(n % B)];
    const bool counted = tgt_out[static_cast<std::size_t>(n)] != pad;
    weight[static_cast<std::size_t>(n)] = counted ? (lambda > 0.0 ? lambda : 1.0) * inv_n : 0.0;
  }
  if (lambda > 0.0) {
    d_alignment.setZero(alignment.rows(), N);
    d_coverage.setZero(alignment.rows(), N);
  } else {
    d_alignment.resize(0, 0);
    d_coverage.resize(0, 0);
  }
  const double cov = coverage_loss<T>(alignment, coverage, valid, weight, d_alignment, d_coverage);
  term.coverage = lambda > 0.0 ? cov / lambda : cov;
  term.loss = lambda > 0.0 ? cov : 0.0;
  return term;
}

GENATTN_NAMESPACE_END
