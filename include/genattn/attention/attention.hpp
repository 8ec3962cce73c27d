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
//   da = dL/da from the context (+ da_in: from the coverage loss and later
//   steps' coverage), de = softmax backward of da (+ de_in: a copy
//   distribution's gradient, seq2seq/copy), then the score's (giving dc).
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
  /// One step's values for backward, and workspaces.
  struct StepCache {
    typename AdditiveScore<T>::Cache additive;
    typename LuongScore<T>::Cache luong;
    Mat<T> e, a;   ///< scores and alignment, Ts x B (a: 0 at padding)
    Mat<T> da, de; ///< backward workspaces
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

  /// keys for memory H (K x Ts*Bs); once per source batch. The additive
  /// score's product runs on `threads` threads.
  void keys_forward(const ParamBuffer<T>& p, const ConstMatRef<T>& H, Mat<T>& keys, int threads = 1) const {
    check_arg(H.rows() == config_.memory, "Attention::keys_forward",
              "argument 'H' has shape " + detail::shape_string(H.rows(), H.cols()) + ", expected " +
                  std::to_string(config_.memory) + " rows (the memory size)");
    if (additive_)
      additive_->keys_forward(p, H, keys, threads);
    else
      luong_->keys_forward(p, H, keys);
  }

  /// Adds the keys' parameter gradients and dL/dH (skipped when empty).
  void keys_backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& H,
                     const ConstMatRef<T>& dkeys, MatRef<T> dH) const {
    if (additive_)
      additive_->keys_backward(p, grads, H, dkeys, dH);
    else
      luong_->keys_backward(p, grads, H, dkeys, dH);
  }

  /// z (K x B) <- context for queries s (S x B); alignment in cache.a.
  void forward(const ParamBuffer<T>& p, const ConstMatRef<T>& H, const ConstMatRef<T>& keys, const SourceMap& map,
               const ConstMatRef<T>& s, MatRef<T> z, StepCache& cache) const {
    forward(p, H, keys, map, s, no_matrix<T>(), z, cache);
  }

  /// The additive score's per-step weight W_s packed for decoding (left
  /// empty for the other scores).
  void pack_query(const ParamBuffer<T>& p, PackedMatrix<T>& out) const {
    if (additive_) additive_->pack_query(p, out);
  }

  /// The same with the coverage vector c (Ts x B; read when config().coverage)
  /// and, when given, pack_query() of p.
  void forward(const ParamBuffer<T>& p, const ConstMatRef<T>& H, const ConstMatRef<T>& keys, const SourceMap& map,
               const ConstMatRef<T>& s, const ConstMatRef<T>& coverage, MatRef<T> z, StepCache& cache,
               const PackedMatrix<T>* query = nullptr) const {
    static constexpr const char* where = "Attention::forward";
    const Index B = s.cols();
    check_shape(where, "s", s, config_.query, map.queries());
    check_shape(where, "H", H, config_.memory, map.source_time * map.source_batch);
    check_shape(where, "keys", keys, key_size(), H.cols());
    check_shape(where, "z", z, config_.memory, B);
    if (config_.coverage) check_shape(where, "coverage", coverage, map.source_time, B);
    cache.e.resize(map.source_time, B);
    cache.a.resize(map.source_time, B);
    if (additive_)
      additive_->forward(p, keys, map, s, coverage, cache.e, cache.additive,
                         query != nullptr && !query->empty() ? query : nullptr);
    else
      luong_->forward(p, keys, map, s, cache.e, cache.luong);
    masked_softmax_forward<T>(cache.e, map.length, cache.a);
    context_forward<T>(H, map, cache.a, z);
  }

  /// Adds the step's gradients: dH (K x Ts*Bs, skipped when empty), dkeys and
  /// ds (S x B) accumulate.
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& H, const ConstMatRef<T>& keys,
                const SourceMap& map, const ConstMatRef<T>& s, StepCache& cache, const ConstMatRef<T>& dz,
                MatRef<T> dH, MatRef<T> dkeys, MatRef<T> ds) const {
    Mat<T> none;
    backward(p, grads, H, keys, map, s, no_matrix<T>(), cache, dz, no_matrix<T>(), no_matrix<T>(), dH, dkeys, ds, none);
  }

  /// The same with coverage and outside gradients: da_in (Ts x B, added to
  /// dL/da; skipped when empty), de_in (Ts x B, added to dL/de; skipped when
  /// empty); dcoverage (Ts x B) accumulates dL/dc when config().coverage.
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& H, const ConstMatRef<T>& keys,
                const SourceMap& map, const ConstMatRef<T>& s, const ConstMatRef<T>& coverage, StepCache& cache,
                const ConstMatRef<T>& dz, const ConstMatRef<T>& da_in, const ConstMatRef<T>& de_in, MatRef<T> dH,
                MatRef<T> dkeys, MatRef<T> ds, MatRef<T> dcoverage) const {
    if (da_in.size() != 0)
      cache.da = da_in;
    else
      cache.da.setZero(map.source_time, s.cols());
    if (de_in.size() != 0)
      cache.de = de_in;
    else
      cache.de.setZero(map.source_time, s.cols());
    context_backward<T>(H, map, cache.a, dz, cache.da, dH);
    masked_softmax_backward<T>(cache.a, map.length, cache.da, cache.de);
    if (additive_)
      additive_->backward(p, grads, map, s, coverage, cache.additive, cache.de, dkeys, ds, dcoverage);
    else
      luong_->backward(p, grads, map, s, cache.luong, cache.de, dkeys, ds, keys);
  }

 private:

  AttentionConfig config_;
  std::optional<AdditiveScore<T>> additive_;
  std::optional<LuongScore<T>> luong_;
};

GENATTN_NAMESPACE_END
