// genattn/train/trainer.hpp: the training step for Seq2Seq<T>, with gradient
// accumulation, global-norm clipping, a NaN/Inf guard, learning-rate
// schedules, and checkpoints that resume bit for bit.
//
// One update = `accumulate` batches: g = (1/accumulate) sum_batches dJ/dw;
// if the loss or g holds a NaN or Inf the update is skipped and reported with
// the parameter's name and the step; else g is clipped to `clip_norm` and the
// optimizer steps with the schedule's rate.
//
// With `threads` > 1 everything after the shards' backward runs on the same
// threads too, each over its own range of the flat buffers: the weighted sum
// of the shards' gradients, the squared norm (which also detects NaN/Inf),
// and the optimizer update with clipping folded in and the gradient zeroed as
// it is read.
//
// With a Communicator of R ranks (train/communicator.hpp), each rank runs
// `threads` shards of every batch: the batch is cut into R * threads shards
// exactly as one process with R * threads threads would cut it, and rank r
// computes shards [r * threads, (r + 1) * threads). Every rank draws every
// shard's dropout seed, so the stream is the same for any R. The shards'
// token counts and losses are summed over the ranks (each is nonzero on one
// rank only, so the sum is exact), the weighted local gradients are summed
// once an update is complete, and every rank then takes the same step.
//
// Everything a run depends on is saved: parameters, optimizer moments and
// step, the schedule, the dropout generator, the update count, and words the
// caller adds (an epoch, a data cursor). With the same seed, a run resumed
// from a checkpoint computes exactly the losses the uninterrupted run would.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "genattn/core/parallel.hpp"
#include "genattn/core/precision.hpp"
#include "genattn/seq2seq/seq2seq.hpp"
#include "genattn/train/checkpoint.hpp"
#include "genattn/train/clip.hpp"
#include "genattn/train/communicator.hpp"
#include "genattn/train/optimizer.hpp"
#include "genattn/train/schedule.hpp"

GENATTN_NAMESPACE_BEGIN

/// A model's checkpoint without its values: the config and the parameter
/// table (save_checkpoint with the buffers writes the values).
template <class T>
Checkpoint model_table(const Seq2Seq<T>& model) {
  Checkpoint c;
  c.config = model.config().fields();
  store_slots<T>(model.layout(), c);
  return c;
}

/// The model's config and parameters into a checkpoint (no training state).
template <class T>
Checkpoint model_checkpoint(const Seq2Seq<T>& model, const ParamBuffer<T>& params) {
  Checkpoint c = model_table(model);
  c.values = gather_slots(model.layout(), params);
  return c;
}

/// The precision a checkpoint's weights are stored at (quantize_checkpoint;
/// float32 for one training wrote). Decoding packs at it unless told
/// otherwise.
inline Precision checkpoint_precision(const Checkpoint& c) {
  const std::uint64_t v = c.find_state_word("precision").value_or(static_cast<std::uint64_t>(Precision::float32));
  if (v > 2) throw CheckpointError("the checkpoint's precision " + std::to_string(v) + " is unknown");
  return static_cast<Precision>(v);
}

/// Stores `c`'s weights at `precision` (a model for decoding, about half or
/// a quarter of the file): every matrix (more than one row and one column)
/// in bf16, or in int8 with a scale per row (a layer's output) or, for an
/// embedding (`<prefix>.E`, one column a word), per column; biases and
/// vectors stay in the scalar type. Rounds the values in memory to those
/// stored, drops the optimizer's state (it trains nothing) and records the
/// precision as the state word "precision". float32 only records it.
inline void quantize_checkpoint(Checkpoint& c, Precision precision) {
  for (std::size_t k = 0; k < c.slots.size(); ++k) {
    const CheckpointSlot& s = c.slots[k];
    if (precision == Precision::float32 || s.rows < 2 || s.cols < 2) continue;
    const bool embedding = s.name.size() >= 2 && s.name.compare(s.name.size() - 2, 2, ".E") == 0;
    encode_slot_as(c, k,
                   precision == Precision::bf16 ? SlotEncoding::bf16
                   : embedding                  ? SlotEncoding::int8_cols
                                                : SlotEncoding::int8_rows);
  }
  c.has_optimizer = false;
  c.moments.clear();
  c.optimizer_step = 0;
  bool found = false;
  for (auto& [k, v] : c.state)
    if (k == "precision") found = true, v = static_cast<std::uint64_t>(precision);
  if (!found) c.state.emplace_back("precision", static_cast<std::uint64_t>(precision));
}

