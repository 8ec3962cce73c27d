// genattn/core/init.hpp: fills parameter slots from their InitSpec.
//
//   uniform(s):   w ~ U(-s, s)
//   normal(s):    w ~ N(0, s^2)
//   glorot:       w ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out))
//   orthogonal:   for a (k*n) x n matrix, each n x n row block is Q * diag(sign(diag(R)))
//                 from the QR factorization of a standard normal matrix
//                 (Saxe et al. 2014); LSTM recurrent matrices get one per gate.
//                 A matrix whose rows are not a multiple of its columns gets the
//                 orthonormal columns (or rows) of one QR.
//   lstm_bias(f): zeros, with the forget-gate rows H..2H set to f.
//
// Slots are drawn in declaration order from one Rng: the same seed gives the
// same model on every run.
#pragma once

#include <Eigen/QR>
#include <cmath>

#include "genattn/core/params.hpp"
#include "genattn/core/rng.hpp"

GENATTN_NAMESPACE_BEGIN

namespace detail {
/// A rows x cols matrix with orthonormal columns (rows >= cols) or rows.
/// (A template, so that Eigen's QR is compiled only in the units that
/// initialize a model: an inline function had every unit that includes this
/// header instantiate it, 1.5 s of clang's 5.3 s for the umbrella header.)
template <class Random>
Mat<double> orthonormal(Index rows, Index cols, Random& rng) {
  const bool tall = rows >= cols;
  const Index m = tall ? rows : cols, n = tall ? cols : rows;
  Mat<double> a(m, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < m; ++i) a(i, j) = rng.normal();
  Eigen::HouseholderQR<Mat<double>> qr(a);
  Mat<double> q = qr.householderQ() * Mat<double>::Identity(m, n);
  const Mat<double> r = qr.matrixQR().topRows(n).template triangularView<Eigen::Upper>();
  for (Index j = 0; j < n; ++j)
    if (r(j, j) < 0) q.col(j) = -q.col(j);
  if (tall) return q;
  return q.transpose();
}
#if defined(GENATTN_EXTERN_FLOAT) || defined(GENATTN_EXTERN_DOUBLE)
// compiled once in a program that links the instances (core/instances.hpp):
// the QR costs a unit that initializes a model 4 s of g++ 12's 6.5 s at -O1
extern template Mat<double> orthonormal<Rng>(Index, Index, Rng&);
#endif
}  // namespace detail

/// Fills `m` as `spec` says.
template <class T>
void init_slot(MatMap<T> m, const InitSpec& spec, Rng& rng) {
  using Kind = InitSpec::Kind;
  const Index rows = m.rows(), cols = m.cols();
  switch (spec.kind) {
    case Kind::zeros:
      m.setZero();
      break;
    case Kind::uniform:
    case Kind::glorot: {
      const double a = spec.kind == Kind::uniform ? spec.scale : std::sqrt(6.0 / static_cast<double>(rows + cols));
      for (Index j = 0; j < cols; ++j)
        for (Index i = 0; i < rows; ++i) m(i, j) = static_cast<T>(rng.uniform(-a, a));
      break;
    }
    case Kind::normal:
      for (Index j = 0; j < cols; ++j)
        for (Index i = 0; i < rows; ++i) m(i, j) = static_cast<T>(spec.scale * rng.normal());
      break;
    case Kind::orthogonal:
      if (rows % cols == 0) {
        for (Index k = 0; k < rows / cols; ++k)
          m.middleRows(k * cols, cols) = detail::orthonormal(cols, cols, rng).cast<T>();
      } else {
        m = detail::orthonormal(rows, cols, rng).cast<T>();
      }
      break;
    case Kind::lstm_bias:
      check_arg(rows % 4 == 0 && cols == 1, "init_slot", "lstm_bias needs a 4H x 1 slot, got " +
                                                             detail::shape_string(rows, cols));
      m.setZero();
      m.middleRows(rows / 4, rows / 4).setConstant(static_cast<T>(spec.scale));
      break;
  }
}

/// Initializes every slot of `layout` in `values`, in declaration order.
template <class T>
void init_params(const ParamLayout& layout, ParamBuffer<T>& values, Rng& rng) {
  check_arg(values.size() == layout.size(), "init_params",
            "buffer holds " + std::to_string(values.size()) + " scalars, layout needs " +
                std::to_string(layout.size()));
  for (const auto& slot : layout.slots()) init_slot<T>(values[slot.param], slot.init, rng);
}

GENATTN_NAMESPACE_END
