// genattn/copy/copy_loss.hpp: cross-entropy of the pointer-generator's final
// distribution (copy_distribution.hpp) over all target steps at once.
//
// For each counted column n (target y_n not padding), N in all:
//   l_n = -log P(y_n)                 J = 1/N sum_n l_n
// A target id >= V that the column's source does not hold (so neither the
// vocabulary nor the source can produce it) is scored as <unk>, the id See et
// al.'s data pipeline gives such words; so l_n is always finite.
//
// With r = p_gen P_vocab(y) / P(y) (the generated share of P(y); 0 for
// y >= V) and q_j = (1 - p_gen) a_j [x_j = y] / P(y) (position j's copied
// share; sum_j q_j = 1 - r), all computed as exp of log-space differences:
//   dl/do_w = r (P_vocab(w) - [w = y])                 logits of the vocabulary
//   dl/dg   = p_gen - r                                the gate's logit
//   dl/de_j = (1 - r) a_j - q_j,  j < n                the attention scores
// Each is divided by N; padding columns get 0.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "genattn/attention/source_map.hpp"
#include "genattn/copy/copy_distribution.hpp"
#include "genattn/core/check.hpp"
#include "genattn/core/loss_value.hpp"

GENATTN_NAMESPACE_BEGIN

/// A copy model's outputs over a batch, N = steps x queries columns each:
/// logits V x N, gate 1 x N, scores Ts x N (rows j < n valid).
template <class T>
struct CopyOutputs {
  ConstMatRef<T> logits;
  ConstMatRef<T> gate;
  ConstMatRef<T> scores;
};

/// The sources the batch copies from: column n attends as query n %
/// map.queries() of `map`; src_ext holds the source's extended ids in memory
/// layout (Ts*Bs), `extra` ids above the target vocabulary.
struct CopySource {
  const SourceMap& map;
  const TokenIds& src_ext;
  Index extra = 0;
};

/// Where the loss's gradients go: all three given (dlogits may be the
/// logits themselves), or none.
template <class T>
struct CopyGradients {
  Mat<T>* dlogits = nullptr;
  Mat<T>* dgate = nullptr;
  Mat<T>* dscores = nullptr;
};

/// The same as views of a chunk's columns (all three empty: none).
template <class T>
struct CopyGradientViews {
  MatRef<T> dlogits, dgate, dscores;
};

/// Throws unless `outputs` (N columns), `targets` and `source` fit together.
template <class T>
void check_copy_batch(const char* where, const CopyOutputs<T>& outputs, const CopySource& source,
                      const TokenIds& targets) {
  const SourceMap& map = source.map;
  const Index N = outputs.logits.cols(), Q = map.queries();
  check_arg(static_cast<Index>(targets.size()) == N, where,
            "argument 'targets' has " + std::to_string(targets.size()) + " ids, expected " + std::to_string(N) +
                " (one per logits column)");
  check_shape(where, "gate", outputs.gate, 1, N);
  check_shape(where, "scores", outputs.scores, map.source_time, N);
  check_arg(Q > 0 && N % Q == 0, where, "the logits' " + std::to_string(N) + " columns are not steps x queries");
  check_arg(static_cast<Index>(source.src_ext.size()) == map.source_time * map.source_batch, where,
            "argument 'src_ext' has " + std::to_string(source.src_ext.size()) + " ids, expected " +
                std::to_string(map.source_time * map.source_batch));
  check_arg(source.extra >= 0, where, "extra = " + std::to_string(source.extra) + " is negative");
}