/// The Seq2SeqConfig a checkpoint holds; throws on an unknown field.
inline Seq2SeqConfig checkpoint_config(const Checkpoint& c, const std::string& path) {
  Seq2SeqConfig cfg;
  for (const auto& [k, v] : c.config)
    if (!cfg.set_field(k, v)) throw CheckpointError(path + ": unknown or invalid config field '" + k + "'");
  try {
    cfg.validate();
  } catch (const std::invalid_argument& e) {
    throw CheckpointError(path + ": " + e.what());
  }
  return cfg;
}

/// Throws unless `c` was written by a model with `config`, naming the first
/// field that differs. A field the checkpoint lacks counts as 0 (its
/// default): older checkpoints predate copy and coverage.
inline void check_config(const Seq2SeqConfig& config, const Checkpoint& c, const std::string& path) {
  const auto mine = config.fields();
  for (const auto& [k, v] : mine) {
    bool found = false;
    for (const auto& [fk, fv] : c.config)
      if (fk == k) {
        found = true;
        if (fv != v)
          throw CheckpointError(path + ": the checkpoint's " + k + " is " + std::to_string(fv) + ", the model's is " +
                                std::to_string(v));
      }
    if (!found && v != 0) throw CheckpointError(path + ": the checkpoint has no config field '" + k + "'");
  }
}

/// Saves a model (config + parameters, and the caller's `extra` words) to
/// `path` atomically.
template <class T>
void save_model(const std::string& path, const Seq2Seq<T>& model, const ParamBuffer<T>& params,
                const std::vector<std::pair<std::string, std::uint64_t>>& extra = {}) {
  Checkpoint c = model_table(model);
  c.state = extra;
  save_checkpoint(path, c, model.layout(), params);
}

/// A model read from a file: its config, and parameters converted to T.
template <class T>
struct LoadedModel {
  Seq2Seq<T> model;
  ParamBuffer<T> params;
};

/// The model a checkpoint read from `path` holds.
template <class T>
LoadedModel<T> load_model(const Checkpoint& c, const std::string& path) {
  Seq2Seq<T> model(checkpoint_config(c, path));
  check_slots(model.layout(), c, path);
  ParamBuffer<T> params(model.layout());
  scatter_slots(model.layout(), c.values, params);
  return {std::move(model), std::move(params)};
}

template <class T>
LoadedModel<T> load_model(const std::string& path) {
  return load_model<T>(load_checkpoint(path), path);
}

/// The model in a checkpoint's bytes (read from `path`), read for decoding:
/// the values go straight into T, with no copy of the whole file as doubles;
/// the optimizer's state is checked and skipped; and the slots the file
/// stores quantized stay so: the ParamBuffer holds them encoded (its
/// products pack them at their precision with no float copy, its
/// embeddings widen the words looked up), and does not train. `header`
/// receives the config and the trainer state (its values stay empty).
template <class T>
LoadedModel<T> load_model_for_decoding(std::string_view bytes, const std::string& path, Checkpoint& header) {
  struct ToBuffer : CheckpointSink {
    const std::string& path;
    std::optional<Seq2Seq<T>> model;
    ParamBuffer<T> params;
    explicit ToBuffer(const std::string& from) : path(from) {}
    void table(const Checkpoint& c) override {
      model.emplace(checkpoint_config(c, path));
      check_slots(model->layout(), c, path);
      std::vector<Param> held;
      for (std::size_t k = 0; k < c.slots.size(); ++k)
        if (c.slots[k].encoding != SlotEncoding::scalar) held.push_back(model->layout().slots()[k].param);
      params = held.empty() ? ParamBuffer<T>(model->layout()) : ParamBuffer<T>(model->layout(), held);
    }
    void slot(std::size_t k, SlotReader& r) override {
      const Param& P = model->layout().slots()[k].param;
      if (r.slot().encoding == SlotEncoding::scalar)
        r.scalars(params[P].data());
      else
        params.hold(P, r.encoded());
    }
    bool wants_moments() const override { return false; }
  } sink(path);
  header = parse_checkpoint(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), path, sink);
  return {std::move(*sink.model), std::move(sink.params)};
}

