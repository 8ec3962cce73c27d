// genattn/copy/copy_distribution.hpp: the pointer-generator's final
// distribution over the extended vocabulary (See et al. 2017, eq. 9).
//
// The extended vocabulary of a source is the target vocabulary (ids 0..V-1)
// plus the source's own out-of-vocabulary words (ids V, V+1, ...;
// extended_vocabulary.hpp assigns them). With x_j the extended id of source
// position j, a_j the attention and p_gen the gate (generation_gate.hpp):
//
//   P(w) = p_gen P_vocab(w) + (1 - p_gen) sum_{j: x_j = w} a_j,   P_vocab(w) = 0 for w >= V
//
// Everything is computed in log space, so no probability underflows to a
// log(0):
//   log p_gen      = -softplus(-g),   log (1 - p_gen) = -softplus(g)
//   log P_vocab(w) = o_w - logsumexp(o)
//   log a_j        = e_j - logsumexp_{k < n}(e_k)          (e: the attention scores)
//   log P(w)       = logaddexp(log p_gen + log P_vocab(w), log (1 - p_gen) + logsumexp_{j: x_j = w} log a_j)
// A word neither the vocabulary nor the source holds has log P = -inf.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "genattn/attention/source_map.hpp"

GENATTN_NAMESPACE_BEGIN

namespace detail {

/// log(exp(a) + exp(b)), exact for -inf arguments.
template <class T>
T log_add_exp(T a, T b) {
  if (a < b) std::swap(a, b);
  if (b == -std::numeric_limits<T>::infinity()) return a;
  return a + std::log1p(std::exp(b - a));
}

/// softplus(x) = log(1 + exp(x)), without overflow.
template <class T>
T softplus(T x) {
  return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x)));
}

}  // namespace detail

/// One query's terms of the copy distribution, in log space.
template <class T>
struct CopyTerms {
  T log_gen = 0, log_copy = 0;  ///< log p_gen, log (1 - p_gen)
  T p_gen = 0;
  Vec<T> log_vocab;             ///< log P_vocab (V)
  Vec<T> log_align;             ///< log a_j in its first n entries (a buffer: grows, never shrinks)

  /// From the logits o (V), the gate logit g and the first n attention scores e.
  template <class O, class E>
  void compute(const O& logits, T g, const E& scores, Index n) {
    log_gen = -detail::softplus(-g);
    log_copy = -detail::softplus(g);
    p_gen = std::exp(log_gen);
    const T m = logits.maxCoeff();
    log_vocab = logits.array() - m;
    log_vocab.array() -= std::log(log_vocab.array().exp().sum());
    if (log_align.size() < n) log_align.resize(n);
    auto la = log_align.head(n);
    const T me = scores.head(n).maxCoeff();
    la = scores.head(n).array() - me;
    la.array() -= std::log(la.array().exp().sum());
  }

  /// log P(w) for one word w of the extended vocabulary; `ext` (n) holds the
  /// source positions' extended ids.
  T log_prob(TokenId w, const std::vector<TokenId>& ext) const {
    const T ninf = -std::numeric_limits<T>::infinity();
    T copied = ninf;
    for (std::size_t j = 0; j < ext.size(); ++j)
      if (ext[j] == w) copied = detail::log_add_exp(copied, log_align[static_cast<Index>(j)]);
    const T generated = w < log_vocab.size() ? log_gen + log_vocab[w] : ninf;
    return detail::log_add_exp(generated, log_copy + copied);
  }

  /// out (V + extra) <- log P over the whole extended vocabulary.
  template <class Out>
  void log_probs(const std::vector<TokenId>& ext, Out&& out) const {
    const Index V = log_vocab.size();
    out.head(V) = log_vocab.array() + log_gen;
    out.tail(out.size() - V).setConstant(-std::numeric_limits<T>::infinity());
    for (std::size_t j = 0; j < ext.size(); ++j) {
      T& o = out[ext[j]];
      o = detail::log_add_exp(o, log_copy + log_align[static_cast<Index>(j)]);
    }
  }
};

/// Per query b of `map`: the extended ids of the source positions it
/// attends to, ext[b][j] = src_ext[column of position j], j < n_b. Computed
/// once per batch (training) or per encoded source (decoding). Throws when
/// one is outside 0..limit-1.
inline std::vector<std::vector<TokenId>> source_extended_ids(const TokenIds& src_ext, const SourceMap& map,
                                                             Index limit) {
  std::vector<std::vector<TokenId>> out(static_cast<std::size_t>(map.queries()));
  for (Index b = 0; b < map.queries(); ++b) {
    auto& ext = out[static_cast<std::size_t>(b)];
    for (Index j = 0; j < map.length[static_cast<std::size_t>(b)]; ++j) {
      const TokenId w = src_ext[static_cast<std::size_t>(map.column(j, b))];
      if (w < 0 || w >= limit)
        throw std::invalid_argument("copy distribution: source extended id " + std::to_string(w) +
                                    " is outside the extended vocabulary 0.." + std::to_string(limit - 1));
      ext.push_back(w);
    }
  }
  return out;
}

GENATTN_NAMESPACE_END
