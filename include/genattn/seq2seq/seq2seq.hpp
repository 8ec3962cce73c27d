// genattn/seq2seq/seq2seq.hpp: the attention-based encoder-decoder.
//
//   X = emb_src(x)                           (dropout in training)
//   H = BiLSTM(X)                            memory, 2H_enc x Ts*B (rnn/lstm.hpp)
//   keys = attention keys of H               once per batch
//   (h0, c0) per decoder layer = Bridge(final states of the encoder's top layer)
//   Y = emb_tgt(<s> y_1 .. y_m)              (dropout in training)
//   logits = Decoder(Y, H)                   (seq2seq/decoder.hpp)
//   J = softmax cross-entropy (seq2seq/loss.hpp), averaged over target tokens
//
// Pointer-generator with coverage (See et al. 2017), each switched on in the
// config:
//   copy      J = -log P(y) of the final distribution over the extended
//             vocabulary (copy/copy_loss.hpp), from the logits, the gate g
//             and the attention scores
//   coverage  the attention reads c_t = sum_{t'<t} a_t', and
//             J += coverage_weight * 1/N sum_{counted t} sum_j min(a_tj, c_tj)
//             (attention/coverage.hpp)
//
// loss_and_backward (training's) and evaluate run the output layer and J a
// chunk of target steps at a time (LossConfig::chunk_logits), each chunk's
// output-layer backward right after its loss, so that V x Tt*B logits never
// exist at once.
//
// backward chains the modules' derivatives in reverse: decoder (giving dH,
// dkeys, dY, d(h0, c0)), attention keys (adding to dH), bridge (giving the
// encoder's final-state gradients), encoder (giving dX), embeddings.
//
// The model owns its ParamLayout; values, gradients and optimizer state are
// ParamBuffers the caller holds, so one const model serves many threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "genattn/attention/coverage.hpp"
#include "genattn/copy/copy_loss.hpp"
#include "genattn/core/embedding.hpp"
#include "genattn/core/init.hpp"
#include "genattn/core/instances.hpp"
#include "genattn/core/parallel.hpp"
#include "genattn/rnn/lstm.hpp"
#include "genattn/seq2seq/batch.hpp"
#include "genattn/seq2seq/bridge.hpp"
#include "genattn/seq2seq/config.hpp"
#include "genattn/seq2seq/decoder.hpp"
#include "genattn/seq2seq/decoding_state.hpp"
#include "genattn/seq2seq/loss.hpp"

GENATTN_NAMESPACE_BEGIN

template <class T>
class Seq2Seq {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  /// The source side's forward, one pipeline for training (loss) and
  /// decoding (encode): X = emb_src(x) (dropout in training), H = BiLSTM(X),
  /// the attention keys of H, and the bridge's start states of the decoder.
  struct SourcePass {
    Mat<T> x, mask;                  ///< embedded source; its dropout mask (empty without dropout)
    typename Lstm<T>::Cache encoder;  ///< H = Lstm<T>::output(encoder)
    Mat<T> keys;
    SourceMap map;                   ///< identity over the source batch
    std::vector<LstmState<T>> init;  ///< per decoder layer
    typename Bridge<T>::Cache bridge;
  };

  /// A training pass: what loss() saves, which backward only reads, and
  /// the scratch space both use (ws).
  struct Cache {
    SourcePass source;
    Mat<T> tgt_x, tgt_mask;
    typename Decoder<T>::Saved decoder;
    typename Decoder<T>::Extra extra;  ///< copy and coverage gradients for backward
    std::vector<std::vector<TokenId>> ext_of;  ///< copy: each source's extended ids (source_extended_ids)
    Mat<T> dlogits;                    ///< loss()'s dJ/dlogits, V x Tt*B (the logits stay in decoder.logits)
    LossValue loss;
    struct Workspace {
      typename Decoder<T>::Workspace decoder;
      Mat<T> chunk;  ///< loss_and_backward's and evaluate's: a chunk's logits, then dJ/dlogits
      Mat<T> dH, dkeys, dsrc_x, dtgt_x, dh_in, dc_in;
      std::vector<LstmState<T>> d_init, d_final;
    } ws;
  };

  /// Decoding's types (seq2seq/decoding_state.hpp): the encoded source, a
  /// set of hypotheses' state, the decoder's per-step weights packed for
  /// decoding, and step()'s workspaces.
  using Memory = DecodingMemory<T>;
  using DecoderState = DecodingState<T>;
  using Packed = DecodingWeights<T>;
  using StepWorkspace = DecodingWorkspace<T>;

