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
// product over all steps (forward) or a chunk of steps at a time
// (forward_states, then logits per chunk). Backward runs that product's
// transpose (output_backward, once or per chunk), then steps back in time
// (backward_below_output):
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
// What the forward keeps for backward (Saved, per step StepSaved) is kept
// apart from scratch space (Workspace, StepWorkspace): backward reads Saved
// as const. How a step multiplies (packed weights or Eigen's products) is
// chosen once per pass, in StepWeights.
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
#include "genattn/core/instances.hpp"
#include "genattn/core/linear.hpp"
#include "genattn/core/weight_product.hpp"
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
  using Source = AttentionSource<T>;

  /// What backward reads of one step: the cells' (per layer) and the
  /// attention's.
  struct StepSaved {
    std::vector<typename LstmCell<T>::Saved> cell;
    typename Attention<T>::Saved attention;
  };

  /// The modules' scratch space for a step, reused across steps: the
  /// cells' (per layer, so that each keeps its sizes) and the attention's.
  struct StepWorkspace {
    std::vector<typename LstmCell<T>::Workspace> cell;
    typename Attention<T>::Workspace attention;
  };

  /// What the teacher-forced forward saves, all target steps; backward only
  /// reads it.
  struct Saved {
    Index steps = 0, batch = 0;
    std::vector<StepSaved> step;
    Mat<T> x;                      ///< layer-0 inputs [emb; z_prev], (E+K) x steps*B
    std::vector<Mat<T>> h, c;      ///< per layer, S x steps*B
    Mat<T> sz;                     ///< [s_t; z_t], (S+K) x steps*B
    Mat<T> o;                      ///< attentional hidden after dropout, S x steps*B
    Mat<T> o_mask;                 ///< dropout mask of o (empty: none)
    Mat<T> o_raw;                  ///< tanh output before dropout
    Mat<T> logits;                 ///< V x steps*B (forward; forward_states leaves it empty)
    Mat<T> alignment;              ///< Ts x steps*B: a_t of every step
    Mat<T> scores;                 ///< Ts x steps*B: e_t of every step (copy; padding rows 0)
    Mat<T> coverage;               ///< Ts x steps*B: c_t of every step (coverage)
    Mat<T> gate;                   ///< 1 x steps*B: g_t (copy)
    std::vector<LstmState<T>> init;
  };

  /// The training pass's scratch space: the cells' packs (W forward, W^T
  /// backward), the forward's per-step views, backward's gradients.
  struct Workspace {
    StepWorkspace step;
    std::vector<typename LstmCell<T>::Packed> cells;
    std::vector<LstmState<T>> prev;         ///< forward: the previous step's states
    std::vector<MatRef<T>> next_h, next_c;  ///< forward: views of this step's columns
    Mat<T> d_o, d_sz, dz_next, dx0, dx_up, dx_gate, dc_acc, dc_t, da_t;
    std::vector<LstmState<T>> d, d_prev;
  };

  /// Where backward puts its gradients: dH (K x Ts*Bs, skipped when empty),
  /// dkeys and demb (E x steps*B, skipped when empty) accumulate; d_init
  /// (per layer) is overwritten.
  struct Gradients {
    MatRef<T> dH, dkeys, demb;
    std::vector<LstmState<T>>& d_init;
  };

  /// The per-step weights packed for decoding (core/packed_matrix.hpp): the
  /// cells', the combine layer's and the output layer's. Pack once per
  /// parameter values (Decoder::pack); `source` and `version` record which
  /// buffer, and its ParamBuffer::version() when packed.
  struct Packed {
    std::vector<typename LstmCell<T>::Packed> cells;
    PackedWeights<T> query;  ///< the additive score's W_s (empty for the others)
    PackedWeights<T> combine, out;
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
  /// Training's forward passes the step's columns of its Saved, decoding
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

  /// How a step multiplies (core/weight_product.hpp), chosen once per pass:
  /// training packs the cells alone (their products on one thread);
  /// decoding packs every per-step weight (weights(p, packed), the cells'
  /// products on `threads`) or none.
  struct StepWeights {
    const std::vector<typename LstmCell<T>::Packed>* cells = nullptr;  ///< per layer; null: Eigen's
    int threads = 1;                                                   ///< the cells' products
    WeightProduct<T> combine, query;
    WeightProduct<T> cell(std::size_t l) const {
      return cells != nullptr ? WeightProduct<T>((*cells)[l].W, threads) : WeightProduct<T>();
    }
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

  /// Packs the per-step weights of p into `packed`, at `precision`.
  GENATTN_NOINLINE
  void pack(const ParamBuffer<T>& p, Packed& packed, Precision precision = Precision::float32) const {
    packed.cells.resize(cells_.size());
    for (std::size_t l = 0; l < cells_.size(); ++l) cells_[l].pack(p, packed.cells[l], precision);
    attention_.pack_query(p, packed.query, precision);
    combine_.pack(p, packed.combine, precision);
    out_.pack(p, packed.out, precision);
    packed.source = &p;
    packed.version = p.version();
  }

  /// Throws unless `packed` is Decoder::pack of p at its current version.
  GENATTN_NOINLINE
  void check_packed(const char* where, const ParamBuffer<T>& p, const Packed& packed) const {
    check_arg(packed.source == &p && packed.cells.size() == cells_.size(), where,
              "the packed weights were not packed from this parameter buffer (call Decoder::pack)");
    check_arg(packed.version == p.version(), where,
              "the packed weights are stale: packed at the parameters' version " + std::to_string(packed.version) +
                  ", and the parameters have been open to writes since (version " + std::to_string(p.version()) +
                  "): pack again (Seq2Seq::pack)");
  }

  /// The copy gate's logits g (1 x N) from [s; z] and the inputs x (copy only).
  GENATTN_NOINLINE
  void gate(const ParamBuffer<T>& p, const ConstMatRef<T>& sz, const ConstMatRef<T>& x, Mat<T>& g) const {
    check_arg(gate_.has_value(), "Decoder::gate", "the decoder has no copy gate (DecoderConfig::copy is off)");
    gate_->forward(p, sz, x, g);
  }

  /// The weights a decoding step uses: every per-step weight from `packed`
  /// (Decoder::pack of p, checked here), or Eigen's products when null.
  StepWeights weights(const ParamBuffer<T>& p, const Packed* packed, int threads = 1) const {
    if (packed == nullptr) return StepWeights{};
    check_packed("Decoder::weights", p, *packed);
    return StepWeights{&packed->cells, threads, WeightProduct<T>(packed->combine), WeightProduct<T>(packed->query)};
  }

  /// The one step that training's forward and decoding both take (as
  /// Marian's DecoderS2S::step serves training and beam search):
  ///   x_t     = [emb_t; z_{t-1}]        input feeding
  ///   cells, attention (reading c_t), o_t = tanh(W_c [s_t; z_t] + b_c)   (step)
  ///   c_{t+1} = c_t + a_t               the coverage roll
  GENATTN_NOINLINE
  void advance(const ParamBuffer<T>& p, const Source& src, StepIo& io, StepSaved& saved, StepWorkspace& ws,
               const StepWeights& w) const {
    io.x.bottomRows(config_.memory) = io.z_prev;
    step(p, src, io, saved, ws, w);
    if (config_.coverage && io.coverage_next.size() != 0) io.coverage_next = io.coverage + saved.attention.a;
  }

  /// Teacher-forced forward over target embeddings `emb` (E x steps*B) from
  /// initial states `init` (per layer). Logits in saved.logits; alignments in
  /// saved.alignment. Dropout on o when `dropout_rng` is given and p > 0.
  GENATTN_NOINLINE
  void forward(const ParamBuffer<T>& p, const Source& src, const ConstMatRef<T>& emb,
               const std::vector<LstmState<T>>& init, Saved& saved, Workspace& ws, double dropout = 0.0,
               Rng* dropout_rng = nullptr) const {
    forward_states(p, src, emb, init, saved, ws, dropout, dropout_rng);
    // logits for every step: one product
    saved.logits.resize(config_.vocab, saved.steps * saved.batch);
    logits(p, saved, 0, saved.logits);
  }

  /// forward() without the output layer (saved.logits is left empty):
  /// logits() then computes them a chunk of steps at a time.
  GENATTN_NOINLINE
  void forward_states(const ParamBuffer<T>& p, const Source& src, const ConstMatRef<T>& emb,
                      const std::vector<LstmState<T>>& init, Saved& saved, Workspace& ws, double dropout = 0.0,
                      Rng* dropout_rng = nullptr) const {
    static constexpr const char* where = "Decoder::forward";
    const SourceMap& map = src.map;
    const Index B = map.queries(), E = config_.embedding, K = config_.memory, S = config_.hidden;
    check_arg(emb.rows() == E && B > 0 && emb.cols() % B == 0 && emb.cols() > 0, where,
              "argument 'emb' has shape " + detail::shape_string(emb.rows(), emb.cols()) + ", expected " +
                  std::to_string(E) + " x (steps * " + std::to_string(B) + ")");
    check_arg(static_cast<Index>(init.size()) == config_.layers, where,
              "argument 'init' holds " + std::to_string(init.size()) + " states, expected " +
                  std::to_string(config_.layers));
    const Index steps = emb.cols() / B;
    saved.steps = steps;
    saved.batch = B;
    saved.init = init;
    saved.step.resize(static_cast<std::size_t>(steps));
    saved.x.resize(E + K, steps * B);
    saved.x.topRows(E) = emb;
    saved.h.resize(cells_.size());
    saved.c.resize(cells_.size());
    for (std::size_t l = 0; l < cells_.size(); ++l) {
      saved.h[l].resize(S, steps * B);
      saved.c[l].resize(S, steps * B);
    }
    saved.sz.resize(S + K, steps * B);
    saved.o_raw.resize(S, steps * B);
    saved.alignment.setZero(map.source_time, steps * B);
    if (config_.copy) saved.scores.setZero(map.source_time, steps * B);
    if (config_.coverage) saved.coverage.setZero(map.source_time, steps * B);  // c_0 = 0
    std::vector<LstmState<T>>& prev = ws.prev;
    prev = init;
    std::vector<MatRef<T>>& nh = ws.next_h;
    std::vector<MatRef<T>>& nc = ws.next_c;
    ws.cells.resize(cells_.size());
    for (std::size_t l = 0; l < cells_.size(); ++l) cells_[l].pack(p, ws.cells[l]);
    const Mat<T> z0 = Mat<T>::Zero(K, B);  // z_0
    const StepWeights weights{&ws.cells, 1, {}, {}};
    for (Index t = 0; t < steps; ++t) {
      nh.clear();
      nc.clear();
      for (std::size_t l = 0; l < cells_.size(); ++l) {
        nh.emplace_back(saved.h[l].middleCols(t * B, B));
        nc.emplace_back(saved.c[l].middleCols(t * B, B));
      }
      StepSaved& sc = saved.step[static_cast<std::size_t>(t)];
      const bool coverage = config_.coverage, roll = coverage && t + 1 < steps;
      StepIo io{saved.x.middleCols(t * B, B),
                t == 0 ? ConstMatRef<T>(z0) : ConstMatRef<T>(saved.sz.bottomRows(K).middleCols((t - 1) * B, B)),
                prev,
                nh,
                nc,
                coverage ? ConstMatRef<T>(saved.coverage.middleCols(t * B, B)) : ConstMatRef<T>(no_matrix<T>()),
                roll ? MatRef<T>(saved.coverage.middleCols((t + 1) * B, B)) : MatRef<T>(no_output<T>()),
                saved.sz.middleCols(t * B, B),
                saved.o_raw.middleCols(t * B, B)};
      advance(p, src, io, sc, ws.step, weights);
      const auto& att = sc.attention;
      saved.alignment.middleCols(t * B, B) = att.a;
      if (config_.copy)
        for (Index b = 0; b < B; ++b) {
          const Index n = map.length[static_cast<std::size_t>(b)];
          saved.scores.col(t * B + b).head(n) = att.e.col(b).head(n);
        }
      for (std::size_t l = 0; l < cells_.size(); ++l) {
        prev[l].h = nh[l];
        prev[l].c = nc[l];
      }
    }
    if (dropout_rng != nullptr && dropout > 0.0) {
      dropout_mask<T>(*dropout_rng, dropout, S, steps * B, saved.o_mask);
      saved.o = saved.o_raw.cwiseProduct(saved.o_mask);
    } else {
      saved.o_mask.resize(0, 0);
      saved.o = saved.o_raw;
    }
    saved.logits.resize(0, 0);
    if (gate_) gate_->forward(p, saved.sz, saved.x, saved.gate);
  }

  /// The logits of the forward's columns first .. first + out.cols() - 1
  /// (whole steps or not): out = W_o o + b_o.
  GENATTN_NOINLINE
  void logits(const ParamBuffer<T>& p, const Saved& saved, Index first, MatRef<T> out) const {
    check_arg(first >= 0 && first + out.cols() <= saved.o.cols(), "Decoder::logits",
              "columns " + std::to_string(first) + ".." + std::to_string(first + out.cols() - 1) +
                  " are outside the forward's " + std::to_string(saved.o.cols()));
    out_.forward(p, saved.o.middleCols(first, out.cols()), out);
  }

  /// Adds every gradient of the forward that `saved` holds, given
  /// dL/dlogits (V x steps*B) and the `extra` ones (may be null), into the
  /// parameters' `grads` and `out`.
  GENATTN_NOINLINE
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const Source& src, const Saved& saved,
                const ConstMatRef<T>& dlogits, const Extra* extra, Gradients out, Workspace& ws) const {
    check_arg(saved.steps > 0, "Decoder::backward", "called before forward");
    check_shape("Decoder::backward", "dlogits", dlogits, config_.vocab, saved.steps * saved.batch);
    output_backward(p, grads, saved, 0, dlogits, ws);
    backward_below_output(p, grads, src, saved, extra, out, ws);
  }

  /// The output layer's backward for the forward's columns first .. first +
  /// dlogits.cols() - 1: adds dW_o, db_o into `grads` and writes those
  /// columns of ws.d_o. Over chunks that cover every column once, then
  /// backward_below_output, it is backward().
  GENATTN_NOINLINE
  void output_backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const Saved& saved, Index first,
                       const ConstMatRef<T>& dlogits, Workspace& ws) const {
    static constexpr const char* where = "Decoder::output_backward";
    const Index n = dlogits.cols(), all = saved.steps * saved.batch;
    check_arg(first >= 0 && first + n <= all, where,
              "columns " + std::to_string(first) + ".." + std::to_string(first + n - 1) +
                  " are outside the forward's " + std::to_string(all));
    check_shape(where, "dlogits", dlogits, config_.vocab, n);
    if (ws.d_o.rows() != config_.hidden || ws.d_o.cols() != all) ws.d_o.resize(config_.hidden, all);
    auto d_o = ws.d_o.middleCols(first, n);
    d_o.setZero();
    // dO = W_o^T dlogits, dW_o += dlogits o^T, db_o += sum of dlogits' columns
    out_.backward(p, grads, saved.o.middleCols(first, n), dlogits, d_o);
  }

  /// backward() after the output layer: reads ws.d_o, which output_backward
  /// has written for every column.
  GENATTN_NOINLINE
  void backward_below_output(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const Source& src, const Saved& saved,
                             const Extra* extra, Gradients out, Workspace& ws) const {
    static constexpr const char* where = "Decoder::backward";
    const SourceMap& map = src.map;
    const Index B = saved.batch, steps = saved.steps, E = config_.embedding, K = config_.memory,
                S = config_.hidden;
    check_arg(steps > 0, where, "called before forward");
    check_shape(where, "ws.d_o (output_backward's)", ws.d_o, S, steps * B);
    if (out.demb.size() != 0) check_shape(where, "demb", out.demb, E, steps * B);
    if (saved.o_mask.size() != 0) ws.d_o.array() *= saved.o_mask.array();
    // d(pre) = dO * (1 - o^2);  d[s; z] = W_c^T d(pre)
    ws.d_o.array() *= (T(1) - saved.o_raw.array().square());
    ws.d_sz.setZero(S + K, steps * B);
    combine_.backward(p, grads, saved.sz, ws.d_o, ws.d_sz);
    const Index Ts = map.source_time;
    if (gate_ && extra != nullptr && extra->gate.size() != 0) {
      check_shape(where, "extra.gate", extra->gate, 1, steps * B);
      // the gate reads [s_t; z_t] and x_t = [emb_t; z_{t-1}]
      ws.dx_gate.setZero(E + K, steps * B);
      gate_->backward(p, grads, saved.sz, saved.x, extra->gate, ws.d_sz, ws.dx_gate);
      if (out.demb.size() != 0) out.demb += ws.dx_gate.topRows(E);
      for (Index t = 1; t < steps; ++t)
        ws.d_sz.bottomRows(K).middleCols((t - 1) * B, B) += ws.dx_gate.bottomRows(K).middleCols(t * B, B);
    }
    auto extra_block = [&](const Mat<T>* m, Index t) -> ConstMatRef<T> {
      if (m == nullptr || m->size() == 0) return ConstMatRef<T>(no_matrix<T>());
      check_shape(where, "extra", *m, Ts, steps * B);
      return ConstMatRef<T>(m->middleCols(t * B, B));
    };
    if (config_.coverage) ws.dc_acc.setZero(Ts, B);
    const std::size_t L = cells_.size();
    ws.d.assign(L, LstmState<T>::zeros(S, B));
    ws.d_prev.assign(L, LstmState<T>::zeros(S, B));
    ws.dz_next.setZero(K, B);
    ws.dx0.resize(E + K, B);
    ws.dx_up.resize(S, B);
    ws.cells.resize(L);
    ws.step.cell.resize(L);
    for (std::size_t l = 0; l < L; ++l) cells_[l].pack_transpose(p, ws.cells[l]);
    for (Index t = steps - 1; t >= 0; --t) {
      const StepSaved& sc = saved.step[static_cast<std::size_t>(t)];
      auto ds = ws.d_sz.topRows(S).middleCols(t * B, B);
      auto dz = ws.d_sz.bottomRows(K).middleCols(t * B, B);
      // dz_t = from [s; z] + from x_{t+1} (input feeding)
      dz += ws.dz_next;
      const ConstMatRef<T> de_in = extra_block(extra ? &extra->scores : nullptr, t);
      const ConstMatRef<T> s_t = saved.sz.topRows(S).middleCols(t * B, B);
      if (config_.coverage) {
        // dL/da_t = (the loss's) + sum_{t' > t} dL/dc_t'
        ws.da_t = ws.dc_acc;
        const ConstMatRef<T> da_loss = extra_block(extra ? &extra->alignment : nullptr, t);
        if (da_loss.size() != 0) ws.da_t += da_loss;
        ws.dc_t.setZero(Ts, B);
        attention_.backward(p, grads, src, {s_t, saved.coverage.middleCols(t * B, B)}, sc.attention,
                            {dz, ws.da_t, de_in}, {out.dH, out.dkeys, ds, ws.dc_t}, ws.step.attention);
        const ConstMatRef<T> dc_loss = extra_block(extra ? &extra->coverage : nullptr, t);
        ws.dc_acc += ws.dc_t;
        if (dc_loss.size() != 0) ws.dc_acc += dc_loss;
      } else {
        attention_.backward(p, grads, src, {s_t}, sc.attention, {dz, no_matrix<T>(), de_in},
                            {out.dH, out.dkeys, ds}, ws.step.attention);
      }
      ws.d[L - 1].h += ds;
      for (std::size_t l = L; l-- > 0;) {
        ws.d_prev[l].h.setZero();
        ws.d_prev[l].c.setZero();
        const WeightProduct<T> transposed(ws.cells[l].W);
        if (l == 0) {
          ws.dx0.setZero();
          cells_[l].backward(p, grads, saved.x.middleCols(t * B, B), sc.cell[l],
                             {ws.d[l].h, ws.d[l].c, ws.dx0, ws.d_prev[l].h, ws.d_prev[l].c}, ws.step.cell[l],
                             transposed);
          if (out.demb.size() != 0) out.demb.middleCols(t * B, B) += ws.dx0.topRows(E);
          ws.dz_next = ws.dx0.bottomRows(K);
        } else {
          ws.dx_up.setZero();
          cells_[l].backward(p, grads, saved.h[l - 1].middleCols(t * B, B), sc.cell[l],
                             {ws.d[l].h, ws.d[l].c, ws.dx_up, ws.d_prev[l].h, ws.d_prev[l].c}, ws.step.cell[l],
                             transposed);
          ws.d[l - 1].h += ws.dx_up;
        }
        std::swap(ws.d[l], ws.d_prev[l]);
      }
    }
    out.d_init = ws.d;
  }

  /// The output layer over o (S x B) for inference: logits (V x B).
  void output(const ParamBuffer<T>& p, const ConstMatRef<T>& o, MatRef<T> logits) const { out_.forward(p, o, logits); }

  /// The same from `packed` (Decoder::pack of p), on `threads` threads.
  GENATTN_NOINLINE
  void output(const ParamBuffer<T>& p, const ConstMatRef<T>& o, MatRef<T> logits, const Packed& packed,
              int threads = 1) const {
    check_packed("Decoder::output", p, packed);
    out_.forward(p, o, logits, WeightProduct<T>(packed.out, threads));
  }

 private:
  /// advance()'s cells, attention and combine layer, one step for B queries:
  /// from the previous states io.prev (per layer), writes the new states
  /// io.next_*, z, and o = tanh(W_c [s; z] + b_c) (before dropout). io.x
  /// (E+K x B) must hold [emb; z_prev] on entry; io.sz receives [s; z].
  /// io.coverage (Ts x B) is read when the decoder has coverage.
  GENATTN_NOINLINE
  void step(const ParamBuffer<T>& p, const Source& src, StepIo& io, StepSaved& saved, StepWorkspace& ws,
            const StepWeights& w) const {
    const Index S = config_.hidden;
    saved.cell.resize(cells_.size());
    ws.cell.resize(cells_.size());
    for (std::size_t l = 0; l < cells_.size(); ++l) {
      const ConstMatRef<T> input = l == 0 ? ConstMatRef<T>(io.x) : ConstMatRef<T>(io.next_h[l - 1]);
      cells_[l].forward(p, {input, io.prev[l].h, io.prev[l].c, io.next_h[l], io.next_c[l]}, saved.cell[l],
                        ws.cell[l], w.cell(l));
    }
    io.sz.topRows(S) = io.next_h.back();
    attention_.forward(p, src, {io.sz.topRows(S), io.coverage}, io.sz.bottomRows(config_.memory), saved.attention,
                       w.query);
    combine_.forward(p, io.sz, io.o, w.combine);
    tanh_inplace(io.o);
  }

  DecoderConfig config_;
  std::vector<LstmCell<T>> cells_;
  Attention<T> attention_;
  Linear<T> combine_;
  Linear<T> out_;
  std::optional<GenerationGate<T>> gate_;
};

// compiled once in a program that links the instances (core/instances.hpp)
GENATTN_EXTERN_MODULE(Decoder)

GENATTN_NAMESPACE_END
