// genattn/core/weight_product.hpp: how a layer multiplies by its weights.
//
//   apply:                    y = W x   or   y += W x
//   apply_stacked:            y = [A B] [x; h]            (an LSTM's gates)
//   apply_transposed_stacked: dx += A^T d,  dh += B^T d   (its input gradients)
//
// Each runs either Eigen's product of the weights themselves, or the
// register-tiled product of a PackedMatrix that holds them
// (packed_matrix.hpp: W packed, [A B] packed, or [A B]^T packed), or the
// product of a bf16 or int8 pack of them (packed_weights.hpp; forward only),
// on some threads. The choice is made once, where the weights are packed (the
// training forward packs the decoder's cells, Decoder::weights every
// per-step weight for decoding), and a module calls these without knowing
// which: this class is the one place that branches on it.
//
// A pack's shape is checked against the weights it stands for, so a pack of
// another weight is refused; that it holds these weights' current values is
// the packer's check (ParamBuffer::version, see Decoder::weights).
#pragma once

#include "genattn/core/check.hpp"
#include "genattn/core/packed_matrix.hpp"
#include "genattn/core/packed_weights.hpp"
#include "genattn/core/params.hpp"

GENATTN_NAMESPACE_BEGIN

template <class T>
class WeightProduct {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  /// Eigen's product.
  WeightProduct() = default;
  /// The packed product of `packed` on `threads` threads; Eigen's when
  /// `packed` is empty (a weight the model does not pack).
  explicit WeightProduct(const PackedMatrix<T>& packed, int threads = 1)
      : packed_(packed.empty() ? nullptr : &packed), threads_(threads) {}

  /// The product of `weights` at their precision (a float pack as above; a
  /// bf16 or int8 pack through its kernels), on `threads` threads.
  explicit WeightProduct(const PackedWeights<T>& weights, int threads = 1) : threads_(threads) {
    if (weights.empty()) return;
    if (weights.precision() == Precision::float32)
      packed_ = &weights.float_pack();
    else
      reduced_ = &weights;
  }

  bool packed() const { return packed_ != nullptr || reduced_ != nullptr; }

  /// y = W x (accumulate: y += W x). Packed: the pack holds W.
  void apply(const ConstMatRef<T>& W, const ConstMatRef<T>& x, MatRef<T> y, bool accumulate = false) const {
    if (reduced_ != nullptr) {
      check_pack(W.rows(), W.cols());
      reduced_->multiply(x, y, accumulate, threads_);
    } else if (packed_ != nullptr) {
      check_pack(W.rows(), W.cols());
      packed_->multiply(x, y, accumulate, threads_);
    } else if (accumulate) {
      y.noalias() += W * x;
    } else {
      y.noalias() = W * x;
    }
  }

  /// y = A x + B h. Packed: the pack holds [A B] (PackedMatrix::pack(A, B)),
  /// and `stacked` receives [x; h] for its one product.
  void apply_stacked(const ConstMatRef<T>& A, const ConstMatRef<T>& x, const ConstMatRef<T>& B,
                     const ConstMatRef<T>& h, MatRef<T> y, Mat<T>& stacked) const {
    if (reduced_ != nullptr) {
      check_pack(A.rows(), A.cols() + B.cols());
      reduced_->multiply_stacked(x, h, y, threads_);
    } else if (packed_ != nullptr) {
      check_pack(A.rows(), A.cols() + B.cols());
      stacked.resize(x.rows() + h.rows(), x.cols());
      stacked.topRows(x.rows()) = x;
      stacked.bottomRows(h.rows()) = h;
      packed_->multiply(stacked, y, false, threads_);
    } else {
      y.noalias() = A * x;
      y.noalias() += B * h;
    }
  }

  /// The same for slot W of p: its values are read only for Eigen's product,
  /// and a slot p holds encoded (core/params.hpp) is widened for it.
  void apply(const ParamBuffer<T>& p, const Param& W, const ConstMatRef<T>& x, MatRef<T> y,
             bool accumulate = false) const {
    if (packed()) {
      apply(shape_of(W), x, y, accumulate);
    } else if (p.encoded(W) != nullptr) {
      apply(p.widened(W), x, y, accumulate);
    } else {
      apply(p[W], x, y, accumulate);
    }
  }

  /// y = A x + B h for slots A and B of p (as above).
  void apply_stacked(const ParamBuffer<T>& p, const Param& A, const ConstMatRef<T>& x, const Param& B,
                     const ConstMatRef<T>& h, MatRef<T> y, Mat<T>& stacked) const {
    const auto view = [&](const Param& P, Mat<T>& own) -> ConstMatRef<T> {
      if (packed()) return shape_of(P);
      if (p.encoded(P) != nullptr) return own = p.widened(P);
      return p[P];
    };
    Mat<T> a, b;
    apply_stacked(view(A, a), x, view(B, b), h, y, stacked);
  }

  /// dh += B^T d and dx += A^T d (dx skipped when empty). Packed: the pack
  /// holds [A B]^T (PackedMatrix::pack_transpose(A, B)), and `stacked`
  /// receives [A B]^T d for its one product.
  void apply_transposed_stacked(const ConstMatRef<T>& A, const ConstMatRef<T>& B, const ConstMatRef<T>& d,
                                MatRef<T> dx, MatRef<T> dh, Mat<T>& stacked) const {
    check_arg(reduced_ == nullptr, "WeightProduct", "a bf16 or int8 pack is for decoding, not for backward");
    if (packed_ != nullptr) {
      check_pack(A.cols() + B.cols(), A.rows());
      stacked.resize(A.cols() + B.cols(), d.cols());
      packed_->multiply(d, stacked, false, threads_);
      dh += stacked.bottomRows(B.cols());
      if (dx.size() != 0) dx += stacked.topRows(A.cols());
    } else {
      dh.noalias() += B.transpose() * d;
      if (dx.size() != 0) dx.noalias() += A.transpose() * d;
    }
  }

 private:
  /// A matrix of P's shape with no values: a packed product reads the shape alone.
  static ConstMatRef<T> shape_of(const Param& P) { return ConstMatMap<T>(nullptr, P.rows, P.cols); }

  void check_pack(Index rows, Index cols) const {
    const Index r = reduced_ != nullptr ? reduced_->rows() : packed_->rows();
    const Index c = reduced_ != nullptr ? reduced_->cols() : packed_->cols();
    check_arg(r == rows && c == cols, "WeightProduct",
              "the packed weights are " + detail::shape_string(r, c) +
                  ", the product needs " + detail::shape_string(rows, cols) + ": they were packed from other weights");
  }

  const PackedMatrix<T>* packed_ = nullptr;   // a float pack
  const PackedWeights<T>* reduced_ = nullptr;  // a bf16 or int8 pack
  int threads_ = 1;
};

GENATTN_NAMESPACE_END
