// genattn/seq2seq/decoding_state.hpp: what decoding carries from step to
// step (Seq2Seq::encode, start and step; decode/search.hpp).
//
//   DecodingMemory     the encoded source: H, the attention keys, the map of
//                      source items, the bridge's start states (and, for a
//                      copy model, each item's extended ids)
//   DecodingState      N hypotheses: per decoder layer (h, c), the previous
//                      context z (input feeding), the coverage c_t; column k
//                      is hypothesis k, which search copies and reorders
//   DecodingWorkspace  one step's buffers, reused across steps, and how the
//                      step multiplies (packed weights, threads)
#pragma once

#include <memory>
#include <vector>

#include "genattn/copy/copy_distribution.hpp"
#include "genattn/rnn/lstm.hpp"
#include "genattn/seq2seq/decoder.hpp"

GENATTN_NAMESPACE_BEGIN

/// The encoded source of a batch, shared by every decoding hypothesis
/// (Seq2Seq::encode).
template <class T>
struct DecodingMemory {
  Mat<T> H, keys;
  SourceMap map;                   ///< identity over the source batch
  std::vector<LstmState<T>> init;  ///< bridge output, one column per source item
  std::vector<std::vector<TokenId>> ext;  ///< copy: each source item's extended ids, position by position
  Index extra = 0;                 ///< copy: extended ids above the target vocabulary
};

/// A decoding state for a set of hypotheses: a value type that search can
/// copy and reorder (column k = hypothesis k).
template <class T>
struct DecodingState {
  std::vector<LstmState<T>> layers;  ///< per decoder layer, S x N
  Mat<T> z;                          ///< previous context, K x N
  Mat<T> coverage;                   ///< coverage: c of each hypothesis, Ts x N (else empty)
  SourceMap map;                     ///< hypothesis -> source item

  Index size() const { return map.queries(); }
  /// Hypotheses b..b+n-1 as a state of their own, into `out`.
  void copy_columns(Index b, Index n, DecodingState& out) const {
    std::vector<Index> rows(static_cast<std::size_t>(n));
    for (Index k = 0; k < n; ++k) rows[static_cast<std::size_t>(k)] = b + k;
    out.map = map.select(rows);
    out.layers.resize(layers.size());
    for (std::size_t l = 0; l < layers.size(); ++l) {
      out.layers[l].h = layers[l].h.middleCols(b, n);
      out.layers[l].c = layers[l].c.middleCols(b, n);
    }
    out.z = z.middleCols(b, n);
    if (coverage.size() != 0)
      out.coverage = coverage.middleCols(b, n);
    else
      out.coverage.resize(0, 0);
  }
  /// Writes `part`'s states back as hypotheses b, b+1, ... (map unchanged).
  void set_columns(Index b, const DecodingState& part) {
    const Index n = part.size();
    for (std::size_t l = 0; l < layers.size(); ++l) {
      layers[l].h.middleCols(b, n) = part.layers[l].h;
      layers[l].c.middleCols(b, n) = part.layers[l].c;
    }
    z.middleCols(b, n) = part.z;
    if (coverage.size() != 0) coverage.middleCols(b, n) = part.coverage;
  }
  /// Keeps hypotheses rows[0], rows[1], ... (in that order; repeats allowed).
  void reorder(const std::vector<Index>& rows) {
    map = map.select(rows);  // validates rows
    auto pick = [&](Mat<T>& m) {
      Mat<T> out(m.rows(), static_cast<Index>(rows.size()));
      for (std::size_t k = 0; k < rows.size(); ++k) out.col(static_cast<Index>(k)) = m.col(rows[k]);
      m.swap(out);
    };
    for (auto& s : layers) {
      pick(s.h);
      pick(s.c);
    }
    pick(z);
    if (coverage.size() != 0) pick(coverage);
  }
};

/// The weights decoding multiplies by, packed once per parameter values at
/// a precision (Seq2Seq::pack): the decoder's per-step weights, the encoder's
/// W_x and W_h (per layer and direction), and the additive score's W_h (the
/// keys). Read-only: many decoders share one.
template <class T>
struct DecodingWeights {
  typename Decoder<T>::Packed decoder;
  typename Lstm<T>::Packed encoder;
  PackedWeights<T> keys;
  Precision precision = Precision::float32;

  /// Bytes the packed weights take (panels padded to whole panels, with
  /// int8's row scales and sums).
  std::size_t bytes() const {
    std::size_t n = decoder.query.bytes() + decoder.combine.bytes() + decoder.out.bytes() + keys.bytes();
    for (const auto& cell : decoder.cells) n += cell.W.bytes();
    for (const auto& layer : encoder) n += layer.W_x.bytes() + layer.W_h.bytes();
    return n;
  }
};

/// Workspaces of Seq2Seq::step; reuse one across steps. `packed` and
/// `threads` say how the step multiplies: with weights packed from the same
/// parameter buffer (Seq2Seq::pack; null: Eigen's products), and the output
/// layer's product on that many threads (packed only).
template <class T>
struct DecodingWorkspace {
  using Packed = DecodingWeights<T>;
  const Packed* packed = nullptr;
  int threads = 1;
  /// A split step's shares, one per thread (each with its hypotheses'
  /// state and outputs in `part_*`).
  std::vector<std::unique_ptr<DecodingWorkspace>> parts;
  DecodingState<T> part_state;
  TokenIds part_prev;
  Mat<T> part_alignment;
  typename Decoder<T>::StepSaved saved;  ///< the step's activations (its alignment, scores)
  typename Decoder<T>::StepWorkspace step;
  Mat<T> emb, x, sz, o, gate, o_logits;
  TokenIds inputs;
  CopyTerms<T> terms;
  std::vector<LstmState<T>> next;
  std::vector<MatRef<T>> next_h, next_c;  ///< views of `next`
};

GENATTN_NAMESPACE_END
