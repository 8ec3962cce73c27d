// genattn/seq2seq/decoder.hpp: the LSTM decoder that attends at every step.
//
// At step t, for a batch of B queries over an encoded source (memory H, keys):
//   x_t   = [emb(y_{t-1}); z_{t-1}]                 input feeding, z_0 = 0
//   (h^l_t, c^l_t) = LSTM_l(input^l_t, h^l_{t-1}, c^l_{t-1})
//                    input^0_t = x_t, input^l_t = h^{l-1}_t
//   s_t   = h^{L-1}_t
//   z_t   = Attention(H, s_t)                       (attention/attention.hpp)
//   o_t   = tanh(W_c [s_t; z_t] + b_c)              attentional hidden
//   out_t = W_o o_t + b_o                           logits; softmax in loss.hpp
// With coverage, the attention at step t also reads c_t = sum_{t'<t} a_t'
// (attention/coverage.hpp). With copy, the generation gate's logit
//   g_t   = w_z . z_t + w_s . s_t + w_x . x_t + b   (copy/generation_gate.hpp)
// is computed for every step; copy/copy_loss.hpp turns logits, g and the
// attention scores into the final distribution.
//
// One step is Decoder::advance (input feeding, the cells, attention, combine,
// the coverage roll): decoding (Seq2Seq::step) takes it for every step, and
// teacher-forced training runs it in a loop, then the output layer as one
// product over all steps. Backward runs that product's transpose once,
// then steps back in time:
//   d[s_t; z_t] = W_c^T (d o_t * (1 - o_t^2))       (one product over all steps)
//   dz_t += (z_t's share of dx_{t+1})               input feeding
//   ds_t += attention backward of dz_t
//   dh^{L-1}_t += ds_t;  each cell's backward (lstm_cell.hpp) top-down, layer
//   l's input gradient feeding layer l-1's dh; layer 0's splits into demb_t and
//   z_{t-1}'s share.
// The loss's other gradients (Extra) join in: dg through the gate (into
// d[s; z] and dx, before the loop), dL/de_t into the attention's score
// gradient, dL/da_t into its alignment gradient, and coverage's
//   dL/da_t += sum_{t' > t} dL/dc_t'          (carried back in time in dc_acc)
//
// Parameters: <prefix>.l<l>.{W_x,W_h,b}, <prefix>.attention.*, <prefix>.combine.{W,b},
// <prefix>.out.{W,b}, and with copy <prefix>.copy.{w_s,w_z,w_x,b}.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "genattn/attention/attention.hpp"
#include "genattn/copy/generation_gate.hpp"
#include "genattn/core/dropout.hpp"
#include "genattn/core/linear.hpp"
#include "genattn/rnn/lstm_cell.hpp"

GENATTN_NAMESPACE_BEGIN

struct DecoderConfig {
  Index embedding = 0;  ///< E
  Index memory = 0;     ///< K (2 x encoder hidden)
  Index hidden = 0;     ///< S
  Index layers = 1;
  Index vocab = 0;      ///< V (target)
  AttentionKind attention = AttentionKind::additive;
  Index attention_hidden = 0;  ///< additive score's size (0: S)
  bool copy = false;           ///< compute the pointer-generator's gate
  bool coverage = false;       ///< the attention reads the coverage vector
};

template <class T>
class Decoder {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  /// One step's caches (the cells', the attention's) and its layer-0 input.
  struct StepCache {
    std::vector<typename LstmCell<T>::Cache> cell;  ///< per layer
    typename Attention<T>::StepCache attention;
  };