  explicit Seq2Seq(const Seq2SeqConfig& config)
      : config_((config.validate(), config)),
        src_embed_(layout_, config.shared_embeddings ? "embed" : "src_embed", config.src_vocab, config.embedding,
                   config.ids.pad),
        tgt_embed_(config.shared_embeddings ? src_embed_
                                            : Embedding<T>(layout_, "tgt_embed", config.tgt_vocab, config.embedding,
                                                           config.ids.pad)),
        encoder_(layout_, "encoder", config.embedding, config.encoder_hidden, config.encoder_layers),
        bridge_(layout_, "bridge", 2 * config.encoder_hidden, config.decoder_hidden, config.decoder_layers),
        decoder_(layout_, "decoder",
                 DecoderConfig{config.embedding, 2 * config.encoder_hidden, config.decoder_hidden,
                               config.decoder_layers, config.tgt_vocab, config.attention, config.attention_hidden,
                               config.copy, config.coverage}) {}

  const Seq2SeqConfig& config() const { return config_; }
  const ParamLayout& layout() const { return layout_; }

  /// The weights of p packed for decoding at `precision` (float32, bf16 or
  /// int8; core/precision.hpp): the decoder's per-step weights (the cells',
  /// the attention query's, the combine layer's and the output layer's), the
  /// encoder's and the keys'. Pack once per parameter values and share the
  /// result among decoders (it is read-only); repack after p changes: a pack
  /// older than p's version() (any mutable view of p since, e.g. an
  /// optimizer step) is refused.
  Packed pack(const ParamBuffer<T>& p, Precision precision = Precision::float32) const;

  /// Fresh parameters drawn from `seed`.
  ParamBuffer<T> init_params(std::uint64_t seed) const;

  /// Teacher-forced forward and loss over a padded batch. Dropout applies
  /// when `dropout_rng` is given (training). Alignments of every step are in
  /// cache.decoder.alignment (Ts x Tt*B).
  LossValue loss(const ParamBuffer<T>& p, const Seq2SeqBatch& batch, Cache& cache, const LossConfig& loss_config = {},
                 Rng* dropout_rng = nullptr) const;

