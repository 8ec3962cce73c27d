// genattn/attention/attention.hpp: one attention step over an encoded source,
// with the score chosen in the config.
//
//   keys   = once per source batch (additive: W_h H; dot: H; general: W_a H)
//   e_jb   = score(k_{j,src(b)}, s_b)               j < n_b  (additive_score.hpp, luong_score.hpp)
//   a_b    = masked_softmax(e_b)                    (masked_softmax.hpp: padding gets exactly 0)
//   z_b    = sum_j a_jb h_{j,src(b)}                (context.hpp)
// With coverage (additive only), the score also reads the coverage vector c_b
// (coverage.hpp) given to forward.
//
// backward chains the three pieces' derivatives (written in those headers):
//   da = dL/da from the context (+ Upstream::da: from the coverage loss and
//   later steps' coverage), de = softmax backward of da (+ Upstream::de: a
//   copy distribution's gradient, seq2seq/copy), then the score's (giving dc).
// Its views come in argument structs (step_io.hpp: the source, the query,
// the gradients' outputs; Upstream: those coming in); what it reads of the
// forward step (Saved) is kept apart from its scratch space (Workspace).
// The keys' gradient accumulates over all steps in `dkeys`; call
// keys_backward once per source batch after the last step.
#pragma once

#include <optional>
#include <string>

#include "genattn/attention/additive_score.hpp"
#include "genattn/attention/context.hpp"
#include "genattn/attention/coverage.hpp"
#include "genattn/attention/luong_score.hpp"
#include "genattn/attention/masked_softmax.hpp"
#include "genattn/core/instances.hpp"

GENATTN_NAMESPACE_BEGIN

enum class AttentionKind { additive, dot, general };

inline const char* to_string(AttentionKind k) {
  switch (k) {
    case AttentionKind::additive: return "additive";
    case AttentionKind::dot: return "dot";
    case AttentionKind::general: return "general";
  }
  return "?";
}

struct AttentionConfig {
  AttentionKind kind = AttentionKind::additive;
  Index memory = 0;  ///< K: rows of the memory H (2 x encoder hidden for a BiLSTM)
  Index query = 0;   ///< S: rows of the decoder state s
  Index hidden = 0;  ///< A: additive score's hidden size (0: S)
  bool coverage = false;  ///< the score reads the coverage vector (additive only)
};

template <class T>
class Attention {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  using Source = AttentionSource<T>;
  using Query = AttentionQuery<T>;
  using Gradients = AttentionGradients<T>;

  /// What backward reads of a forward step.
  struct Saved {
    typename AdditiveScore<T>::Saved additive;
    Mat<T> e, a;  ///< scores and alignment, Ts x B (a: 0 at padding)
  };

  /// backward's scratch space, reused across steps.
  struct Workspace {
    typename AdditiveScore<T>::Workspace additive;
    Mat<T> da, de;
  };

  /// The gradients that reach a step from outside it: dz (K x B, dL/dz),
  /// and, each Ts x B and added in when not empty, da (to dL/da: from the
  /// coverage loss and later steps' coverage) and de (to dL/de: a copy
  /// distribution's gradient, seq2seq/copy).
  struct Upstream {
    ConstMatRef<T> dz;
    ConstMatRef<T> da = no_matrix<T>();
    ConstMatRef<T> de = no_matrix<T>();
  };

  Attention(ParamLayout& layout, const std::string& prefix, const AttentionConfig& config) : config_(config) {
    check_arg(config.memory > 0 && config.query > 0, "Attention",
              "memory size " + std::to_string(config.memory) + " and query size " + std::to_string(config.query) +
                  " must be positive");
    check_arg(!config.coverage || config.kind == AttentionKind::additive, "Attention",
              std::string("coverage needs the additive score, not ") + to_string(config.kind));
    if (config.kind == AttentionKind::additive)
      additive_.emplace(layout, prefix, config.memory, config.query, config.hidden > 0 ? config.hidden : config.query,
                        config.coverage);
    else
      luong_.emplace(layout, prefix, config.memory, config.query, config.kind == AttentionKind::general);
  }

  const AttentionConfig& config() const { return config_; }
  Index key_size() const { return additive_ ? additive_->key_size() : luong_->key_size(); }

  /// The additive score's W_h packed at `precision`, for keys_forward's
  /// `packed` (left empty for the other scores).
  GENATTN_NOINLINE
  void pack_keys(const ParamBuffer<T>& p, PackedWeights<T>& out, Precision precision = Precision::float32) const {
    if (additive_) additive_->pack_keys(p, out, precision);
  }

