// genattn/attention/source_map.hpp: which source sequence each query column
// attends to.
//
// The memory H of a source batch is K x (Ts*Bs). Query column b (a sentence
// in training, a hypothesis in search) attends to source item item[b], whose
// first length[b] positions are real. In training item is the identity; in
// beam search all beams of a sentence point at the same item, so the memory
// and its keys are computed once and shared.
#pragma once

#include <string>
#include <vector>

#include "genattn/core/check.hpp"

GENATTN_NAMESPACE_BEGIN

struct SourceMap {
  Index source_batch = 0;     ///< Bs
  Index source_time = 0;      ///< Ts
  std::vector<Index> item;    ///< per query column: its source item in 0..Bs-1
  std::vector<Index> length;  ///< per query column: that item's length

  Index queries() const { return static_cast<Index>(item.size()); }

  /// Identity map of a source batch with these lengths (T*B columns).
  static SourceMap identity(const Lengths& lengths, Index source_time) {
    SourceMap m;
    m.source_batch = static_cast<Index>(lengths.size());
    m.source_time = source_time;
    m.length = lengths;
    for (Index b = 0; b < m.source_batch; ++b) m.item.push_back(b);
    return m;
  }

  /// The map whose column k is this map's column rows[k] (beam reordering).
  SourceMap select(const std::vector<Index>& rows) const {
    SourceMap m;
    m.source_batch = source_batch;
    m.source_time = source_time;
    for (Index r : rows) {
      check_arg(r >= 0 && r < queries(), "SourceMap::select",
                "row " + std::to_string(r) + " is outside 0.." + std::to_string(queries() - 1));
      m.item.push_back(item[static_cast<std::size_t>(r)]);
      m.length.push_back(length[static_cast<std::size_t>(r)]);
    }
    return m;
  }

  /// Column of memory position j of query column b.
  Index column(Index j, Index b) const { return j * source_batch + item[static_cast<std::size_t>(b)]; }
};

GENATTN_NAMESPACE_END