  /// Adds dJ/dparams of the last loss() call into `grads`.
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const Seq2SeqBatch& batch, Cache& cache) const;

  /// loss() then backward() into `grads`, in one pass that runs the output
  /// layer and the loss a chunk of target steps at a time
  /// (loss_config.chunk_logits): each chunk's logits, then dJ/dlogits in
  /// their place, then the output layer's backward, so that the logits of
  /// every step never exist at once (training's memory). Equal to loss() and
  /// backward() within float rounding: the product's sums are cut
  /// differently. The cache then holds no logits, and backward() refuses it.
  LossValue loss_and_backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const Seq2SeqBatch& batch, Cache& cache,
                              const LossConfig& loss_config = {}, Rng* dropout_rng = nullptr) const;

  /// loss() without dropout or gradients, the output layer and the loss a
  /// chunk at a time as in loss_and_backward (validation's).
  LossValue evaluate(const ParamBuffer<T>& p, const Seq2SeqBatch& batch, Cache& cache,
                     const LossConfig& loss_config = {}) const;

  // ---- decoding ---------------------------------------------------------

  /// Encodes a padded source batch (ids position-ordered, Ts*B). A copy
  /// model also needs `src_ext`: the same positions' extended ids. With
  /// `threads` >= 2 the encoder's two directions run at once. `packed`:
  /// pack() of p, whose precision the encoder's products then take; null:
  /// the parameters in float.
  Memory encode(const ParamBuffer<T>& p, const TokenIds& src, const Lengths& lengths, const TokenIds& src_ext = {},
                int threads = 1, const Packed* packed = nullptr) const;

  /// The start state of hypotheses attending to source items `items` (one per
  /// hypothesis; empty: one per source item, in order).
  DecoderState start(const Memory& m, const std::vector<Index>& items = {}) const;

  /// Ids a step's output can take: V, plus the memory's extended ids for a copy model.
  Index output_size(const Memory& m) const { return config_.tgt_vocab + (config_.copy ? m.extra : 0); }

  /// One decoding step: feeds `prev` (one token per hypothesis), advances
  /// `state`, writes logits (V x N) and, when given, the alignment (Ts x N).
  /// A copy model writes log P of the final distribution over its extended
  /// vocabulary instead ((V + extra) x N), and reads a copied word (an id >=
  /// V) in `prev` as <unk>.
  ///
  /// With packed weights and ws.threads >= 2, the hypotheses are split into
  /// up to that many column ranges, one thread each, up to the output layer;
  /// the output layer's product then splits its rows among the threads (each
  /// reads only its share of the V x S weights). The result is the same bit
  /// for bit: every column's arithmetic is independent of the others', the
  /// packed products do not depend on the batch or the split, and ranges
  /// start at multiples of 16 columns, so each column keeps its place
  /// relative to the 64-byte alignment of its buffers (Eigen's vectorized
  /// sums and exp/tanh peel unaligned heads differently).
  void step(const ParamBuffer<T>& p, const Memory& m, DecoderState& state, const TokenIds& prev, Mat<T>& logits,
            Mat<T>* alignment, StepWorkspace& ws) const;

 private:
  /// step() splits hypotheses at multiples of this many columns.
  static constexpr Index column_block = 16;

  /// step() up to the attentional hidden o (ws.o) and, with copy, the gate
  /// (ws.gate), for the hypotheses of `state`, on this thread (the cells'
  /// products on `threads`). *alignment is sized by the caller.
  void advance(const ParamBuffer<T>& p, const Memory& m, DecoderState& state, const TokenIds& prev,
               Mat<T>* alignment, StepWorkspace& ws, int threads) const;

  /// The output of advance()'s hypotheses (map: theirs) into `logits`
  /// (sized by the caller), the output layer's product on `threads`.
  void emit(const ParamBuffer<T>& p, const Memory& m, const SourceMap& map, StepWorkspace& ws, Mat<T>& logits,
            int threads) const;

  /// A copy model's final distributions (log P over the extended vocabulary)
  /// of advance()'s hypotheses in `ws` (map: theirs), from their output
  /// layer's logits, into logits columns first, first + 1, ...
  void copy_distributions(const Memory& m, const SourceMap& map, const ConstMatRef<T>& o_logits, StepWorkspace& ws,
                          Mat<T>& logits, Index first) const;

  /// x = emb(ids), times a fresh dropout mask when `rng` is given (else the
  /// mask is left empty).
  void embed(const ParamBuffer<T>& p, const Embedding<T>& emb, const TokenIds& ids, Rng* rng, Mat<T>& x,
             Mat<T>& mask) const;

  void check_source_lengths(const char* where, const Lengths& lengths) const;

  /// A copy model's extended ids: one per source position, each id in the
  /// target vocabulary or among the `extra` ones above it.
  void check_copy_ids(const char* where, const char* name, const TokenIds& src, const TokenIds& ext,
                      Index extra) const;

  void check_batch(const char* where, const Seq2SeqBatch& b) const;

  /// The teacher-forced forward that loss(), loss_and_backward() and
  /// evaluate() share, after checking their arguments: the source pipeline,
  /// the target embeddings and the decoder (with the logits of every step
  /// when `logits`, else without); cache.loss is reset to the batch's token
  /// count, and a copy model's cache.ext_of set.
  void forward(const char* where, const ParamBuffer<T>& p, const Seq2SeqBatch& batch, Cache& cache,
               const LossConfig& loss_config, Rng* dropout_rng, bool logits) const;

  /// The loss of the forward's columns first .. first + logits.cols() - 1,
  /// added to cache.loss; dJ/dlogits into `dlogits` (may be the logits'
  /// memory) and, for a copy model, dJ/dg and dJ/de into those columns of
  /// cache.extra, unless `dlogits` is empty.
  void output_loss(const Seq2SeqBatch& batch, Cache& cache, const LossConfig& loss_config, Index first,
                   const ConstMatRef<T>& logits, MatRef<T> dlogits) const;

  /// The chunked output layer and loss of loss_and_backward (grads given)
  /// and evaluate (null), then the coverage term.
  LossValue chunked_loss(const ParamBuffer<T>& p, ParamBuffer<T>* grads, const Seq2SeqBatch& batch, Cache& cache,
                         const LossConfig& loss_config) const;

  /// J += the coverage term (models with coverage), its gradients into
  /// cache.extra.
  void coverage_loss(const Seq2SeqBatch& batch, Cache& cache, const LossConfig& loss_config) const;

  /// backward() below the output layer, whose backward has written
  /// cache.ws.decoder.d_o.
  void backward_below_output(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const Seq2SeqBatch& batch,
                             Cache& cache) const;

  /// The source pipeline (SourcePass) of a padded source batch, with
  /// dropout when `rng` is given; the encoder's directions and the keys'
  /// product on `threads`.
  void encode_source(const ParamBuffer<T>& p, const TokenIds& src, const Lengths& lengths, Rng* rng, SourcePass& out,
                     int threads, const Packed* packed = nullptr) const;

  ParamLayout layout_;
  Seq2SeqConfig config_;
  Embedding<T> src_embed_;
  Embedding<T> tgt_embed_;  ///< a copy of src_embed_'s handles when shared
  BiLstm<T> encoder_;
  Bridge<T> bridge_;
  Decoder<T> decoder_;
};
template <class T>
auto Seq2Seq<T>::pack(const ParamBuffer<T>& p, Precision precision) const -> Packed {
  Packed packed;
  packed.precision = precision;
  decoder_.pack(p, packed.decoder, precision);
  encoder_.pack(p, packed.encoder, precision);
  decoder_.attention().pack_keys(p, packed.keys, precision);
  return packed;
}

