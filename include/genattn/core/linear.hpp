// genattn/core/linear.hpp: an affine layer over a batch of columns.
//
//   y = W x + b                 W: Out x In, b: Out, x: In x N, y: Out x N
//   dL/dW = dy x^T,  dL/db = sum_n dy_n,  dL/dx = W^T dy
//
// Parameters: <prefix>.W (Glorot), <prefix>.b (zeros; omitted with bias = false).
#pragma once

#include <algorithm>

#include <string>

#include "genattn/core/check.hpp"
#include "genattn/core/instances.hpp"
#include "genattn/core/params.hpp"
#include "genattn/core/weight_product.hpp"

GENATTN_NAMESPACE_BEGIN

template <class T>
class Linear {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  Linear(ParamLayout& layout, const std::string& prefix, Index input, Index output, bool bias = true)
      : in_(input), out_(output), has_bias_(bias) {
    check_arg(input > 0 && output > 0, "Linear",
              "input size " + std::to_string(input) + " and output size " + std::to_string(output) +
                  " must be positive");
    W_ = layout.add(prefix + ".W", output, input, InitSpec::glorot());
    if (bias) b_ = layout.add(prefix + ".b", output, 1, InitSpec::zeros());
  }

  Index input_size() const { return in_; }
  Index output_size() const { return out_; }
  const Param& weight() const { return W_; }
  const Param& bias() const { return b_; }
  bool has_bias() const { return has_bias_; }

  /// W packed once for many products with a few columns, at `precision`.
  GENATTN_NOINLINE
  void pack(const ParamBuffer<T>& p, PackedWeights<T>& out, Precision precision = Precision::float32) const {
    out.pack(p, W_, precision);
  }

  /// y = W x + b (y is overwritten; it must be Out x N). `product`:
  /// Eigen's, or WeightProduct of pack() of p.
  GENATTN_NOINLINE
  void forward(const ParamBuffer<T>& p, const ConstMatRef<T>& x, MatRef<T> y,
               const WeightProduct<T>& product = {}) const {
    static constexpr const char* where = "Linear::forward";
    check_shape(where, "x", x, in_, x.cols());
    check_shape(where, "y", y, out_, x.cols());
    product.apply(p, W_, x, y);
    if (has_bias_) y.colwise() += p[b_].col(0);
  }

  /// Adds dL/dW, dL/db into `grads` and dL/dx into `dx` (skipped when empty).
  GENATTN_NOINLINE
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& x, const ConstMatRef<T>& dy,
                MatRef<T> dx) const {
    static constexpr const char* where = "Linear::backward";
    check_shape(where, "x", x, in_, x.cols());
    check_shape(where, "dy", dy, out_, x.cols());
    // dL/dW = dy x^T, a block of rows at a time: Eigen packs the rows of dy
    // that one product reads, and all of a large layer's rows at once (the
    // output layer's V) would be a copy as large as dy
    auto dW = grads[W_];
    for (Index r = 0; r < out_; r += kGradientRows) {
      const Index n = std::min(kGradientRows, out_ - r);
      dW.middleRows(r, n).noalias() += dy.middleRows(r, n) * x.transpose();
    }
    // dL/db = sum over columns of dy
    if (has_bias_) grads[b_] += dy.rowwise().sum();
    if (dx.size() != 0) {
      check_shape(where, "dx", dx, in_, x.cols());
      // dL/dx = W^T dy
      dx.noalias() += p[W_].transpose() * dy;
    }
  }

 private:
  static constexpr Index kGradientRows = 2048;
  Index in_, out_;
  bool has_bias_;
  Param W_, b_;
};

// compiled once in a program that links the instances (core/instances.hpp)
GENATTN_EXTERN_MODULE(Linear)

GENATTN_NAMESPACE_END
