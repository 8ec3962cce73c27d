// genattn/attention/masked_softmax.hpp: softmax over the source positions of
// each column, with padding masked before the softmax.
//
// For column b with n_b valid positions (rows 0..n_b-1):
//   a_jb = exp(e_jb - m_b) / sum_{k < n_b} exp(e_kb - m_b),  m_b = max_{k < n_b} e_kb,  j < n_b
//   a_jb = 0 exactly,                                        j >= n_b
// so every column sums to 1 and padded scores (whatever they hold) never
// matter.
//
// Backward (j < n_b):  de_jb = a_jb (da_jb - sum_{k < n_b} a_kb da_kb);  0 for padding.
#pragma once

#include <cmath>
#include <vector>

#include "genattn/core/check.hpp"

GENATTN_NAMESPACE_BEGIN

/// a <- masked softmax of e; valid[b] = number of valid rows of column b.
/// `a` may alias `e`.
template <class T>
void masked_softmax_forward(const ConstMatRef<T>& e, const std::vector<Index>& valid, MatRef<T> a) {
  eigen_assert(static_cast<Index>(valid.size()) == e.cols() && a.rows() == e.rows() && a.cols() == e.cols());
  for (Index b = 0; b < e.cols(); ++b) {
    const Index n = valid[static_cast<std::size_t>(b)];
    eigen_assert(n >= 1 && n <= e.rows());
    const T m = e.col(b).head(n).maxCoeff();
    a.col(b).head(n) = (e.col(b).head(n).array() - m).exp().matrix();
    a.col(b).head(n) /= a.col(b).head(n).sum();
    a.col(b).tail(e.rows() - n).setZero();
  }
}

/// de += masked softmax backward of da, given the forward's output a.
template <class T>
void masked_softmax_backward(const ConstMatRef<T>& a, const std::vector<Index>& valid, const ConstMatRef<T>& da,
                             MatRef<T> de) {
  for (Index b = 0; b < a.cols(); ++b) {
    const Index n = valid[static_cast<std::size_t>(b)];
    // de_j = a_j (da_j - sum_k a_k da_k)
    const T dot = a.col(b).head(n).dot(da.col(b).head(n));
    de.col(b).head(n).array() += a.col(b).head(n).array() * (da.col(b).head(n).array() - dot);
  }
}

GENATTN_NAMESPACE_END