template <class T>
auto Seq2Seq<T>::init_params(std::uint64_t seed) const -> ParamBuffer<T> {
  ParamBuffer<T> p(layout_);
  Rng rng(seed);
  genattn::init_params(layout_, p, rng);
  return p;
}

template <class T>
auto Seq2Seq<T>::forward(const char* where, const ParamBuffer<T>& p, const Seq2SeqBatch& batch, Cache& cache,
                         const LossConfig& loss_config, Rng* dropout_rng, bool logits) const -> void {
  check_batch(where, batch);
  if (config_.copy) check_copy_ids(where, "batch.src_ext", batch.src, batch.src_ext, batch.extra);
  check_arg(p.size() == layout_.size(), where,
            "parameter buffer holds " + std::to_string(p.size()) + " scalars, the model needs " +
                std::to_string(layout_.size()));
  check_loss_config(where, loss_config);
  if (config_.copy)
    check_arg(loss_config.label_smoothing == 0.0 && loss_config.entropy_weight == 0.0, where,
              "label smoothing and the entropy weight are not defined for the copy distribution (set both to 0)");
  cache.loss = LossValue{};
  cache.loss.tokens = config_.copy ? count_targets(where, "batch.tgt_out", batch.tgt_out, config_.ids.pad,
                                                   config_.tgt_vocab + batch.extra, "the extended vocabulary")
                                   : count_targets(where, "batch.tgt_out", batch.tgt_out, config_.ids.pad, config_.tgt_vocab,
                                                   "the vocabulary");
  const bool drop = dropout_rng != nullptr && config_.dropout > 0.0;
  SourcePass& src = cache.source;
  encode_source(p, batch.src, batch.src_lengths, drop ? dropout_rng : nullptr, src, 1);
  embed(p, tgt_embed_, batch.tgt_in, drop ? dropout_rng : nullptr, cache.tgt_x, cache.tgt_mask);
  const typename Decoder<T>::Source source{Lstm<T>::output(src.encoder), src.keys, src.map};
  if (logits)
    decoder_.forward(p, source, cache.tgt_x, src.init, cache.decoder, cache.ws.decoder, config_.dropout,
                     drop ? dropout_rng : nullptr);
  else
    decoder_.forward_states(p, source, cache.tgt_x, src.init, cache.decoder, cache.ws.decoder, config_.dropout,
                            drop ? dropout_rng : nullptr);
  if (config_.copy) {
    const Index N = batch.batch * batch.tgt_time;
    cache.extra.gate.resize(1, N);
    cache.extra.scores.resize(src.map.source_time, N);
    cache.ext_of = source_extended_ids(batch.src_ext, src.map, config_.tgt_vocab + batch.extra);
  }
}

template <class T>
auto Seq2Seq<T>::output_loss(const Seq2SeqBatch& batch, Cache& cache, const LossConfig& loss_config, Index first,
                             const ConstMatRef<T>& logits, MatRef<T> dlogits) const -> void {
  const Index n = logits.cols();
  if (config_.copy) {
    // the final distribution's cross-entropy (copy/copy_loss.hpp)
    const auto& d = cache.decoder;
    const bool grads = dlogits.size() != 0;
    copy_cross_entropy_columns<T>(
        {logits, d.gate.middleCols(first, n), d.scores.middleCols(first, n)},
        {cache.source.map, batch.src_ext, batch.extra}, cache.ext_of, batch.tgt_out, first, cache.loss.tokens,
        config_.ids,
        grads ? CopyGradientViews<T>{dlogits, cache.extra.gate.middleCols(first, n),
                                     cache.extra.scores.middleCols(first, n)}
              : CopyGradientViews<T>{no_output<T>(), no_output<T>(), no_output<T>()},
        cache.loss);
  } else {
    // softmax + cross-entropy, fused (seq2seq/loss.hpp)
    softmax_cross_entropy_columns<T>(logits, batch.tgt_out, first, cache.loss.tokens, config_.ids.pad, loss_config,
                                     dlogits, cache.loss);
  }
}

template <class T>
auto Seq2Seq<T>::coverage_loss(const Seq2SeqBatch& batch, Cache& cache, const LossConfig& loss_config) const -> void {
  if (!config_.coverage) return;
  // J += lambda/N sum_{counted t,b} sum_j min(a_tjb, c_tjb) (attention/coverage.hpp)
  const CoverageTerm cov = coverage_term<T>(cache.decoder.alignment, cache.decoder.coverage, batch.src_lengths,
                                            batch.tgt_out, config_.ids.pad, cache.loss.tokens,
                                            loss_config.coverage_weight, cache.extra.alignment, cache.extra.coverage);
  cache.loss.coverage = cov.coverage;
  cache.loss.loss += cov.loss;
}