  /// keys for memory H (K x Ts*Bs); once per source batch. The additive
  /// score's product runs on `threads` threads, from `packed` (pack_keys()
  /// of p) when given.
  GENATTN_NOINLINE
  void keys_forward(const ParamBuffer<T>& p, const ConstMatRef<T>& H, Mat<T>& keys, int threads = 1,
                    const PackedWeights<T>* packed = nullptr) const {
    check_arg(H.rows() == config_.memory, "Attention::keys_forward",
              "argument 'H' has shape " + detail::shape_string(H.rows(), H.cols()) + ", expected " +
                  std::to_string(config_.memory) + " rows (the memory size)");
    if (additive_)
      additive_->keys_forward(p, H, keys, threads, packed);
    else
      luong_->keys_forward(p, H, keys);
  }

  /// Adds the keys' parameter gradients and dL/dH (skipped when empty).
  GENATTN_NOINLINE
  void keys_backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& H,
                     const ConstMatRef<T>& dkeys, MatRef<T> dH) const {
    if (additive_)
      additive_->keys_backward(p, grads, H, dkeys, dH);
    else
      luong_->keys_backward(p, grads, H, dkeys, dH);
  }

  /// The additive score's per-step weight W_s packed for decoding (left
  /// empty for the other scores).
  GENATTN_NOINLINE
  void pack_query(const ParamBuffer<T>& p, PackedWeights<T>& out, Precision precision = Precision::float32) const {
    if (additive_) additive_->pack_query(p, out, precision);
  }

  /// z (K x B) <- the context of the queries (S x B; the coverage is read
  /// when config().coverage); the alignment in saved.a. `product`: Eigen's,
  /// or WeightProduct of pack_query() of p.
  GENATTN_NOINLINE
  void forward(const ParamBuffer<T>& p, const Source& src, const Query& query, MatRef<T> z, Saved& saved,
               const WeightProduct<T>& product = {}) const {
    static constexpr const char* where = "Attention::forward";
    const SourceMap& map = src.map;
    const Index B = query.s.cols();
    check_shape(where, "s", query.s, config_.query, map.queries());
    check_shape(where, "H", src.H, config_.memory, map.source_time * map.source_batch);
    check_shape(where, "keys", src.keys, key_size(), src.H.cols());
    check_shape(where, "z", z, config_.memory, B);
    if (config_.coverage) check_shape(where, "coverage", query.coverage, map.source_time, B);
    saved.e.resize(map.source_time, B);
    saved.a.resize(map.source_time, B);
    if (additive_)
      additive_->forward(p, src, query, saved.e, saved.additive, product);
    else
      luong_->forward(src, query, saved.e);
    masked_softmax_forward<T>(saved.e, map.length, saved.a);
    context_forward<T>(src.H, map, saved.a, z);
  }

  /// Adds the step's gradients, given those from outside (`in`): out.dH
  /// (K x Ts*Bs, skipped when empty), out.dkeys and out.ds (S x B)
  /// accumulate, and out.dcoverage (Ts x B) when config().coverage.
  GENATTN_NOINLINE
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const Source& src, const Query& query,
                const Saved& saved, const Upstream& in, Gradients out, Workspace& ws) const {
    static constexpr const char* where = "Attention::backward";
    const SourceMap& map = src.map;
    const Index B = query.s.cols();
    check_shape(where, "dz", in.dz, config_.memory, B);
    check_shape(where, "saved.a", saved.a, map.source_time, B);
    // dL/da, dL/de start from the outside gradients (or 0)
    if (in.da.size() != 0) {
      check_shape(where, "da", in.da, map.source_time, B);
      ws.da = in.da;
    } else {
      ws.da.setZero(map.source_time, B);
    }
    if (in.de.size() != 0) {
      check_shape(where, "de", in.de, map.source_time, B);
      ws.de = in.de;
    } else {
      ws.de.setZero(map.source_time, B);
    }
    context_backward<T>(src.H, map, saved.a, in.dz, ws.da, out.dH);
    masked_softmax_backward<T>(saved.a, map.length, ws.da, ws.de);
    if (additive_)
      additive_->backward(p, grads, src, query, saved.additive, ws.de, out, ws.additive);
    else
      luong_->backward(src, query, ws.de, out);
  }

 private:

  AttentionConfig config_;
  std::optional<AdditiveScore<T>> additive_;
  std::optional<LuongScore<T>> luong_;
};

// compiled once in a program that links the instances (core/instances.hpp)
GENATTN_EXTERN_MODULE(Attention)

GENATTN_NAMESPACE_END
