// genattn/core/packed_weights.hpp: one layer's weights packed for decoding at
// a precision (core/precision.hpp).
//
//   float32: PackedMatrix of W, or of [A B] side by side (an LSTM's [W_x W_h])
//   bf16:    Bf16Matrix of W, or of A and of B
//   int8:    Int8Matrix of W, or of A and of B, each with its own row scales
//
// A stacked product y = A x + B h is one product of the float pack, and two
// of the reduced ones (the second accumulating): quantized apart, x and h
// keep their own column scales, and a checkpoint can hold W_x and W_h as the
// parameters they are. WeightProduct (weight_product.hpp) runs these.
#pragma once

#include "genattn/core/bf16_matrix.hpp"
#include "genattn/core/int8_matrix.hpp"
#include "genattn/core/packed_matrix.hpp"
#include "genattn/core/params.hpp"
#include "genattn/core/precision.hpp"

GENATTN_NAMESPACE_BEGIN

template <class T>
class PackedWeights {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  PackedWeights() = default;

  Precision precision() const { return precision_; }
  /// M, and K (of A and B together when stacked).
  Index rows() const { return precision_ == Precision::float32 ? float_.rows() : reduced_rows(0); }
  Index cols() const {
    return precision_ == Precision::float32 ? float_.cols() : reduced_cols(0) + reduced_cols(1);
  }
  bool empty() const { return rows() == 0; }
  /// Whether the pack holds A and B apart (a stacked reduced pack).
  bool split() const { return precision_ != Precision::float32 && reduced_cols(1) != 0; }
  /// The float pack (float32 only).
  const PackedMatrix<T>& float_pack() const { return float_; }

  /// Bytes the packed weights take.
  std::size_t bytes() const {
    switch (precision_) {
      case Precision::int8: return int8_[0].bytes() + int8_[1].bytes();
      case Precision::bf16: return bf16_[0].bytes() + bf16_[1].bytes();
      default: return static_cast<std::size_t>(float_.panels() * float_.MR * float_.cols()) * sizeof(T);
    }
  }

  /// Packs A (M x K) at `precision`.
  void pack(const ConstMatRef<T>& A, Precision precision = Precision::float32) {
    pack(A, no_matrix<T>(), precision);
  }

  /// Packs [A B] (A: M x K_A, B: M x K_B; B may be empty) at `precision`.
  void pack(const ConstMatRef<T>& A, const ConstMatRef<T>& B, Precision precision = Precision::float32) {
    check_arg(B.size() == 0 || B.rows() == A.rows(), "PackedWeights::pack",
              "argument 'B' has shape " + detail::shape_string(B.rows(), B.cols()) + ", expected " +
                  std::to_string(A.rows()) + " rows (as A)");
    clear(precision);
    switch (precision) {
      case Precision::int8:
        int8_[0].pack(A);
        if (B.size() != 0) int8_[1].pack(B);
        break;
      case Precision::bf16:
        bf16_[0].pack(A);
        if (B.size() != 0) bf16_[1].pack(B);
        break;
      default: float_.pack(A, B);
    }
  }

  /// Packs slot A (and B, stacked, when given) of p at `precision`. A slot p
  /// holds encoded packs without a float copy when its encoding is the
  /// precision's (int8 with a scale per row, or bf16: the same values the
  /// file holds); at another precision it is widened first.
  void pack(const ParamBuffer<T>& p, const Param& A, Precision precision = Precision::float32) {
    pack(p, A, nullptr, precision);
  }
  void pack(const ParamBuffer<T>& p, const Param& A, const Param& B, Precision precision = Precision::float32) {
    pack(p, A, &B, precision);
  }

  /// Packs [A B]^T (float32 only: training's backward).
  void pack_transpose(const ConstMatRef<T>& A, const ConstMatRef<T>& B) {
    clear(Precision::float32);
    float_.pack_transpose(A, B);
  }

