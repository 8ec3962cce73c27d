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
  const Mat<T>& logits;
  const Mat<T>& gate;
  const Mat<T>& scores;
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

/// The loss of a copy model's batch for `targets` (extended ids below V +
/// extra), and with `grads` dJ/d(each output).
template <class T>
LossValue copy_cross_entropy(const CopyOutputs<T>& outputs, const CopySource& source, const TokenIds& targets,
                             const SpecialIds& ids, const CopyGradients<T>& g = {}) {
  static constexpr const char* where = "copy_cross_entropy";
  const Mat<T>& logits = outputs.logits;
  const Mat<T>& gate = outputs.gate;
  const Mat<T>& scores = outputs.scores;
  const SourceMap& map = source.map;
  const TokenIds& src_ext = source.src_ext;
  const Index extra = source.extra;
  const bool grads = g.dlogits != nullptr;
  check_arg(grads == (g.dgate != nullptr) && grads == (g.dscores != nullptr), where,
            "give all three gradient outputs (dlogits, dgate, dscores) or none");
  Mat<T>* dlogits = g.dlogits;
  Mat<T>* dgate = g.dgate;
  Mat<T>* dscores = g.dscores;
  const Index V = logits.rows(), N = logits.cols(), Q = map.queries();
  check_arg(static_cast<Index>(targets.size()) == N, where,
            "argument 'targets' has " + std::to_string(targets.size()) + " ids, expected " + std::to_string(N) +
                " (one per logits column)");
  check_shape(where, "gate", gate, 1, N);
  check_shape(where, "scores", scores, map.source_time, N);
  check_arg(Q > 0 && N % Q == 0, where, "the logits' " + std::to_string(N) + " columns are not steps x queries");
  check_arg(static_cast<Index>(src_ext.size()) == map.source_time * map.source_batch, where,
            "argument 'src_ext' has " + std::to_string(src_ext.size()) + " ids, expected " +
                std::to_string(map.source_time * map.source_batch));
  check_arg(extra >= 0, where, "extra = " + std::to_string(extra) + " is negative");
  LossValue out;
  for (Index n = 0; n < N; ++n) {
    const TokenId y = targets[static_cast<std::size_t>(n)];
    if (y == ids.pad) continue;
    if (y < 0 || y >= V + extra)
      throw std::invalid_argument(std::string(where) + ": argument 'targets'[" + std::to_string(n) + "] = " +
                                  std::to_string(y) + " is outside the extended vocabulary 0.." +
                                  std::to_string(V + extra - 1));
    ++out.tokens;
  }
  if (grads) {
    if (dlogits != &logits) dlogits->resize(V, N);
    dgate->setZero(1, N);
    dscores->setZero(map.source_time, N);
  }
  if (out.tokens == 0) {
    if (grads) dlogits->setZero(V, N);
    return out;
  }
  const double inv_n = 1.0 / static_cast<double>(out.tokens);
  CopyTerms<T> terms;
  const std::vector<std::vector<TokenId>> ext_of = source_extended_ids(src_ext, map, V + extra);
  Vec<T> all(V + extra);
  for (Index n = 0; n < N; ++n) {
    TokenId y = targets[static_cast<std::size_t>(n)];
    if (y == ids.pad) {
      if (grads) dlogits->col(n).setZero();
      continue;
    }
    const Index b = n % Q, len = map.length[static_cast<std::size_t>(b)];
    const std::vector<TokenId>& ext = ext_of[static_cast<std::size_t>(b)];
    terms.compute(logits.col(n), gate(0, n), scores.col(n), len);
    if (y >= V && std::find(ext.begin(), ext.end(), y) == ext.end()) y = ids.unk;
    const T log_p = terms.log_prob(y, ext);
    terms.log_probs(ext, all);
    Index arg = 0;
    all.maxCoeff(&arg);
    out.nll += -static_cast<double>(log_p) * inv_n;
    out.correct += arg == y;
    if (!grads) continue;
    const T scale = static_cast<T>(inv_n);
    // r = p_gen P_vocab(y) / P(y)
    const T r = y < V ? std::exp(terms.log_gen + terms.log_vocab[y] - log_p) : T(0);
    // dl/do = r (P_vocab - onehot(y))
    auto d = dlogits->col(n);
    d = (r * scale) * terms.log_vocab.array().exp().matrix();
    if (y < V) d[y] -= r * scale;
    // dl/dg = p_gen - r
    (*dgate)(0, n) = (terms.p_gen - r) * scale;
    // dl/de_j = (1 - r) a_j - q_j,  q_j = [x_j = y] exp(log(1 - p_gen) + log a_j - log P(y))
    for (Index j = 0; j < len; ++j) {
      const T la = terms.log_align[j];
      T de = (T(1) - r) * std::exp(la);
      if (ext[static_cast<std::size_t>(j)] == y) de -= std::exp(terms.log_copy + la - log_p);
      (*dscores)(j, n) = de * scale;
    }
  }
  out.loss = out.nll;
  return out;
}

GENATTN_NAMESPACE_END
