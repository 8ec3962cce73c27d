// genattn/core/loss_value.hpp: what every loss reports for a batch (the
// plain loss, seq2seq/loss.hpp, and the copy loss, copy/copy_loss.hpp).
#pragma once

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

GENATTN_NAMESPACE_END