template <class T>
auto Seq2Seq<T>::loss(const ParamBuffer<T>& p, const Seq2SeqBatch& batch, Cache& cache, const LossConfig& loss_config,
                      Rng* dropout_rng) const -> LossValue {
  forward("Seq2Seq::loss", p, batch, cache, loss_config, dropout_rng, true);
  const Mat<T>& logits = cache.decoder.logits;
  cache.dlogits.resize(logits.rows(), logits.cols());
  output_loss(batch, cache, loss_config, 0, logits, cache.dlogits);
  coverage_loss(batch, cache, loss_config);
  return cache.loss;
}

template <class T>
auto Seq2Seq<T>::chunked_loss(const ParamBuffer<T>& p, ParamBuffer<T>* grads, const Seq2SeqBatch& batch, Cache& cache,
                              const LossConfig& loss_config) const -> LossValue {
  const Index B = batch.batch, steps = batch.tgt_time, V = config_.tgt_vocab;
  // whole steps, at least one, at most chunk_logits logits (0: all steps)
  const Index per_chunk =
      loss_config.chunk_logits == 0 ? steps : std::clamp<Index>(loss_config.chunk_logits / (V * B), 1, steps);
  cache.dlogits.resize(0, 0);  // backward() has nothing to read
  Mat<T>& chunk = cache.ws.chunk;
  chunk.resize(V, per_chunk * B);
  for (Index t = 0; t < steps; t += per_chunk) {
    const Index first = t * B, n = std::min(per_chunk, steps - t) * B;
    auto c = chunk.leftCols(n);
    decoder_.logits(p, cache.decoder, first, c);
    if (grads == nullptr) {
      output_loss(batch, cache, loss_config, first, c, no_output<T>());
      continue;
    }
    // dJ/dlogits in the logits' place, then the output layer's backward
    output_loss(batch, cache, loss_config, first, c, c);
    decoder_.output_backward(p, *grads, cache.decoder, first, c, cache.ws.decoder);
  }
  coverage_loss(batch, cache, loss_config);
  if (grads != nullptr) backward_below_output(p, *grads, batch, cache);
  return cache.loss;
}

template <class T>
auto Seq2Seq<T>::loss_and_backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const Seq2SeqBatch& batch,
                                   Cache& cache, const LossConfig& loss_config, Rng* dropout_rng) const -> LossValue {
  static constexpr const char* where = "Seq2Seq::loss_and_backward";
  check_arg(grads.size() == layout_.size(), where,
            "gradient buffer holds " + std::to_string(grads.size()) + " scalars, the model needs " +
                std::to_string(layout_.size()));
  forward(where, p, batch, cache, loss_config, dropout_rng, false);
  return chunked_loss(p, &grads, batch, cache, loss_config);
}

template <class T>
auto Seq2Seq<T>::evaluate(const ParamBuffer<T>& p, const Seq2SeqBatch& batch, Cache& cache,
                          const LossConfig& loss_config) const -> LossValue {
  forward("Seq2Seq::evaluate", p, batch, cache, loss_config, nullptr, false);
  return chunked_loss(p, nullptr, batch, cache, loss_config);
}

template <class T>
auto Seq2Seq<T>::backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const Seq2SeqBatch& batch, Cache& cache) const
    -> void {
  static constexpr const char* where = "Seq2Seq::backward";
  check_arg(grads.size() == layout_.size(), where,
            "gradient buffer holds " + std::to_string(grads.size()) + " scalars, the model needs " +
                std::to_string(layout_.size()));
  check_arg(cache.decoder.steps == batch.tgt_time && cache.decoder.batch == batch.batch &&
                cache.dlogits.cols() == batch.tgt_time * batch.batch && cache.dlogits.cols() > 0,
            where, "the cache does not hold this batch's forward (call loss first)");
  decoder_.output_backward(p, grads, cache.decoder, 0, cache.dlogits, cache.ws.decoder);
  backward_below_output(p, grads, batch, cache);
}

