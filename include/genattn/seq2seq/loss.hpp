// genattn/seq2seq/loss.hpp: softmax and cross-entropy fused, over all target
// steps at once or a chunk of them at a time (softmax_cross_entropy_columns).
//
// For each counted column n (target y_n not the padding id), N columns in all,
// with p = softmax(o_n) over V words:
//   q     = (1 - eps) onehot(y_n) + eps / V          label smoothing eps (torch's definition)
//   l_n   = - sum_w q_w log p_w                      (eps = 0: -log p_{y_n})
//   H_n   = - sum_w p_w log p_w                      entropy of the prediction
//   J     = 1/N sum_n (l_n - lambda H_n)             the seed's maximum-entropy objective;
//                                                    lambda = 0 gives the plain loss exactly
// Gradient with respect to the logits o_n:
//   dl_n/do = p - q
//   dH_n/do = - p * (log p + H_n)
//   dJ/do_n = (p - q + lambda p (log p + H_n)) / N;   0 for padding columns.
//
// log p is computed as o - max - log(sum exp(o - max)), so extreme logits stay
// finite.
#pragma once

#include <cmath>
#include <string>

#include "genattn/core/check.hpp"
#include "genattn/core/loss_value.hpp"

GENATTN_NAMESPACE_BEGIN

struct LossConfig {
  double label_smoothing = 0.0;  ///< eps in [0, 1)
  double entropy_weight = 0.0;   ///< lambda >= 0
  double coverage_weight = 1.0;  ///< weight of the coverage loss (models with coverage; See et al.'s lambda = 1)
  /// Seq2Seq::loss_and_backward runs the output layer and the loss over at
  /// most this many logits at once (V x columns; whole target steps, at
  /// least one): 2^22 floats is 16 MB. 0: every step at once.
  Index chunk_logits = Index(1) << 22;
};

/// Throws unless eps is in [0, 1) and lambda >= 0.
inline void check_loss_config(const char* where, const LossConfig& config) {
  check_arg(config.label_smoothing >= 0.0 && config.label_smoothing < 1.0, where,
            "label_smoothing = " + std::to_string(config.label_smoothing) + " is outside [0, 1)");
  check_arg(config.entropy_weight >= 0.0, where,
            "entropy_weight = " + std::to_string(config.entropy_weight) + " is negative");
  check_arg(config.chunk_logits >= 0, where, "chunk_logits = " + std::to_string(config.chunk_logits) + " is negative");
}

/// The loss of columns first .. first + logits.cols() - 1 of a batch whose
/// targets (checked by count_targets) count `tokens` in all: adds their terms
/// to out.loss, nll, entropy and correct, and writes dJ/dlogits into
/// `dlogits` unless it is empty (it may be `logits`' own memory). Summed
/// chunk after chunk in column order, the loss is bit for bit that of one
/// call over all columns.
template <class T>
void softmax_cross_entropy_columns(const ConstMatRef<T>& logits, const TokenIds& targets, Index first, Index tokens,
                                   TokenId padding_id, const LossConfig& config, MatRef<T> dlogits, LossValue& out) {
  const Index V = logits.rows(), N = logits.cols();
  const bool grads = dlogits.size() != 0;
  const double eps = config.label_smoothing, lambda = config.entropy_weight;
  const double inv_n = tokens > 0 ? 1.0 / static_cast<double>(tokens) : 0.0;
  Vec<T> logp(V);
  for (Index n = 0; n < N; ++n) {
    const TokenId y = targets[static_cast<std::size_t>(first + n)];
    if (y == padding_id) {
      if (grads) dlogits.col(n).setZero();
      continue;
    }
    Index arg = 0;
    const T m = logits.col(n).maxCoeff(&arg);
    logp = logits.col(n).array() - m;
    const T lse = std::log(logp.array().exp().sum());
    logp.array() -= lse;
    const double nll = -static_cast<double>(logp[y]);
    // l = (1 - eps)(-log p_y) + eps * mean_w(-log p_w)
    const double smooth = -static_cast<double>(logp.sum()) / static_cast<double>(V);
    const double l = (1.0 - eps) * nll + eps * smooth;
    // H = -sum p log p (p = exp(logp); 0 * log 0 = 0 through exp underflow)
    double H = 0.0;
    if (lambda != 0.0) H = -static_cast<double>((logp.array().exp() * logp.array()).sum());
    out.loss += (l - lambda * H) * inv_n;
    out.nll += nll * inv_n;
    out.entropy += H * inv_n;
    out.correct += arg == y;
    if (grads) {
      auto d = dlogits.col(n);
      // dJ/do = (p - q + lambda p (log p + H)) / N
      d = logp.array().exp().matrix();
      if (lambda != 0.0) d.array() += static_cast<T>(lambda) * d.array() * (logp.array() + static_cast<T>(H));
      d.array() -= static_cast<T>(eps / static_cast<double>(V));
      d[y] -= static_cast<T>(1.0 - eps);
      d *= static_cast<T>(inv_n);
    }
  }
}

/// Computes J over the columns of `logits` (V x N) and, when `dlogits` is not
/// null, writes dJ/dlogits into it (it may be `logits` itself). Targets equal
/// to `padding_id` are not counted. Throws when a target is outside 0..V-1.
template <class T>
LossValue softmax_cross_entropy(const Mat<T>& logits, const TokenIds& targets, TokenId padding_id,
                                const LossConfig& config, typename detail::identity<Mat<T>>::type* dlogits) {
  static constexpr const char* where = "softmax_cross_entropy";
  const Index V = logits.rows(), N = logits.cols();
  check_arg(static_cast<Index>(targets.size()) == N, where,
            "argument 'targets' has " + std::to_string(targets.size()) + " ids, expected " + std::to_string(N) +
                " (one per logits column)");
  check_loss_config(where, config);
  LossValue out;
  out.tokens = count_targets(where, "targets", targets, padding_id, V, "the vocabulary");
  if (dlogits != nullptr && dlogits != &logits) dlogits->resize(V, N);
  if (out.tokens == 0) {
    if (dlogits != nullptr) dlogits->setZero(V, N);
    return out;
  }
  softmax_cross_entropy_columns<T>(logits, targets, 0, out.tokens, padding_id, config,
                                   dlogits != nullptr ? MatRef<T>(*dlogits) : MatRef<T>(no_output<T>()), out);
  return out;
}

GENATTN_NAMESPACE_END
