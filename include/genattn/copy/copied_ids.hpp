// genattn/copy/copied_ids.hpp: how the decoder reads a copied word.
//
// A copy model's targets and hypotheses hold ids in the extended vocabulary:
// 0..V-1 the target vocabulary, V..V+extra-1 words copied from the source.
// The decoder's embedding knows only the first V, so its input reads each
// copied word as <unk> (See et al. 2017, section 2.2); training's batches
// (seq2seq/batch.hpp) and decoding's steps (Seq2Seq::step) both map ids so.
#pragma once

#include "genattn/core/types.hpp"

GENATTN_NAMESPACE_BEGIN

/// Replaces each id in vocab..vocab+extra-1 by `unk`. Other ids stay as they
/// are: one above the extended vocabulary is for the embedding to refuse.
inline void read_copied_as_unk(TokenIds& ids, Index vocab, Index extra, TokenId unk) {
  for (TokenId& w : ids)
    if (w >= vocab && w < vocab + extra) w = unk;
}

GENATTN_NAMESPACE_END