template <class T>
auto Seq2Seq<T>::backward_below_output(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const Seq2SeqBatch& batch,
                                       Cache& cache) const -> void {
  SourcePass& src = cache.source;
  auto& ws = cache.ws;
  const Mat<T>& H = Lstm<T>::output(src.encoder);
  ws.dH.setZero(H.rows(), H.cols());
  ws.dkeys.setZero(src.keys.rows(), src.keys.cols());
  ws.dtgt_x.setZero(cache.tgt_x.rows(), cache.tgt_x.cols());
  decoder_.backward_below_output(p, grads, {H, src.keys, src.map}, cache.decoder, &cache.extra,
                                 {ws.dH, ws.dkeys, ws.dtgt_x, ws.d_init}, ws.decoder);
  decoder_.attention().keys_backward(p, grads, H, ws.dkeys, ws.dH);
  if (cache.tgt_mask.size() != 0) ws.dtgt_x.array() *= cache.tgt_mask.array();
  tgt_embed_.backward(grads, batch.tgt_in, ws.dtgt_x);
  // bridge -> encoder top layer's final states
  const Index Hs = config_.encoder_hidden, B = batch.batch, L = config_.encoder_layers;
  ws.dh_in.setZero(2 * Hs, B);
  ws.dc_in.setZero(2 * Hs, B);
  bridge_.backward(p, grads, src.init, ws.d_init, ws.dh_in, ws.dc_in, src.bridge);
  ws.d_final.assign(static_cast<std::size_t>(2 * L), LstmState<T>::zeros(Hs, B));
  for (Index d = 0; d < 2; ++d) {
    auto& s = ws.d_final[static_cast<std::size_t>((L - 1) * 2 + d)];
    s.h = ws.dh_in.middleRows(d * Hs, Hs);
    s.c = ws.dc_in.middleRows(d * Hs, Hs);
  }
  ws.dsrc_x.setZero(src.x.rows(), src.x.cols());
  encoder_.backward(p, grads, src.x, src.encoder, ws.dH, &ws.d_final, ws.dsrc_x);
  if (src.mask.size() != 0) ws.dsrc_x.array() *= src.mask.array();
  src_embed_.backward(grads, batch.src, ws.dsrc_x);
}

template <class T>
auto Seq2Seq<T>::encode(const ParamBuffer<T>& p, const TokenIds& src, const Lengths& lengths, const TokenIds& src_ext,
                        int threads, const Packed* packed) const -> Memory {
  static constexpr const char* where = "Seq2Seq::encode";
  if (packed != nullptr) decoder_.check_packed(where, p, packed->decoder);
  check_lengths(where, "lengths", lengths, static_cast<Index>(src.size()));
  check_source_lengths(where, lengths);
  Memory m;
  if (config_.copy) {
    Index top = config_.tgt_vocab - 1;
    for (TokenId w : src_ext) top = std::max<Index>(top, w);
    m.extra = top - config_.tgt_vocab + 1;
    check_copy_ids(where, "src_ext", src, src_ext, m.extra);
  }
  SourcePass pass;
  encode_source(p, src, lengths, nullptr, pass, threads, packed);
  m.H = Lstm<T>::output(pass.encoder);
  m.keys.swap(pass.keys);
  m.map = std::move(pass.map);
  m.init = std::move(pass.init);
  if (config_.copy) m.ext = source_extended_ids(src_ext, m.map, config_.tgt_vocab + m.extra);
  return m;
}

template <class T>
auto Seq2Seq<T>::start(const Memory& m, const std::vector<Index>& items) const -> DecoderState {
  std::vector<Index> rows = items;
  if (rows.empty())
    for (Index b = 0; b < m.map.queries(); ++b) rows.push_back(b);
  DecoderState s;
  s.map = m.map.select(rows);
  s.layers = m.init;
  for (auto& l : s.layers) {
    Mat<T> h(l.h.rows(), static_cast<Index>(rows.size())), c(l.c.rows(), static_cast<Index>(rows.size()));
    for (std::size_t k = 0; k < rows.size(); ++k) {
      h.col(static_cast<Index>(k)) = l.h.col(rows[k]);
      c.col(static_cast<Index>(k)) = l.c.col(rows[k]);
    }
    l.h.swap(h);
    l.c.swap(c);
  }
  s.z.setZero(2 * config_.encoder_hidden, static_cast<Index>(rows.size()));
  if (config_.coverage) s.coverage.setZero(m.map.source_time, static_cast<Index>(rows.size()));  // c_0 = 0
  return s;
}