struct TrainerConfig {
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  double clip_norm = 5.0;  ///< <= 0: no clipping
  int accumulate = 1;      ///< batches per update
  LossConfig loss;
  std::uint64_t seed = 1;  ///< dropout masks
  int threads = 1;         ///< data-parallel shards of each batch, one thread each (on each rank)
  /// The ranks to train with (genattn/distributed/mpi.hpp), or nullptr to
  /// train alone. Not owned; it must outlive the Trainer.
  Communicator* communicator = nullptr;
};

/// What one call of Trainer::train_batch did.
struct TrainStep {
  LossValue loss;
  bool updated = false;      ///< an optimizer step happened
  bool skipped = false;      ///< the update was skipped: non-finite loss or gradient
  std::string message;       ///< why it was skipped
  double grad_norm = 0.0;    ///< before clipping (when updated)
  double lr = 0.0;
  std::int64_t update = 0;   ///< updates done so far
};

template <class T>
class Trainer {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  Trainer(const Seq2Seq<T>& model, ParamBuffer<T>& params, const TrainerConfig& config)
      : model_(model),
        params_(params),
        config_(config),
        grads_(model.layout()),
        optimizer_(model.layout(), config.optimizer),
        schedule_(config.schedule),
        dropout_rng_(config.seed),
        comm_(config.communicator),
        ranks_(comm_ != nullptr ? comm_->size() : 1),
        rank_(comm_ != nullptr ? comm_->rank() : 0) {
    check_arg(config.accumulate >= 1, "Trainer", "accumulate must be at least 1");
    check_arg(config.threads >= 1, "Trainer", "threads must be at least 1");
    check_arg(ranks_ >= 1 && 0 <= rank_ && rank_ < ranks_, "Trainer",
              "the communicator's rank " + std::to_string(rank_) + " of " + std::to_string(ranks_) + " is not a rank");
    if (config.threads > 1 || ranks_ > 1) shards_.resize(static_cast<std::size_t>(config.threads));
    check_arg(params.size() == model.layout().size(), "Trainer", "parameter buffer does not fit the model");
  }

  /// Forward and backward on one batch; every `accumulate` batches, an update.
  TrainStep train_batch(const Seq2SeqBatch& batch);

  /// Loss without dropout or updates.
  LossValue evaluate(const Seq2SeqBatch& batch);

  /// Frees what training and evaluate() keep between calls to be fast: the
  /// activations and workspaces of each shard and of evaluation, and the
  /// shards' own gradient buffers (zero between batches). The next call
  /// sizes them again, as the first did; the parameters, the gradients of
  /// a pending update and the optimizer's state stay. For a caller about to
  /// need the memory for something else for a while (summarize's
  /// validation, which decodes, between epochs).
  void release_workspaces() {
    cache_ = {};
    eval_cache_ = {};
    for (Shard& s : shards_) {
      s.cache = {};
      s.batch = {};
      s.grads = ParamBuffer<T>();
    }
  }

  /// Reports a validation loss to the schedule; true when it decayed the rate.
  bool on_validation(double loss) { return schedule_.on_validation(loss); }

  std::int64_t updates() const { return optimizer_.step_count(); }
  std::int64_t skipped() const { return skipped_; }
  /// The ranks it trains with (1 without a communicator).
  int ranks() const { return ranks_; }
  const Schedule& schedule() const { return schedule_; }

  /// Saves everything a resume needs, plus the caller's `extra` words.
  void save(const std::string& path, const std::vector<std::pair<std::string, std::uint64_t>>& extra = {}) const;