  /// Teacher-forced run over all target steps.
  struct Cache {
    Index steps = 0, batch = 0;
    std::vector<StepCache> step;
    Mat<T> x;                      ///< layer-0 inputs [emb; z_prev], (E+K) x steps*B
    std::vector<Mat<T>> h, c;      ///< per layer, S x steps*B
    Mat<T> sz;                     ///< [s_t; z_t], (S+K) x steps*B
    Mat<T> o;                      ///< attentional hidden after dropout, S x steps*B
    Mat<T> o_mask;                 ///< dropout mask of o (empty: none)
    Mat<T> o_raw;                  ///< tanh output before dropout
    Mat<T> logits;                 ///< V x steps*B
    Mat<T> alignment;              ///< Ts x steps*B: a_t of every step
    Mat<T> scores;                 ///< Ts x steps*B: e_t of every step (copy; padding rows 0)
    Mat<T> coverage;               ///< Ts x steps*B: c_t of every step (coverage)
    Mat<T> gate;                   ///< 1 x steps*B: g_t (copy)
    std::vector<LstmState<T>> init;
    // backward workspaces
    Mat<T> d_o, d_sz, dz_next, dx0, dx_up, dx_gate, dc_acc, dc_t, da_t;
    std::vector<LstmState<T>> d, d_prev;
    std::vector<typename LstmCell<T>::Packed> cells;  ///< cells' W packed (forward), W^T (backward)
    std::vector<LstmState<T>> prev;      ///< forward: the previous step's states
    std::vector<MatRef<T>> next_h, next_c;  ///< forward: views of this step's columns
  };

  /// The per-step weights packed for decoding (core/packed_matrix.hpp): the
  /// cells', the combine layer's and the output layer's. Pack once per
  /// parameter values (Decoder::pack); `source` and `version` record which
  /// buffer, and its ParamBuffer::version() when packed.
  struct Packed {
    std::vector<typename LstmCell<T>::Packed> cells;
    PackedMatrix<T> query;  ///< the additive score's W_s (empty for the others)
    PackedMatrix<T> combine, out;
    const void* source = nullptr;
    std::uint64_t version = 0;
  };

  /// dL/d(other outputs) besides the logits, each steps*B columns (empty: none).
  struct Extra {
    Mat<T> gate;       ///< 1 x steps*B: dL/dg (copy)
    Mat<T> scores;     ///< Ts x steps*B: dL/de (copy)
    Mat<T> alignment;  ///< Ts x steps*B: dL/da (coverage loss)
    Mat<T> coverage;   ///< Ts x steps*B: dL/dc (coverage loss)
  };

  /// One step's tensors: views of the caller's buffers, B columns each.
  /// Training's forward passes the step's columns of its Cache, decoding
  /// (Seq2Seq::step) its hypotheses' state and workspace.
  struct StepIo {
    MatRef<T> x;                            ///< E+K x B: emb_t in rows 0..E-1; receives [emb_t; z_{t-1}]
    ConstMatRef<T> z_prev;                  ///< K x B: z_{t-1} (zeros at the first step)
    const std::vector<LstmState<T>>& prev;  ///< per layer, before the step
    std::vector<MatRef<T>>& next_h;         ///< per layer, after the step (not aliasing prev)
    std::vector<MatRef<T>>& next_c;
    ConstMatRef<T> coverage;                ///< Ts x B: c_t (empty without coverage)
    MatRef<T> coverage_next;                ///< Ts x B: receives c_{t+1} (may be c_t's own buffer; empty: not kept)
    MatRef<T> sz;                           ///< (S+K) x B: receives [s_t; z_t]
    MatRef<T> o;                            ///< S x B: receives o_t (before dropout)
  };

  /// How a step multiplies: with the packed weights given (null: Eigen's
  /// product), the cells' products on `threads`. Chosen once per pass:
  /// training packs the cells alone; decoding packs every per-step weight
  /// (weights(p, packed)) or none.
  struct StepWeights {
    const std::vector<typename LstmCell<T>::Packed>* cells = nullptr;
    const PackedMatrix<T>* combine = nullptr;
    const PackedMatrix<T>* query = nullptr;
    int threads = 1;
  };

  Decoder(ParamLayout& layout, const std::string& prefix, const DecoderConfig& config)
      : config_(config),
        attention_(layout, prefix + ".attention",
                   AttentionConfig{config.attention, config.memory, config.hidden, config.attention_hidden,
                                   config.coverage}),
        combine_(layout, prefix + ".combine", config.hidden + config.memory, config.hidden),
        out_(layout, prefix + ".out", config.hidden, config.vocab) {
    check_arg(config.layers >= 1, "Decoder", "layers = " + std::to_string(config.layers) + ", expected at least 1");
    for (Index l = 0; l < config.layers; ++l)
      cells_.emplace_back(layout, prefix + ".l" + std::to_string(l),
                          l == 0 ? config.embedding + config.memory : config.hidden, config.hidden);
    if (config.copy)
      gate_.emplace(layout, prefix + ".copy", config.hidden, config.memory, config.embedding + config.memory);
  }