template <class T>
auto Seq2Seq<T>::step(const ParamBuffer<T>& p, const Memory& m, DecoderState& state, const TokenIds& prev,
                      Mat<T>& logits, Mat<T>* alignment, StepWorkspace& ws) const -> void {
  static constexpr const char* where = "Seq2Seq::step";
  const Index N = state.size(), S = config_.decoder_hidden;
  check_arg(static_cast<Index>(prev.size()) == N, where,
            "argument 'prev' has " + std::to_string(prev.size()) + " tokens, expected one per hypothesis (" +
                std::to_string(N) + ")");
  logits.resize(output_size(m), N);
  if (alignment != nullptr) alignment->resize(m.map.source_time, N);
  const Index parts = ws.packed != nullptr ? std::min<Index>(ws.threads, N / column_block) : 1;
  if (parts <= 1) {
    advance(p, m, state, prev, alignment, ws, ws.threads);
    emit(p, m, state.map, ws, logits, ws.threads);
    return;
  }
  while (static_cast<Index>(ws.parts.size()) < parts) ws.parts.push_back(std::make_unique<StepWorkspace>());
  auto first = [&](Index k) { return k == parts ? N : N * k / parts / column_block * column_block; };
  parallel_for(parts, [&](Index k) {
    StepWorkspace& part = *ws.parts[static_cast<std::size_t>(k)];
    const Index b = first(k), n = first(k + 1) - b;
    part.packed = ws.packed;
    state.copy_columns(b, n, part.part_state);
    part.part_prev.assign(prev.begin() + b, prev.begin() + b + n);
    if (alignment != nullptr) part.part_alignment.resize(m.map.source_time, n);
    advance(p, m, part.part_state, part.part_prev, alignment != nullptr ? &part.part_alignment : nullptr, part, 1);
  });
  ws.o.resize(S, N);
  for (Index k = 0; k < parts; ++k) {
    const StepWorkspace& part = *ws.parts[static_cast<std::size_t>(k)];
    const Index b = first(k);
    state.set_columns(b, part.part_state);
    ws.o.middleCols(b, part.o.cols()) = part.o;
    if (alignment != nullptr) alignment->middleCols(b, part.part_alignment.cols()) = part.part_alignment;
  }
  // the output layer over all N columns, its rows split among the threads
  if (!config_.copy) {
    decoder_.output(p, ws.o, logits, ws.packed->decoder, ws.threads);
    return;
  }
  ws.o_logits.resize(config_.tgt_vocab, N);
  decoder_.output(p, ws.o, ws.o_logits, ws.packed->decoder, ws.threads);
  parallel_for(parts, [&](Index k) {
    StepWorkspace& part = *ws.parts[static_cast<std::size_t>(k)];
    const Index b = first(k);
    copy_distributions(m, part.part_state.map, ws.o_logits.middleCols(b, part.o.cols()), part, logits, b);
  });
}

template <class T>
auto Seq2Seq<T>::advance(const ParamBuffer<T>& p, const Memory& m, DecoderState& state, const TokenIds& prev,
                         Mat<T>* alignment, StepWorkspace& ws, int threads) const -> void {
  const Index N = state.size(), E = config_.embedding, K = 2 * config_.encoder_hidden, S = config_.decoder_hidden,
              V = config_.tgt_vocab;
  ws.emb.resize(E, N);
  if (config_.copy) {
    ws.inputs = prev;
    read_copied_as_unk(ws.inputs, V, m.extra, config_.ids.unk);
    tgt_embed_.forward(p, ws.inputs, ws.emb);
  } else {
    tgt_embed_.forward(p, prev, ws.emb);
  }
  ws.x.resize(E + K, N);
  ws.x.topRows(E) = ws.emb;
  ws.sz.resize(S + K, N);
  ws.o.resize(S, N);
  ws.next.resize(state.layers.size());
  ws.next_h.clear();
  ws.next_c.clear();
  for (auto& s : ws.next) {
    s.h.resize(S, N);
    s.c.resize(S, N);
    ws.next_h.emplace_back(s.h);
    ws.next_c.emplace_back(s.c);
  }
  // the decoder's one step (training's too): input feeding from state.z,
  // the coverage rolled in place
  typename Decoder<T>::StepIo io{ws.x,           state.z,        state.layers, ws.next_h, ws.next_c,
                                 state.coverage, state.coverage, ws.sz,        ws.o};
  const auto* packed = ws.packed != nullptr ? &ws.packed->decoder : nullptr;
  decoder_.advance(p, {m.H, m.keys, state.map}, io, ws.saved, ws.step, decoder_.weights(p, packed, threads));
  std::swap(state.layers, ws.next);
  state.z = ws.sz.bottomRows(K);
  if (alignment != nullptr) *alignment = ws.saved.attention.a;
  if (config_.copy) decoder_.gate(p, ws.sz, ws.x, ws.gate);
}

template <class T>
auto Seq2Seq<T>::emit(const ParamBuffer<T>& p, const Memory& m, const SourceMap& map, StepWorkspace& ws, Mat<T>& logits,
                      int threads) const -> void {
  auto output = [&](MatRef<T> out) {
    if (ws.packed != nullptr)
      decoder_.output(p, ws.o, out, ws.packed->decoder, threads);
    else
      decoder_.output(p, ws.o, out);
  };
  if (!config_.copy) {
    output(logits);
    return;
  }
  // the final distribution over the extended vocabulary, per hypothesis
  ws.o_logits.resize(config_.tgt_vocab, ws.o.cols());
  output(ws.o_logits);
  copy_distributions(m, map, ws.o_logits, ws, logits, 0);
}

template <class T>
auto Seq2Seq<T>::copy_distributions(const Memory& m, const SourceMap& map, const ConstMatRef<T>& o_logits,
                                    StepWorkspace& ws, Mat<T>& logits, Index first) const -> void {
  for (Index b = 0; b < o_logits.cols(); ++b) {
    const auto& ext = m.ext[static_cast<std::size_t>(map.item[static_cast<std::size_t>(b)])];
    ws.terms.compute(o_logits.col(b), ws.gate(0, b), ws.saved.attention.e.col(b),
                     map.length[static_cast<std::size_t>(b)]);
    ws.terms.log_probs(ext, logits.col(first + b));
  }
}