  /// Restores a checkpoint that save() wrote for this model; returns it (for
  /// the caller's extra words). Throws CheckpointError on any mismatch.
  Checkpoint resume(const std::string& path) { return resume(load_checkpoint(path), path); }
  /// The same from a checkpoint already read (by another rank, say); `path`
  /// names it in errors.
  Checkpoint resume(Checkpoint c, const std::string& path);

 private:
  /// One thread's share of a batch.
  struct Shard {
    Seq2SeqBatch batch;
    typename Seq2Seq<T>::Cache cache;
    ParamBuffer<T> grads;  ///< zero between batches: the sum pass zeroes it as it reads it
    Rng rng;
    LossValue loss;
    std::string problem;
    std::exception_ptr error;
  };

  // Data parallelism. The batch's items are cut into n = ranks * threads
  // contiguous shards (fewer when the batch is smaller); shard k computes
  // J_k, the mean over its N_k tokens, and dJ_k/dθ into its own buffer. The batch loss is the token-weighted mean
  //   J = sum_k (N_k / N) J_k,   so   dJ/dθ = sum_k (N_k / N) dJ_k/dθ.
  // Each shard's dropout stream is seeded from the trainer's stream, so the
  // result does not depend on thread timing.
  //
  // When no earlier batch is pending, grads_ is zero (the optimizer zeroes it
  // as it reads it): the rank's first shard f then writes straight into it,
  // and its sum is g <- w_f g + sum_{k>f} w_k g_k. Alone, when the batch
  // completes an update (`last`), the same pass scales by 1/accumulate and
  // returns ||g||^2 in `sq`; over ranks that waits for the sum over ranks.
  LossValue sharded_loss_and_backward(const Seq2SeqBatch& batch, bool last, double& sq);

  // One pass over grads_, its ranges on `parts` threads: combine(b, e) on
  // each range [b, e), then, when `last`, g <- g / accumulate there. Returns
  // ||g||^2 when `last` (partial sums in double), else 0.
  template <class F>
  double gradient_pass(int parts, bool last, F&& combine) {
    std::vector<double> partial(static_cast<std::size_t>(parts), 0.0);
    const T inv = static_cast<T>(1.0 / config_.accumulate);
    parallel_ranges(grads_.size(), parts, [&](Index b, Index e, Index k) {
      combine(b, e);
      if (!last) return;
      auto g = grads_.flat().segment(b, e - b);
      if (config_.accumulate > 1) g *= inv;
      partial[static_cast<std::size_t>(k)] = squared_norm(g);
    });
    double sq = 0.0;
    for (double x : partial) sq += x;
    return sq;
  }

  static constexpr Index kCombineBlock = 2048;

  const Seq2Seq<T>& model_;
  ParamBuffer<T>& params_;
  TrainerConfig config_;
  ParamBuffer<T> grads_;
  Optimizer<T> optimizer_;
  Schedule schedule_;
  Rng dropout_rng_;
  typename Seq2Seq<T>::Cache cache_, eval_cache_;
  std::vector<Shard> shards_;  ///< this rank's
  Communicator* comm_;
  int ranks_, rank_;
  int pending_ = 0;
  std::string poisoned_;
  std::int64_t skipped_ = 0;
};