  const DecoderConfig& config() const { return config_; }
  const Attention<T>& attention() const { return attention_; }

  /// Packs the per-step weights of p into `packed`.
  void pack(const ParamBuffer<T>& p, Packed& packed) const {
    packed.cells.resize(cells_.size());
    for (std::size_t l = 0; l < cells_.size(); ++l) cells_[l].pack(p, packed.cells[l]);
    attention_.pack_query(p, packed.query);
    combine_.pack(p, packed.combine);
    out_.pack(p, packed.out);
    packed.source = &p;
    packed.version = p.version();
  }

  /// The copy gate's logits g (1 x N) from [s; z] and the inputs x (copy only).
  void gate(const ParamBuffer<T>& p, const ConstMatRef<T>& sz, const ConstMatRef<T>& x, Mat<T>& g) const {
    check_arg(gate_.has_value(), "Decoder::gate", "the decoder has no copy gate (DecoderConfig::copy is off)");
    gate_->forward(p, sz, x, g);
  }

  /// The weights a decoding step uses: every per-step weight from `packed`
  /// (Decoder::pack of p, checked here), or Eigen's products when null.
  StepWeights weights(const ParamBuffer<T>& p, const Packed* packed, int threads = 1) const {
    if (packed == nullptr) return StepWeights{};
    check_packed("Decoder::weights", p, *packed);
    return StepWeights{&packed->cells, &packed->combine, &packed->query, threads};
  }

  /// The one step that training's forward and decoding both take (as
  /// Marian's DecoderS2S::step serves training and beam search):
  ///   x_t     = [emb_t; z_{t-1}]        input feeding
  ///   cells, attention (reading c_t), o_t = tanh(W_c [s_t; z_t] + b_c)   (step)
  ///   c_{t+1} = c_t + a_t               the coverage roll
  void advance(const ParamBuffer<T>& p, const ConstMatRef<T>& H, const ConstMatRef<T>& keys, const SourceMap& map,
               StepIo& io, StepCache& cache, const StepWeights& w) const {
    io.x.bottomRows(config_.memory) = io.z_prev;
    step(p, H, keys, map, io.x, io.prev, io.next_h, io.next_c, io.coverage, io.sz, io.o, cache, w.cells, w.combine,
         w.threads, w.query);
    if (config_.coverage && io.coverage_next.size() != 0) io.coverage_next = io.coverage + cache.attention.a;
  }