/// The loss of columns first .. first + outputs.logits.cols() - 1 of a batch
/// (checked by check_copy_batch) whose targets (checked by count_targets) count `tokens` in all; `ext_of`:
/// source_extended_ids of the source. Adds the columns' terms to out.loss,
/// nll and correct, and writes their gradients into `g` unless it is empty
/// (g.dlogits may be the logits' own memory). Summed chunk after chunk in
/// column order, the loss is bit for bit that of one call over all columns.
template <class T>
void copy_cross_entropy_columns(const CopyOutputs<T>& outputs, const CopySource& source,
                                const std::vector<std::vector<TokenId>>& ext_of, const TokenIds& targets,
                                Index first, Index tokens, const SpecialIds& ids, CopyGradientViews<T> g,
                                LossValue& out) {
  const auto& logits = outputs.logits;
  const auto& gate = outputs.gate;
  const auto& scores = outputs.scores;
  const SourceMap& map = source.map;
  const Index V = logits.rows(), N = logits.cols(), Q = map.queries();
  const bool grads = g.dlogits.size() != 0;
  const double inv_n = tokens > 0 ? 1.0 / static_cast<double>(tokens) : 0.0;
  CopyTerms<T> terms;
  Vec<T> all(V + source.extra);
  for (Index n = 0; n < N; ++n) {
    TokenId y = targets[static_cast<std::size_t>(first + n)];
    if (grads) {
      g.dgate(0, n) = T(0);
      g.dscores.col(n).setZero();
    }
    if (y == ids.pad) {
      if (grads) g.dlogits.col(n).setZero();
      continue;
    }
    const Index b = (first + n) % Q, len = map.length[static_cast<std::size_t>(b)];
    const std::vector<TokenId>& ext = ext_of[static_cast<std::size_t>(b)];
    terms.compute(logits.col(n), gate(0, n), scores.col(n), len);
    if (y >= V && std::find(ext.begin(), ext.end(), y) == ext.end()) y = ids.unk;
    const T log_p = terms.log_prob(y, ext);
    terms.log_probs(ext, all);
    Index arg = 0;
    all.maxCoeff(&arg);
    const double term = -static_cast<double>(log_p) * inv_n;
    out.nll += term;
    out.loss += term;
    out.correct += arg == y;
    if (!grads) continue;
    const T scale = static_cast<T>(inv_n);
    // r = p_gen P_vocab(y) / P(y)
    const T r = y < V ? std::exp(terms.log_gen + terms.log_vocab[y] - log_p) : T(0);
    // dl/do = r (P_vocab - onehot(y))
    auto d = g.dlogits.col(n);
    d = (r * scale) * terms.log_vocab.array().exp().matrix();
    if (y < V) d[y] -= r * scale;
    // dl/dg = p_gen - r
    g.dgate(0, n) = (terms.p_gen - r) * scale;
    // dl/de_j = (1 - r) a_j - q_j,  q_j = [x_j = y] exp(log(1 - p_gen) + log a_j - log P(y))
    for (Index j = 0; j < len; ++j) {
      const T la = terms.log_align[j];
      T de = (T(1) - r) * std::exp(la);
      if (ext[static_cast<std::size_t>(j)] == y) de -= std::exp(terms.log_copy + la - log_p);
      g.dscores(j, n) = de * scale;
    }
  }
}

/// The loss of a copy model's batch for `targets` (extended ids below V +
/// extra), and with `grads` dJ/d(each output).
template <class T>
LossValue copy_cross_entropy(const CopyOutputs<T>& outputs, const CopySource& source, const TokenIds& targets,
                             const SpecialIds& ids, const CopyGradients<T>& g = {}) {
  static constexpr const char* where = "copy_cross_entropy";
  const bool grads = g.dlogits != nullptr;
  check_arg(grads == (g.dgate != nullptr) && grads == (g.dscores != nullptr), where,
            "give all three gradient outputs (dlogits, dgate, dscores) or none");
  check_copy_batch(where, outputs, source, targets);
  const SourceMap& map = source.map;
  const Index V = outputs.logits.rows(), N = outputs.logits.cols();
  LossValue out;
  out.tokens = count_targets(where, "targets", targets, ids.pad, V + source.extra, "the extended vocabulary");
  if (grads) {
    if (g.dlogits->data() != outputs.logits.data()) g.dlogits->resize(V, N);
    g.dgate->setZero(1, N);
    g.dscores->setZero(map.source_time, N);
  }
  if (out.tokens == 0) {
    if (grads) g.dlogits->setZero(V, N);
    return out;
  }
  const CopyGradientViews<T> views =
      grads ? CopyGradientViews<T>{*g.dlogits, *g.dgate, *g.dscores}
            : CopyGradientViews<T>{no_output<T>(), no_output<T>(), no_output<T>()};
  copy_cross_entropy_columns<T>(outputs, source, source_extended_ids(source.src_ext, map, V + source.extra), targets, 0,
                                out.tokens, ids, views, out);
  return out;
}

GENATTN_NAMESPACE_END
