// genattn/pipeline/batcher.hpp: groups examples of similar length into padded
// batches, truncating at configured maxima and counting what it cut.
//
// Per epoch: shuffle the examples with Rng(seed + epoch); cut the order into
// pools of batch_size * pool_factor; sort each pool by source length (then
// target length); cut pools into batches of batch_size; shuffle the batches.
// Examples for a copy model also carry their source in the target's extended
// vocabulary (pipeline/extended_vocabulary.hpp), and their targets are extended
// ids; with BatcherConfig::copy_vocab = V the batches are copy batches.
// Sources longer than max_source keep their first max_source tokens; targets
// keep their first max_target - 1 tokens (</s> makes max_target). Examples
// with an empty source are skipped and counted.
// make_batches makes an epoch's batches at once; order_batches plans the
// same epoch and makes each batch when asked (BatchOrder::batch), so that a
// training run holds one epoch's batches as indices, not as padded copies.
#pragma once

#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

#include "genattn/core/rng.hpp"
#include "genattn/seq2seq/batch.hpp"

GENATTN_NAMESPACE_BEGIN

struct Example {
  TokenIds source, target;
  TokenIds source_ext;  ///< copy models: the source as extended ids (else empty)

  Example() = default;
  Example(TokenIds source_ids, TokenIds target_ids, TokenIds source_extended = {})
      : source(std::move(source_ids)), target(std::move(target_ids)), source_ext(std::move(source_extended)) {}
};

struct BatcherConfig {
  Index batch_size = 32;
  Index max_source = 400;
  Index max_target = 50;  ///< counts </s>
  Index pool_factor = 50;
  bool shuffle = true;
  std::uint64_t seed = 1;
  Index copy_vocab = 0;  ///< V: make copy batches from the examples' source_ext (0: plain batches)
};

struct BatchPlan {
  std::vector<Seq2SeqBatch> batches;
  Index truncated_sources = 0, truncated_targets = 0;
  Index dropped_tokens = 0;  ///< tokens cut by truncation
  Index skipped_empty = 0;   ///< examples with no source token
};

/// make_batches' plan without its batches: which examples each batch holds,
/// in the epoch's order, and what truncation cuts. batch(k) makes batch k
/// when it is needed, so that an epoch's padded batches, another copy of
/// the corpus, never exist at once. The examples must outlive it.
class BatchOrder {
 public:
  std::size_t size() const { return members_.size(); }
  /// The indices in the examples of batch k's items, in batch order.
  const std::vector<std::size_t>& members(std::size_t k) const {
    check_arg(k < members_.size(), "BatchOrder", "batch " + std::to_string(k) + " of an epoch of " +
                                                     std::to_string(members_.size()) + " batches");
    return members_[k];
  }
  /// Batch k, as make_batches' batches[k].
  Seq2SeqBatch batch(std::size_t k) const;

  Index truncated_sources = 0, truncated_targets = 0;
  Index dropped_tokens = 0;  ///< tokens cut by truncation
  Index skipped_empty = 0;   ///< examples with no source token

 private:
  friend BatchOrder order_batches(const std::vector<Example>&, const BatcherConfig&, std::uint64_t, const SpecialIds&);
  const std::vector<Example>* examples_ = nullptr;
  BatcherConfig config_;
  SpecialIds ids_;
  std::vector<std::vector<std::size_t>> members_;
};

