// genattn/core/activations.hpp: elementwise activations over whole blocks.
//
//   sigmoid(x) = 1 / (1 + exp(-x))      sigmoid'(x) = s (1 - s),  s = sigmoid(x)
//   tanh(x)                             tanh'(x)    = 1 - t^2,    t = tanh(x)
//
// Each call runs over a whole block (a gate block of a column, or a matrix) so
// Eigen's packet math vectorizes it; none allocates.
#pragma once

#include "genattn/core/types.hpp"

GENATTN_NAMESPACE_BEGIN

/// x <- sigmoid(x), elementwise. `x` is any writable dense block.
template <class Derived>
void sigmoid_inplace(const Eigen::MatrixBase<Derived>& x_) {
  auto& x = const_cast<Eigen::MatrixBase<Derived>&>(x_);
  x = x.array().logistic().matrix();
}

/// x <- tanh(x), elementwise.
template <class Derived>
void tanh_inplace(const Eigen::MatrixBase<Derived>& x_) {
  auto& x = const_cast<Eigen::MatrixBase<Derived>&>(x_);
  x = x.array().tanh().matrix();
}

GENATTN_NAMESPACE_END
