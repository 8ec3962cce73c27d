// genattn/seq2seq/greedy.hpp: batched greedy decoding.
//
// All sentences advance together, one step() (one product per layer) per
// output position: y_t = argmax_w logits_t(w), fed back as the next input,
// until every sentence has produced </s> or max_length tokens. Each output
// token carries its alignment over the source.
#pragma once

#include <vector>

#include "genattn/seq2seq/seq2seq.hpp"

GENATTN_NAMESPACE_BEGIN

/// One decoded sentence: tokens (without </s>) and, per token, the alignment
/// over the source positions.
template <class T>
struct Hypothesis {
  TokenIds tokens;
  std::vector<Vec<T>> alignment;  ///< per token, source-length weights
  double log_prob = 0.0;          ///< sum of log p of the emitted tokens (and </s>)
  bool finished = false;          ///< ended with </s> (else cut at max_length)
};

/// Greedy decoding of a padded source batch (ids position-ordered).
template <class T>
std::vector<Hypothesis<T>> greedy_search(const Seq2Seq<T>& model, const ParamBuffer<T>& p, const TokenIds& src,
                                         const Lengths& lengths, Index max_length) {
  check_arg(max_length >= 1, "greedy_search", "max_length = " + std::to_string(max_length) + ", expected >= 1");
  const auto memory = model.encode(p, src, lengths);
  auto state = model.start(memory);
  const Index B = state.size();
  const SpecialIds& ids = model.config().ids;
  std::vector<Hypothesis<T>> out(static_cast<std::size_t>(B));
  TokenIds prev(static_cast<std::size_t>(B), ids.bos);
  typename Seq2Seq<T>::StepWorkspace ws;
  Mat<T> logits, align;
  Index live = B;
  for (Index t = 0; t < max_length && live > 0; ++t) {
    model.step(p, memory, state, prev, logits, &align, ws);
    for (Index b = 0; b < B; ++b) {
      auto& h = out[static_cast<std::size_t>(b)];
      if (h.finished) continue;
      Index w = 0;
      const T m = logits.col(b).maxCoeff(&w);
      const T lse = m + std::log((logits.col(b).array() - m).exp().sum());
      h.log_prob += static_cast<double>(logits(w, b) - lse);
      if (static_cast<TokenId>(w) == ids.eos) {
        h.finished = true;
        --live;
        continue;
      }
      h.tokens.push_back(static_cast<TokenId>(w));
      h.alignment.push_back(align.col(b).head(lengths[static_cast<std::size_t>(b)]));
      prev[static_cast<std::size_t>(b)] = static_cast<TokenId>(w);
    }
  }
  return out;
}

GENATTN_NAMESPACE_END