/// An epoch's batches, planned (module comment) but not made: BatchOrder,
/// which refers to `examples`; a temporary would be gone before its first
/// batch, so an rvalue does not compile.
BatchOrder order_batches(std::vector<Example>&&, const BatcherConfig&, std::uint64_t = 0, const SpecialIds& = {}) = delete;
inline BatchOrder order_batches(const std::vector<Example>& examples, const BatcherConfig& config,
                                std::uint64_t epoch = 0, const SpecialIds& ids = {}) {
  check_arg(config.batch_size >= 1 && config.max_source >= 1 && config.max_target >= 1 && config.pool_factor >= 1,
            "make_batches", "batch_size, max_source, max_target and pool_factor must be positive");
  BatchOrder plan;
  plan.examples_ = &examples;
  plan.config_ = config;
  plan.ids_ = ids;
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    if (examples[i].source.empty())
      ++plan.skipped_empty;
    else
      order.push_back(i);
  }
  Rng rng(config.seed + epoch);
  auto shuffle = [&](auto& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
  };
  if (config.shuffle) shuffle(order);
  const auto max_src = static_cast<std::size_t>(config.max_source), max_tgt = static_cast<std::size_t>(config.max_target - 1);
  auto len = [&](std::size_t i) {
    return std::make_pair(std::min(examples[i].source.size(), max_src), std::min(examples[i].target.size(), max_tgt));
  };
  const auto pool = static_cast<std::size_t>(config.batch_size * config.pool_factor);
  for (std::size_t p = 0; p < order.size(); p += pool) {
    const auto end = order.begin() + static_cast<long>(std::min(order.size(), p + pool));
    std::stable_sort(order.begin() + static_cast<long>(p), end, [&](std::size_t a, std::size_t b) { return len(a) < len(b); });
  }
  const auto bs = static_cast<std::size_t>(config.batch_size);
  for (std::size_t s = 0; s < order.size(); s += bs) {
    const auto first = order.begin() + static_cast<long>(s), last = order.begin() + static_cast<long>(std::min(order.size(), s + bs));
    plan.members_.emplace_back(first, last);
    for (auto it = first; it != last; ++it) {
      const Example& e = examples[*it];
      if (e.source.size() > max_src) {
        ++plan.truncated_sources;
        plan.dropped_tokens += static_cast<Index>(e.source.size() - max_src);
      }
      if (e.target.size() > max_tgt) {
        ++plan.truncated_targets;
        plan.dropped_tokens += static_cast<Index>(e.target.size() - max_tgt);
      }
    }
  }
  if (config.shuffle) shuffle(plan.members_);
  return plan;
}

inline Seq2SeqBatch BatchOrder::batch(std::size_t k) const {
  const auto max_src = static_cast<std::size_t>(config_.max_source), max_tgt = static_cast<std::size_t>(config_.max_target - 1);
  std::vector<TokenIds> src, tgt, src_ext;
  for (const std::size_t i : members(k)) {
    const Example& e = (*examples_)[i];
    src.emplace_back(e.source.begin(), e.source.begin() + static_cast<long>(std::min(e.source.size(), max_src)));
    if (config_.copy_vocab > 0) {
      check_arg(e.source_ext.size() == e.source.size(), "make_batches",
                "example " + std::to_string(i) + " has no extended source for a copy batch");
      src_ext.emplace_back(e.source_ext.begin(), e.source_ext.begin() + static_cast<long>(src.back().size()));
    }
    tgt.emplace_back(e.target.begin(), e.target.begin() + static_cast<long>(std::min(e.target.size(), max_tgt)));
  }
  return config_.copy_vocab > 0 ? make_copy_batch(src, src_ext, tgt, config_.copy_vocab, ids_) : make_batch(src, tgt, ids_);
}

/// An epoch's batches (module comment), all made at once.
inline BatchPlan make_batches(const std::vector<Example>& examples, const BatcherConfig& config, std::uint64_t epoch = 0,
                              const SpecialIds& ids = {}) {
  const BatchOrder order = order_batches(examples, config, epoch, ids);
  BatchPlan plan;
  plan.truncated_sources = order.truncated_sources;
  plan.truncated_targets = order.truncated_targets;
  plan.dropped_tokens = order.dropped_tokens;
  plan.skipped_empty = order.skipped_empty;
  for (std::size_t k = 0; k < order.size(); ++k) plan.batches.push_back(order.batch(k));
  return plan;
}

GENATTN_NAMESPACE_END