  /// Teacher-forced forward over target embeddings `emb` (E x steps*B) from
  /// initial states `init` (per layer). Logits in cache.logits; alignments in
  /// cache.alignment. Dropout on o when `dropout_rng` is given and p > 0.
  void forward(const ParamBuffer<T>& p, const ConstMatRef<T>& H, const ConstMatRef<T>& keys, const SourceMap& map,
               const ConstMatRef<T>& emb, const std::vector<LstmState<T>>& init, Cache& cache, double dropout = 0.0,
               Rng* dropout_rng = nullptr) const {
    static constexpr const char* where = "Decoder::forward";
    const Index B = map.queries(), E = config_.embedding, K = config_.memory, S = config_.hidden;
    check_arg(emb.rows() == E && B > 0 && emb.cols() % B == 0 && emb.cols() > 0, where,
              "argument 'emb' has shape " + detail::shape_string(emb.rows(), emb.cols()) + ", expected " +
                  std::to_string(E) + " x (steps * " + std::to_string(B) + ")");
    check_arg(static_cast<Index>(init.size()) == config_.layers, where,
              "argument 'init' holds " + std::to_string(init.size()) + " states, expected " +
                  std::to_string(config_.layers));
    const Index steps = emb.cols() / B;
    cache.steps = steps;
    cache.batch = B;
    cache.init = init;
    cache.step.resize(static_cast<std::size_t>(steps));
    cache.x.resize(E + K, steps * B);
    cache.x.topRows(E) = emb;
    cache.h.resize(cells_.size());
    cache.c.resize(cells_.size());
    for (std::size_t l = 0; l < cells_.size(); ++l) {
      cache.h[l].resize(S, steps * B);
      cache.c[l].resize(S, steps * B);
    }
    cache.sz.resize(S + K, steps * B);
    cache.o_raw.resize(S, steps * B);
    cache.alignment.setZero(map.source_time, steps * B);
    if (config_.copy) cache.scores.setZero(map.source_time, steps * B);
    if (config_.coverage) cache.coverage.setZero(map.source_time, steps * B);  // c_0 = 0
    std::vector<LstmState<T>>& prev = cache.prev;
    prev = init;
    std::vector<MatRef<T>>& nh = cache.next_h;
    std::vector<MatRef<T>>& nc = cache.next_c;
    cache.cells.resize(cells_.size());
    for (std::size_t l = 0; l < cells_.size(); ++l) cells_[l].pack(p, cache.cells[l]);
    const Mat<T> z0 = Mat<T>::Zero(K, B);  // z_0
    Mat<T> none;
    const StepWeights weights{&cache.cells, nullptr, nullptr, 1};
    for (Index t = 0; t < steps; ++t) {
      nh.clear();
      nc.clear();
      for (std::size_t l = 0; l < cells_.size(); ++l) {
        nh.emplace_back(cache.h[l].middleCols(t * B, B));
        nc.emplace_back(cache.c[l].middleCols(t * B, B));
      }
      StepCache& sc = cache.step[static_cast<std::size_t>(t)];
      const bool coverage = config_.coverage, roll = coverage && t + 1 < steps;
      StepIo io{cache.x.middleCols(t * B, B),
                t == 0 ? ConstMatRef<T>(z0) : ConstMatRef<T>(cache.sz.bottomRows(K).middleCols((t - 1) * B, B)),
                prev,
                nh,
                nc,
                coverage ? ConstMatRef<T>(cache.coverage.middleCols(t * B, B)) : ConstMatRef<T>(no_matrix<T>()),
                roll ? MatRef<T>(cache.coverage.middleCols((t + 1) * B, B)) : MatRef<T>(none),
                cache.sz.middleCols(t * B, B),
                cache.o_raw.middleCols(t * B, B)};
      advance(p, H, keys, map, io, sc, weights);
      const auto& att = sc.attention;
      cache.alignment.middleCols(t * B, B) = att.a;
      if (config_.copy)
        for (Index b = 0; b < B; ++b) {
          const Index n = map.length[static_cast<std::size_t>(b)];
          cache.scores.col(t * B + b).head(n) = att.e.col(b).head(n);
        }
      for (std::size_t l = 0; l < cells_.size(); ++l) {
        prev[l].h = nh[l];
        prev[l].c = nc[l];
      }
    }
    if (dropout_rng != nullptr && dropout > 0.0) {
      dropout_mask<T>(*dropout_rng, dropout, S, steps * B, cache.o_mask);
      cache.o = cache.o_raw.cwiseProduct(cache.o_mask);
    } else {
      cache.o_mask.resize(0, 0);
      cache.o = cache.o_raw;
    }
    // logits for every step: one product
    cache.logits.resize(config_.vocab, steps * B);
    out_.forward(p, cache.o, cache.logits);
    if (gate_) gate_->forward(p, cache.sz, cache.x, cache.gate);
  }