  /// y = W x (y += W x when `accumulate`); W = [A B] when stacked.
  void multiply(const ConstMatRef<T>& x, MatRef<T> y, bool accumulate = false, int threads = 1) const {
    switch (precision_) {
      case Precision::int8:
        check_arg(!split(), "PackedWeights::multiply", "the pack holds A and B apart: use multiply_stacked");
        int8_[0].multiply(x, y, accumulate, threads);
        break;
      case Precision::bf16:
        check_arg(!split(), "PackedWeights::multiply", "the pack holds A and B apart: use multiply_stacked");
        bf16_[0].multiply(x, y, accumulate, threads);
        break;
      default: float_.multiply(x, y, accumulate, threads);
    }
  }

  /// y = A x + B h of a reduced pack of [A B] (its two products).
  void multiply_stacked(const ConstMatRef<T>& x, const ConstMatRef<T>& h, MatRef<T> y, int threads = 1) const {
    switch (precision_) {
      case Precision::int8:
        int8_[0].multiply(x, y, false, threads);
        int8_[1].multiply(h, y, true, threads);
        break;
      case Precision::bf16:
        bf16_[0].multiply(x, y, false, threads);
        bf16_[1].multiply(h, y, true, threads);
        break;
      default:
        throw std::invalid_argument("PackedWeights::multiply_stacked: a float pack multiplies [x; h] in one product");
    }
  }

 private:
  void pack(const ParamBuffer<T>& p, const Param& A, const Param* B, Precision precision) {
    const EncodedSlot* a = p.encoded(A);
    const EncodedSlot* b = B != nullptr ? p.encoded(*B) : nullptr;
    if (a == nullptr && (B == nullptr || b == nullptr)) {  // values (the training buffer's case)
      pack(p[A], B != nullptr ? ConstMatRef<T>(p[*B]) : ConstMatRef<T>(no_matrix<T>()), precision);
      return;
    }
    const auto direct = [&](const EncodedSlot* e) {
      return e != nullptr && ((precision == Precision::int8 && e->encoding == SlotEncoding::int8_rows) ||
                              (precision == Precision::bf16 && e->encoding == SlotEncoding::bf16));
    };
    if (precision != Precision::float32 && direct(a) && (B == nullptr || direct(b))) {
      clear(precision);
      pack_encoded(*a, 0);
      if (B != nullptr) pack_encoded(*b, 1);
      return;
    }
    // another precision than the stored one: widen, then pack as values
    pack(p.widened(A), B != nullptr ? p.widened(*B) : Mat<T>(), precision);
  }

  /// Packs encoded weights as the k-th product of a reduced pack.
  void pack_encoded(const EncodedSlot& e, int k) {
    if (e.encoding == SlotEncoding::bf16) {
      typename Bf16Matrix<T>::Rounded w(e.rows, e.cols);
      std::copy(e.halves.begin(), e.halves.end(), w.data());
      bf16_[k].pack(w);
    } else {
      typename Int8Matrix<T>::Quantized w;
      w.q.resize(e.rows, e.cols);
      std::copy(e.q.begin(), e.q.end(), w.q.data());
      w.scale.resize(e.rows);
      for (Index i = 0; i < e.rows; ++i) w.scale(i) = static_cast<T>(e.scales[static_cast<std::size_t>(i)]);
      int8_[k].pack(w);
    }
  }

  Index reduced_rows(int k) const { return precision_ == Precision::int8 ? int8_[k].rows() : bf16_[k].rows(); }
  Index reduced_cols(int k) const { return precision_ == Precision::int8 ? int8_[k].cols() : bf16_[k].cols(); }

  /// Drops the packs of other precisions than `keep` (a float pack keeps its
  /// storage: training repacks its cells every pass).
  void clear(Precision keep) {
    int8_[0] = int8_[1] = Int8Matrix<T>();
    bf16_[0] = bf16_[1] = Bf16Matrix<T>();
    if (keep != Precision::float32) float_ = PackedMatrix<T>();
    precision_ = keep;
  }

  Precision precision_ = Precision::float32;
  PackedMatrix<T> float_;
  Int8Matrix<T> int8_[2];
  Bf16Matrix<T> bf16_[2];
};

GENATTN_NAMESPACE_END