template <class T>
auto Seq2Seq<T>::embed(const ParamBuffer<T>& p, const Embedding<T>& emb, const TokenIds& ids, Rng* rng, Mat<T>& x,
                       Mat<T>& mask) const -> void {
  x.resize(config_.embedding, static_cast<Index>(ids.size()));
  emb.forward(p, ids, x);
  if (rng != nullptr) {
    dropout_mask<T>(*rng, config_.dropout, x.rows(), x.cols(), mask);
    x.array() *= mask.array();
  } else {
    mask.resize(0, 0);
  }
}

template <class T>
auto Seq2Seq<T>::check_source_lengths(const char* where, const Lengths& lengths) const -> void {
  if (config_.max_source_length <= 0) return;
  for (std::size_t b = 0; b < lengths.size(); ++b)
    check_arg(lengths[b] <= config_.max_source_length, where,
              "source " + std::to_string(b) + " has " + std::to_string(lengths[b]) +
                  " tokens, more than max_source_length = " + std::to_string(config_.max_source_length));
}

template <class T>
auto Seq2Seq<T>::check_copy_ids(const char* where, const char* name, const TokenIds& src, const TokenIds& ext,
                                Index extra) const -> void {
  check_arg(ext.size() == src.size(), where,
            std::string("a copy model needs argument '") + name + "' with one extended id per source position (" +
                std::to_string(src.size()) + "), it has " + std::to_string(ext.size()) + " (make_copy_batch fills it)");
  for (TokenId w : ext)
    if (w < 0 || w >= config_.tgt_vocab + extra)
      throw std::invalid_argument(std::string(where) + ": argument '" + name + "' holds id " + std::to_string(w) +
                                  ", outside 0.." + std::to_string(config_.tgt_vocab + extra - 1));
}

template <class T>
auto Seq2Seq<T>::check_batch(const char* where, const Seq2SeqBatch& b) const -> void {
  check_arg(b.batch > 0, where, "the batch is empty");
  check_lengths(where, "batch.src_lengths", b.src_lengths, static_cast<Index>(b.src.size()));
  check_lengths(where, "batch.tgt_lengths", b.tgt_lengths, static_cast<Index>(b.tgt_in.size()));
  check_arg(b.tgt_out.size() == b.tgt_in.size(), where,
            "batch.tgt_out has " + std::to_string(b.tgt_out.size()) + " ids, batch.tgt_in " +
                std::to_string(b.tgt_in.size()));
  check_source_lengths(where, b.src_lengths);
  for (std::size_t i = 0; i < b.tgt_lengths.size(); ++i) {
    if (config_.max_target_length > 0)
      check_arg(b.tgt_lengths[i] <= config_.max_target_length, where,
                "target " + std::to_string(i) + " has " + std::to_string(b.tgt_lengths[i]) +
                    " tokens (with </s>), more than max_target_length = " + std::to_string(config_.max_target_length));
  }
}

template <class T>
auto Seq2Seq<T>::encode_source(const ParamBuffer<T>& p, const TokenIds& src, const Lengths& lengths, Rng* rng,
                               SourcePass& out, int threads, const Packed* packed) const -> void {
  embed(p, src_embed_, src, rng, out.x, out.mask);
  encoder_.forward(p, out.x, lengths, out.encoder, nullptr, threads, packed != nullptr ? &packed->encoder : nullptr);
  decoder_.attention().keys_forward(p, Lstm<T>::output(out.encoder), out.keys, threads,
                                    packed != nullptr && !packed->keys.empty() ? &packed->keys : nullptr);
  out.map = SourceMap::identity(lengths, static_cast<Index>(src.size()) / static_cast<Index>(lengths.size()));
  // the bridge reads the final states of the encoder's top layer, both directions
  const Index L = config_.encoder_layers, Hs = config_.encoder_hidden;
  const auto& f = encoder_.final_state(out.encoder, L - 1, 0);
  const auto& r = encoder_.final_state(out.encoder, L - 1, 1);
  Mat<T> h_in(2 * Hs, f.h.cols()), c_in(2 * Hs, f.h.cols());
  h_in << f.h, r.h;
  c_in << f.c, r.c;
  bridge_.forward(p, h_in, c_in, out.init, out.bridge);
}

using Seq2Seqf = Seq2Seq<float>;
using Seq2Seqd = Seq2Seq<double>;

// Explicit instances: a program that compiles them once (cmake/GenattnInstances.cmake)
// defines GENATTN_EXTERN_FLOAT and/or GENATTN_EXTERN_DOUBLE, so that its other units
// do not compile them again.
GENATTN_EXTERN_CLASS(Seq2Seq)

GENATTN_NAMESPACE_END
