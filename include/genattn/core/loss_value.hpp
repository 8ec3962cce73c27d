// genattn/core/loss_value.hpp: what every loss reports for a batch (the
// plain loss, seq2seq/loss.hpp, and the copy loss, copy/copy_loss.hpp), and
// the check of its targets that both make.
#pragma once

#include <stdexcept>
#include <string>

#include "genattn/core/types.hpp"

GENATTN_NAMESPACE_BEGIN

/// The loss of a batch: J, and its parts (means over counted tokens).
struct LossValue {
  double loss = 0.0;           ///< J
  double nll = 0.0;            ///< mean -log p(y) (unsmoothed), for perplexity
  double entropy = 0.0;        ///< mean H(p)
  double coverage = 0.0;       ///< mean coverage loss sum_j min(a_tj, c_tj) (models with coverage)
  Index tokens = 0;            ///< N
  Index correct = 0;           ///< argmax == y
};

/// N: the targets that are not `padding_id`. Throws when one is outside
/// 0..size-1, naming the argument (`name`) and the range (`what`: "the
/// vocabulary", ...).
inline Index count_targets(const char* where, const char* name, const TokenIds& targets, TokenId padding_id,
                           Index size, const char* what) {
  Index n = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const TokenId y = targets[i];
    if (y == padding_id) continue;
    if (y < 0 || y >= size)
      throw std::invalid_argument(std::string(where) + ": argument '" + name + "'[" + std::to_string(i) + "] = " +
                                  std::to_string(y) + " is outside " + what + " 0.." + std::to_string(size - 1));
    ++n;
  }
  return n;
}

GENATTN_NAMESPACE_END