template <class T>
TrainStep Trainer<T>::train_batch(const Seq2SeqBatch& batch) {
  TrainStep out;
  const std::int64_t step = optimizer_.step_count() + 1;
  const bool sharded = !shards_.empty() && (batch.batch >= 2 || ranks_ > 1);
  if (!sharded) {
    // a non-finite loss leaves a non-finite gradient behind: the update is
    // skipped and the gradient zeroed below
    out.loss = model_.loss_and_backward(params_, grads_, batch, cache_, config_.loss, &dropout_rng_);
    const std::string loss_problem = non_finite_reason<T>(model_.layout(), out.loss.loss, params_, nullptr);
    if (!loss_problem.empty()) poisoned_ = loss_problem;
  }
  const bool last = pending_ + 1 >= config_.accumulate;  // this batch completes an update
  double sq = 0.0;
  bool have_sq = false;
  if (sharded) {
    out.loss = sharded_loss_and_backward(batch, last, sq);
    have_sq = last && ranks_ == 1;
  }
  if (++pending_ < config_.accumulate) {
    out.update = optimizer_.step_count();
    return out;
  }
  pending_ = 0;
  const int parts = std::max(1, config_.threads);
  // g <- sum over the ranks of their g; poisoned_ is the same on every rank
  // (the shards' problems are shared), so all of them skip it or none
  if (ranks_ > 1 && poisoned_.empty()) comm_->sum(grads_.flat().data(), static_cast<std::size_t>(grads_.size()));
  // g <- g / accumulate and ||g||^2, in one parallel pass (partial sums in
  // double); the sharded pass has done it while summing the shards
  if (poisoned_.empty() && !have_sq) sq = gradient_pass(parts, true, [](Index, Index) {});
  // a NaN or Inf anywhere makes the sum non-finite: then name the parameter
  if (poisoned_.empty() && !std::isfinite(sq)) poisoned_ = non_finite_reason(model_.layout(), 0.0, params_, &grads_);
  if (!poisoned_.empty()) {
    out.skipped = true;
    out.message = "update " + std::to_string(step) + ": " + poisoned_ + "; update skipped";
    poisoned_.clear();
    grads_.set_zero();
    ++skipped_;
    out.update = optimizer_.step_count();
    return out;
  }
  // clipping folded into the update: g * min(1, clip / ||g||); the gradient is zeroed as it is read
  out.grad_norm = std::sqrt(sq);
  const double scale =
      config_.clip_norm > 0.0 && out.grad_norm > config_.clip_norm ? config_.clip_norm / out.grad_norm : 1.0;
  out.lr = schedule_.rate(step);
  optimizer_.start_step(params_, grads_);
  std::vector<char> finite(static_cast<std::size_t>(parts), 1);
  parallel_ranges(params_.size(), parts, [&](Index b, Index e, Index k) {
    if (!optimizer_.apply(params_, grads_, out.lr, scale, b, e, true)) finite[static_cast<std::size_t>(k)] = 0;
  });
  out.updated = true;
  out.update = optimizer_.step_count();
  if (std::find(finite.begin(), finite.end(), 0) != finite.end()) {
    // cannot happen after finite gradients with a sane rate; report loudly
    out.message = "update " + std::to_string(step) + ": parameter '" + first_non_finite(model_.layout(), params_) +
                  "' became non-finite";
  }
  return out;
}

template <class T>
LossValue Trainer<T>::evaluate(const Seq2SeqBatch& batch) {
  return model_.evaluate(params_, batch, eval_cache_, config_.loss);
}

template <class T>
void Trainer<T>::save(const std::string& path, const std::vector<std::pair<std::string, std::uint64_t>>& extra) const {
  Checkpoint c = model_table(model_);
  c.has_optimizer = true;
  const OptimizerConfig& oc = optimizer_.config();
  c.optimizer_kind = static_cast<std::uint8_t>(oc.kind);
  const double cfg[6] = {oc.momentum, oc.initial_accumulator, oc.beta1, oc.beta2, oc.eps, oc.weight_decay};
  std::copy(cfg, cfg + 6, c.optimizer_config);
  c.optimizer_step = optimizer_.step_count();
  std::vector<const ParamBuffer<T>*> moments;
  for (const auto& m : optimizer_.moments()) moments.push_back(&m);
  const auto rng = dropout_rng_.state();
  for (std::size_t i = 0; i < rng.size(); ++i) c.state.emplace_back("rng." + std::to_string(i), rng[i]);
  c.state.emplace_back("schedule.current", double_word(schedule_.current_base()));
  c.state.emplace_back("schedule.best", double_word(schedule_.best()));
  c.state.emplace_back("schedule.bad", static_cast<std::uint64_t>(schedule_.bad_validations()));
  c.state.emplace_back("skipped", static_cast<std::uint64_t>(skipped_));
  for (const auto& e : extra) c.state.push_back(e);
  // the values straight from the buffers, not gathered into `c` as doubles
  save_checkpoint(path, c, model_.layout(), params_, moments);
}