  /// Adds every gradient given dL/dlogits (V x steps*B) and the `extra`
  /// ones (may be null): parameters, dH (skipped when empty), dkeys, demb
  /// (E x steps*B, skipped when empty) and d_init (per layer, overwritten).
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& H, const ConstMatRef<T>& keys,
                const SourceMap& map, Cache& cache, const ConstMatRef<T>& dlogits, MatRef<T> dH, MatRef<T> dkeys,
                MatRef<T> demb, std::vector<LstmState<T>>& d_init, const Extra* extra = nullptr) const {
    const Index B = cache.batch, steps = cache.steps, E = config_.embedding, K = config_.memory,
                S = config_.hidden;
    check_arg(steps > 0, "Decoder::backward", "called before forward");
    check_shape("Decoder::backward", "dlogits", dlogits, config_.vocab, steps * B);
    // dO = W_o^T dlogits (and dW_o, db_o), one product over all steps
    cache.d_o.setZero(S, steps * B);
    out_.backward(p, grads, cache.o, dlogits, cache.d_o);
    if (cache.o_mask.size() != 0) cache.d_o.array() *= cache.o_mask.array();
    // d(pre) = dO * (1 - o^2);  d[s; z] = W_c^T d(pre)
    cache.d_o.array() *= (T(1) - cache.o_raw.array().square());
    cache.d_sz.setZero(S + K, steps * B);
    combine_.backward(p, grads, cache.sz, cache.d_o, cache.d_sz);
    const Index Ts = map.source_time;
    if (gate_ && extra != nullptr && extra->gate.size() != 0) {
      check_shape("Decoder::backward", "extra.gate", extra->gate, 1, steps * B);
      // the gate reads [s_t; z_t] and x_t = [emb_t; z_{t-1}]
      cache.dx_gate.setZero(E + K, steps * B);
      gate_->backward(p, grads, cache.sz, cache.x, extra->gate, cache.d_sz, cache.dx_gate);
      if (demb.size() != 0) demb += cache.dx_gate.topRows(E);
      for (Index t = 1; t < steps; ++t)
        cache.d_sz.bottomRows(K).middleCols((t - 1) * B, B) += cache.dx_gate.bottomRows(K).middleCols(t * B, B);
    }
    auto extra_block = [&](const Mat<T>* m, Index t) -> ConstMatRef<T> {
      if (m == nullptr || m->size() == 0) return ConstMatRef<T>(no_matrix<T>());
      check_shape("Decoder::backward", "extra", *m, Ts, steps * B);
      return ConstMatRef<T>(m->middleCols(t * B, B));
    };
    if (config_.coverage) cache.dc_acc.setZero(Ts, B);
    const std::size_t L = cells_.size();
    cache.d.assign(L, LstmState<T>::zeros(S, B));
    cache.d_prev.assign(L, LstmState<T>::zeros(S, B));
    cache.dz_next.setZero(K, B);
    cache.dx0.resize(E + K, B);
    cache.dx_up.resize(S, B);
    cache.cells.resize(L);
    for (std::size_t l = 0; l < L; ++l) cells_[l].pack_transpose(p, cache.cells[l]);
    for (Index t = steps - 1; t >= 0; --t) {
      StepCache& sc = cache.step[static_cast<std::size_t>(t)];
      auto ds = cache.d_sz.topRows(S).middleCols(t * B, B);
      // dz_t = from [s; z] + from x_{t+1} (input feeding)
      cache.d_sz.bottomRows(K).middleCols(t * B, B) += cache.dz_next;
      const ConstMatRef<T> de_in = extra_block(extra ? &extra->scores : nullptr, t);
      if (config_.coverage) {
        // dL/da_t = (the loss's) + sum_{t' > t} dL/dc_t'
        cache.da_t = cache.dc_acc;
        const ConstMatRef<T> da_loss = extra_block(extra ? &extra->alignment : nullptr, t);
        if (da_loss.size() != 0) cache.da_t += da_loss;
        cache.dc_t.setZero(Ts, B);
        attention_.backward(p, grads, H, keys, map, cache.sz.topRows(S).middleCols(t * B, B),
                            cache.coverage.middleCols(t * B, B), sc.attention,
                            cache.d_sz.bottomRows(K).middleCols(t * B, B), cache.da_t, de_in, dH, dkeys, ds,
                            cache.dc_t);
        const ConstMatRef<T> dc_loss = extra_block(extra ? &extra->coverage : nullptr, t);
        cache.dc_acc += cache.dc_t;
        if (dc_loss.size() != 0) cache.dc_acc += dc_loss;
      } else {
        attention_.backward(p, grads, H, keys, map, cache.sz.topRows(S).middleCols(t * B, B), no_matrix<T>(), sc.attention,
                            cache.d_sz.bottomRows(K).middleCols(t * B, B), no_matrix<T>(), de_in, dH, dkeys, ds,
                            cache.dc_t);
      }
      cache.d[L - 1].h += ds;
      for (std::size_t l = L; l-- > 0;) {
        cache.d_prev[l].h.setZero();
        cache.d_prev[l].c.setZero();
        if (l == 0) {
          cache.dx0.setZero();
          cells_[l].backward(p, grads, cache.x.middleCols(t * B, B), sc.cell[l], cache.d[l].h, cache.d[l].c,
                             cache.dx0, cache.d_prev[l].h, cache.d_prev[l].c, &cache.cells[l]);
          if (demb.size() != 0) demb.middleCols(t * B, B) += cache.dx0.topRows(E);
          cache.dz_next = cache.dx0.bottomRows(K);
        } else {
          cache.dx_up.setZero();
          cells_[l].backward(p, grads, cache.h[l - 1].middleCols(t * B, B), sc.cell[l], cache.d[l].h, cache.d[l].c,
                             cache.dx_up, cache.d_prev[l].h, cache.d_prev[l].c, &cache.cells[l]);
          cache.d[l - 1].h += cache.dx_up;
        }
        std::swap(cache.d[l], cache.d_prev[l]);
      }
    }
    d_init = cache.d;
  }

  /// The output layer over o (S x B) for inference: logits (V x B).
  void output(const ParamBuffer<T>& p, const ConstMatRef<T>& o, MatRef<T> logits) const { out_.forward(p, o, logits); }

  /// The same from `packed` (Decoder::pack of p), on `threads` threads.
  void output(const ParamBuffer<T>& p, const ConstMatRef<T>& o, MatRef<T> logits, const Packed& packed,
              int threads = 1) const {
    check_packed("Decoder::output", p, packed);
    out_.forward(p, o, logits, &packed.out, threads);
  }

 private:
  /// advance()'s cells, attention and combine layer, one step for B queries:
  /// from the previous states `prev` (per layer) and z_prev, writes the new
  /// states `next`, z, and o = tanh(W_c [s; z] + b_c) (before dropout).
  /// `x` (E+K x B) must hold [emb; z_prev] on entry; `sz` receives [s; z].
  /// `next` must not alias `prev`. `coverage` (Ts x B) is read when the
  /// decoder has coverage. `cells` (per layer), `combine` and `query`, when
  /// given, hold the packed weights (Packed; the training forward packs only
  /// the cells).
  void step(const ParamBuffer<T>& p, const ConstMatRef<T>& H, const ConstMatRef<T>& keys, const SourceMap& map,
            const ConstMatRef<T>& x, const std::vector<LstmState<T>>& prev, std::vector<MatRef<T>>& next_h,
            std::vector<MatRef<T>>& next_c, const ConstMatRef<T>& coverage, MatRef<T> sz, MatRef<T> o,
            StepCache& cache, const std::vector<typename LstmCell<T>::Packed>* cells = nullptr,
            const PackedMatrix<T>* combine = nullptr, int threads = 1, const PackedMatrix<T>* query = nullptr) const {
    const Index S = config_.hidden;
    cache.cell.resize(cells_.size());
    for (std::size_t l = 0; l < cells_.size(); ++l) {
      const auto* packed = cells != nullptr ? &(*cells)[l] : nullptr;
      if (l == 0)
        cells_[l].forward(p, x, prev[l].h, prev[l].c, next_h[l], next_c[l], cache.cell[l], packed, threads);
      else
        cells_[l].forward(p, next_h[l - 1], prev[l].h, prev[l].c, next_h[l], next_c[l], cache.cell[l], packed,
                          threads);
    }
    sz.topRows(S) = next_h.back();
    attention_.forward(p, H, keys, map, sz.topRows(S), coverage, sz.bottomRows(config_.memory), cache.attention,
                       query);
    combine_.forward(p, sz, o, combine);
    tanh_inplace(o);
  }

  void check_packed(const char* where, const ParamBuffer<T>& p, const Packed& packed) const {
    check_arg(packed.source == &p && packed.cells.size() == cells_.size(), where,
              "the packed weights were not packed from this parameter buffer (call Decoder::pack)");
    check_arg(packed.version == p.version(), where,
              "the packed weights are stale: packed at the parameters' version " + std::to_string(packed.version) +
                  ", and the parameters have been open to writes since (version " + std::to_string(p.version()) +
                  "): pack again (Seq2Seq::pack)");
  }

  DecoderConfig config_;
  std::vector<LstmCell<T>> cells_;
  Attention<T> attention_;
  Linear<T> combine_;
  Linear<T> out_;
  std::optional<GenerationGate<T>> gate_;
};

GENATTN_NAMESPACE_END
