// genattn/attention/context.hpp: the context vector, the alignment-weighted
// sum of the memory.
//
//   z_b = sum_{j < n_b} a_jb h_{j, src(b)}
//
// Memory H is K x (Ts*Bs) in genattn's layout; query column b attends to the
// source item the SourceMap names.
//
// Backward:  da_jb = h_{j,src(b)} . dz_b;   dh_{j,src(b)} += a_jb dz_b.
#pragma once

#include <vector>

#include "genattn/attention/source_map.hpp"

GENATTN_NAMESPACE_BEGIN

/// z (K x B) <- context of alignment a (Ts x B) over memory H.
template <class T>
void context_forward(const ConstMatRef<T>& H, const SourceMap& map, const ConstMatRef<T>& a, MatRef<T> z) {
  for (Index b = 0; b < a.cols(); ++b) {
    z.col(b).setZero();
    for (Index j = 0; j < map.length[static_cast<std::size_t>(b)]; ++j) z.col(b) += a(j, b) * H.col(map.column(j, b));
  }
}

/// da (Ts x B) += dL/da; dH += dL/dH (skipped when empty).
template <class T>
void context_backward(const ConstMatRef<T>& H, const SourceMap& map, const ConstMatRef<T>& a, const ConstMatRef<T>& dz,
                      MatRef<T> da, MatRef<T> dH) {
  for (Index b = 0; b < a.cols(); ++b) {
    for (Index j = 0; j < map.length[static_cast<std::size_t>(b)]; ++j) {
      const Index col = map.column(j, b);
      // da_jb = h_j . dz_b
      da(j, b) += H.col(col).dot(dz.col(b));
      // dh_j += a_jb dz_b
      if (dH.size() != 0) dH.col(col) += a(j, b) * dz.col(b);
    }
  }
}

GENATTN_NAMESPACE_END
