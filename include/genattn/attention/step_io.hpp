// genattn/attention/step_io.hpp: the views an attention step reads and writes.
//
// For B queries over an encoded source batch of Bs items, Ts positions each:
//   AttentionSource:    H (K x Ts*Bs), keys (A x Ts*Bs), map (query b reads item map.item[b])
//   AttentionQuery:     s (S x B), coverage c (Ts x B; empty without coverage)
//   AttentionGradients: where backward adds dL/dH (empty: skipped), dL/dkeys,
//                       dL/ds and dL/dc (empty without coverage)
// The source is the same for every step of a batch; the query and the
// gradients change with the step.
#pragma once

#include "genattn/attention/source_map.hpp"

GENATTN_NAMESPACE_BEGIN

template <class T>
struct AttentionSource {
  ConstMatRef<T> H, keys;
  const SourceMap& map;
};

template <class T>
struct AttentionQuery {
  ConstMatRef<T> s;
  ConstMatRef<T> coverage = no_matrix<T>();
};

template <class T>
struct AttentionGradients {
  MatRef<T> dH, dkeys, ds;
  MatRef<T> dcoverage = no_output<T>();
};

GENATTN_NAMESPACE_END