template <class T>
Checkpoint Trainer<T>::resume(Checkpoint c, const std::string& path) {
  check_config(model_.config(), c, path);
  check_slots(model_.layout(), c, path);
  if (!c.has_optimizer) throw CheckpointError(path + ": holds a model only, no training state to resume");
  if (c.optimizer_kind != static_cast<std::uint8_t>(optimizer_.config().kind))
    throw CheckpointError(path + ": written by the " +
                          std::string(to_string(static_cast<OptimizerKind>(c.optimizer_kind))) +
                          " optimizer, this run uses " + to_string(optimizer_.config().kind));
  if (c.moments.size() != optimizer_.moments().size())
    throw CheckpointError(path + ": holds " + std::to_string(c.moments.size()) + " optimizer moments, expected " +
                          std::to_string(optimizer_.moments().size()));
  scatter_slots(model_.layout(), c.values, params_);
  for (std::size_t m = 0; m < c.moments.size(); ++m)
    scatter_slots(model_.layout(), c.moments[m], optimizer_.moments()[m]);
  optimizer_.set_step_count(c.optimizer_step);
  std::vector<std::uint64_t> rng;
  for (int i = 0; i < 6; ++i) rng.push_back(c.state_word("rng." + std::to_string(i)));
  dropout_rng_.set_state(rng);
  schedule_.restore(word_double(c.state_word("schedule.current")), word_double(c.state_word("schedule.best")),
                    static_cast<int>(c.state_word("schedule.bad")));
  skipped_ = static_cast<std::int64_t>(c.state_word("skipped"));
  grads_.set_zero();
  pending_ = 0;
  poisoned_.clear();
  return c;
}

