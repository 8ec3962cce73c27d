// genattn/seq2seq/batch.hpp: a padded batch of (source, target) pairs in
// genattn's layout (position-ordered ids, index t*B + b).
//
//   src      x_1 .. x_n                    (Ts = longest source)
//   tgt_in   <s> y_1 .. y_m                (Tt = longest target + 1)
//   tgt_out  y_1 .. y_m </s>               padding where tgt_in is padding
// A copy model's batch (make_copy_batch) also holds
//   src_ext  x_1 .. x_n in the target's extended vocabulary (pipeline/extended_vocabulary.hpp)
// and its targets are extended ids (a copied word keeps its id >= V in
// tgt_out; tgt_in, the decoder's input, holds <unk> for it).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "genattn/copy/copied_ids.hpp"
#include "genattn/core/check.hpp"

GENATTN_NAMESPACE_BEGIN

struct Seq2SeqBatch {
  Index batch = 0, src_time = 0, tgt_time = 0;
  TokenIds src;         ///< Ts*B
  Lengths src_lengths;  ///< B
  TokenIds tgt_in;      ///< Tt*B
  TokenIds tgt_out;     ///< Tt*B
  Lengths tgt_lengths;  ///< B (each m + 1)
  TokenIds src_ext;     ///< Ts*B: copy models only (else empty)
  Index extra = 0;      ///< extended ids in use above the target vocabulary (copy)
};

/// Pads sources and targets into a batch. Every source needs at least one
/// token; targets may be empty (the model then learns to stop at once).
inline Seq2SeqBatch make_batch(const std::vector<TokenIds>& sources, const std::vector<TokenIds>& targets,
                               const SpecialIds& ids = {}) {
  static constexpr const char* where = "make_batch";
  check_arg(!sources.empty(), where, "the batch is empty");
  check_arg(sources.size() == targets.size(), where,
            std::to_string(sources.size()) + " sources but " + std::to_string(targets.size()) + " targets");
  Seq2SeqBatch b;
  b.batch = static_cast<Index>(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    check_arg(!sources[i].empty(), where, "source " + std::to_string(i) + " is empty");
    b.src_time = std::max(b.src_time, static_cast<Index>(sources[i].size()));
    b.tgt_time = std::max(b.tgt_time, static_cast<Index>(targets[i].size()) + 1);
  }
  const auto B = static_cast<std::size_t>(b.batch);
  b.src.assign(static_cast<std::size_t>(b.src_time) * B, ids.pad);
  b.tgt_in.assign(static_cast<std::size_t>(b.tgt_time) * B, ids.pad);
  b.tgt_out.assign(static_cast<std::size_t>(b.tgt_time) * B, ids.pad);
  for (std::size_t i = 0; i < B; ++i) {
    const auto& s = sources[i];
    const auto& t = targets[i];
    for (std::size_t j = 0; j < s.size(); ++j) b.src[j * B + i] = s[j];
    b.tgt_in[i] = ids.bos;
    for (std::size_t j = 0; j < t.size(); ++j) {
      b.tgt_in[(j + 1) * B + i] = t[j];
      b.tgt_out[j * B + i] = t[j];
    }
    b.tgt_out[t.size() * B + i] = ids.eos;
    b.src_lengths.push_back(static_cast<Index>(s.size()));
    b.tgt_lengths.push_back(static_cast<Index>(t.size()) + 1);
  }
  return b;
}

/// A batch for a copy model: `sources` in the source vocabulary (the
/// encoder's input), `sources_ext` the same words in the target's extended
/// vocabulary, `targets_ext` extended ids; `tgt_vocab` is V.
inline Seq2SeqBatch make_copy_batch(const std::vector<TokenIds>& sources, const std::vector<TokenIds>& sources_ext,
                                    const std::vector<TokenIds>& targets_ext, Index tgt_vocab,
                                    const SpecialIds& ids = {}) {
  static constexpr const char* where = "make_copy_batch";
  Seq2SeqBatch b = make_batch(sources, targets_ext, ids);
  check_arg(sources_ext.size() == sources.size(), where,
            std::to_string(sources.size()) + " sources but " + std::to_string(sources_ext.size()) +
                " extended sources");
  const auto B = static_cast<std::size_t>(b.batch);
  b.src_ext.assign(b.src.size(), ids.pad);
  Index top = tgt_vocab - 1;
  for (std::size_t i = 0; i < B; ++i) {
    check_arg(sources_ext[i].size() == sources[i].size(), where,
              "extended source " + std::to_string(i) + " has " + std::to_string(sources_ext[i].size()) +
                  " ids, the source " + std::to_string(sources[i].size()));
    for (std::size_t j = 0; j < sources_ext[i].size(); ++j) {
      const TokenId w = sources_ext[i][j];
      if (w < 0) throw std::invalid_argument(std::string(where) + ": extended source " + std::to_string(i) + " holds a negative id");
      b.src_ext[j * B + i] = w;
      top = std::max<Index>(top, w);
    }
  }
  for (TokenId w : b.tgt_out) top = std::max<Index>(top, w);
  b.extra = top - tgt_vocab + 1;
  read_copied_as_unk(b.tgt_in, tgt_vocab, b.extra, ids.unk);  // tgt_in's ids are tgt_out's, and <s>
  return b;
}

/// Items [begin, end) of `b`, trimmed to their own longest source and target
/// (so a shard of short items does not carry the batch's padding).
inline Seq2SeqBatch slice_batch(const Seq2SeqBatch& b, Index begin, Index end) {
  check_arg(0 <= begin && begin < end && end <= b.batch, "slice_batch",
            "items [" + std::to_string(begin) + ", " + std::to_string(end) + ") are not inside a batch of " +
                std::to_string(b.batch));
  Seq2SeqBatch s;
  s.batch = end - begin;
  const auto lo = static_cast<std::size_t>(begin), hi = static_cast<std::size_t>(end);
  s.src_lengths.assign(b.src_lengths.begin() + static_cast<long>(lo), b.src_lengths.begin() + static_cast<long>(hi));
  s.tgt_lengths.assign(b.tgt_lengths.begin() + static_cast<long>(lo), b.tgt_lengths.begin() + static_cast<long>(hi));
  s.src_time = *std::max_element(s.src_lengths.begin(), s.src_lengths.end());
  s.tgt_time = *std::max_element(s.tgt_lengths.begin(), s.tgt_lengths.end());
  const auto B = static_cast<std::size_t>(b.batch), n = hi - lo;
  auto cut = [&](const TokenIds& from, Index time, TokenIds& to) {
    to.resize(static_cast<std::size_t>(time) * n);
    for (std::size_t t = 0; t < static_cast<std::size_t>(time); ++t)
      for (std::size_t i = 0; i < n; ++i) to[t * n + i] = from[t * B + lo + i];
  };
  cut(b.src, s.src_time, s.src);
  cut(b.tgt_in, s.tgt_time, s.tgt_in);
  cut(b.tgt_out, s.tgt_time, s.tgt_out);
  if (!b.src_ext.empty()) cut(b.src_ext, s.src_time, s.src_ext);
  s.extra = b.extra;
  return s;
}

GENATTN_NAMESPACE_END