template <class T>
LossValue Trainer<T>::sharded_loss_and_backward(const Seq2SeqBatch& batch, bool last, double& sq) {
  const Index t = static_cast<Index>(shards_.size());
  const Index n = std::min<Index>(t * ranks_, batch.batch);  // the batch's shards, over all ranks
  const Index first = std::min<Index>(t * rank_, n), end = std::min<Index>(first + t, n);  // this rank's [first, end)
  const bool direct = pending_ == 0;
  auto shard = [&](Index k) -> Shard& { return shards_[static_cast<std::size_t>(k - first)]; };
  auto grads_of = [&](Index k) -> ParamBuffer<T>& { return k == first && direct ? grads_ : shard(k).grads; };
  for (Index k = 0; k < n; ++k) {
    const std::uint64_t seed = dropout_rng_.next_u64();  // every rank draws every shard's seed
    if (k < first || k >= end) continue;
    Shard& s = shard(k);
    s.batch = slice_batch(batch, batch.batch * k / n, batch.batch * (k + 1) / n);
    s.rng = Rng(seed);
    if (!(k == first && direct) && s.grads.size() != model_.layout().size()) s.grads = ParamBuffer<T>(model_.layout());
    s.problem.clear();
    s.error = nullptr;
  }
  parallel_for(end - first, [&](Index i) {
    Shard& s = shard(first + i);
    try {
      // a shard with a non-finite loss gets weight 0 in the sum below
      s.loss = model_.loss_and_backward(params_, grads_of(first + i), s.batch, s.cache, config_.loss, &s.rng);
      s.problem = non_finite_reason<T>(model_.layout(), s.loss.loss, params_, nullptr);
    } catch (...) {
      s.error = std::current_exception();
    }
  });
  // Each shard's figures, and each rank's failure, summed over the ranks:
  // a figure is nonzero on the rank that computed it only, so the sum is it.
  enum Figure { tokens, correct, loss, nll, entropy, coverage, problem, figures };
  std::vector<double> f(static_cast<std::size_t>(n * figures + ranks_), 0.0);
  auto at = [&](Index k, Figure x) -> double& { return f[static_cast<std::size_t>(k * figures + x)]; };
  double& failed_here = f[static_cast<std::size_t>(n * figures + rank_)];
  for (Index k = first; k < end; ++k) {
    const Shard& s = shard(k);
    if (s.error) failed_here = 1.0;
    at(k, tokens) = static_cast<double>(s.loss.tokens);
    at(k, correct) = static_cast<double>(s.loss.correct);
    at(k, loss) = s.loss.loss;
    at(k, nll) = s.loss.nll;
    at(k, entropy) = s.loss.entropy;
    at(k, coverage) = s.loss.coverage;
    at(k, problem) = s.problem.empty() ? 0.0 : 1.0;
  }
  if (ranks_ > 1) comm_->sum(f.data(), f.size());
  for (int r = 0; r < ranks_; ++r) {
    if (f[static_cast<std::size_t>(n * figures + r)] == 0.0) continue;
    // a shard failed: the shards may have written part of their gradients,
    // so zero again; every rank learns the first failure's message
    for (Index k = first; k < end; ++k) grads_of(k).set_zero();
    std::exception_ptr mine;
    std::string what;
    for (Index k = first; k < end && r == rank_ && !mine; ++k) mine = shard(k).error;
    if (mine) try {
        std::rethrow_exception(mine);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
        what = "an exception that is not a std::exception";
      }
    if (ranks_ > 1) comm_->broadcast(what, r);
    if (mine) std::rethrow_exception(mine);
    throw std::runtime_error("rank " + std::to_string(r) + " of " + std::to_string(ranks_) + " failed: " + what);
  }
  LossValue total;
  for (Index k = 0; k < n; ++k) {
    total.tokens += static_cast<Index>(at(k, tokens));
    total.correct += static_cast<Index>(at(k, correct));
  }
  std::vector<T> weight(static_cast<std::size_t>(n), T(0));
  for (Index k = 0; k < n; ++k) {
    const double w = total.tokens > 0 ? at(k, tokens) / static_cast<double>(total.tokens) : 0.0;
    total.loss += w * at(k, loss);
    total.nll += w * at(k, nll);
    total.entropy += w * at(k, entropy);
    total.coverage += w * at(k, coverage);
    if (at(k, problem) != 0.0) {
      if (poisoned_.empty()) {
        // the first problem's message, from the rank that found it
        std::string what = first <= k && k < end ? shard(k).problem : std::string();
        if (ranks_ > 1) {
          const int owner = static_cast<int>(k / t);
          comm_->broadcast(what, owner);
          what = "rank " + std::to_string(owner) + ": " + what;
        }
        poisoned_ = what;
      }
    } else {
      weight[static_cast<std::size_t>(k)] = static_cast<T>(w);
    }
  }
  if (end == first) return total;  // no shard here: grads_ holds what earlier batches left
  // g <- (w_f g + ...) or (g + sum_k w_k g_k), then, alone, / accumulate and
  // its squared norm when `last`: one pass, the buffer cut into one range per thread
  sq = gradient_pass(static_cast<int>(t), last && ranks_ == 1, [&](Index b, Index e) {
    auto g = grads_.flat().segment(b, e - b);
    if (direct) g *= weight[static_cast<std::size_t>(first)];
    for (Index k = direct ? first + 1 : first; k < end; ++k) {
      auto gk = shard(k).grads.flat().segment(b, e - b);
      const T w = weight[static_cast<std::size_t>(k)];
      // w_k g_k rounded, then added: what another rank sends is that
      // rounded product, and a fused multiply-add here (-march with FMA)
      // would not round it; a block at a time, so that it stays in cache
      for (Index i = 0; i < e - b; i += kCombineBlock) {
        const Index len = std::min(kCombineBlock, e - b - i);
        auto gki = gk.segment(i, len);
        if (w != T(0)) {
          gki *= w;
          g.segment(i, len) += gki;
        }
        gki.setZero();  // while in cache: the shard's next backward needs no pass of its own to zero it
      }
    }
  });
  return total;
}

// Explicit instances: a program that compiles them once (cmake/GenattnInstances.cmake)
// defines GENATTN_EXTERN_FLOAT and/or GENATTN_EXTERN_DOUBLE, so that its other units
// do not compile them again.
#ifdef GENATTN_EXTERN_FLOAT
extern template class Trainer<float>;
extern template LoadedModel<float> load_model<float>(const Checkpoint&, const std::string&);
#endif
#ifdef GENATTN_EXTERN_DOUBLE
extern template class Trainer<double>;
extern template LoadedModel<double> load_model<double>(const Checkpoint&, const std::string&);
#endif

GENATTN_NAMESPACE_END
