// genattn/train/schedule.hpp: learning-rate schedules.
//
//   constant:   lr(k) = base
//   warmup:     lr(k) = base * min(1, k / warmup_steps)            linear warm-up, then constant
//   plateau:    lr = base at first; each validation that fails to improve on
//               the best by more than threshold adds one to a counter; after
//               `patience` such validations lr *= factor and the counter resets
//               (torch's ReduceLROnPlateau, mode min, relative threshold 0).
//   decay:      lr(k) = base * (1 - (1 - final) * clamp((k - decay_start) / decay_steps, 0, 1))
//               linear decay from base at update decay_start to base * final
//               decay_steps updates later, then held (decay_steps = 0: none)
// The three combine: the warm-up and decay factors multiply the
// plateau-decayed rate.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "genattn/core/check.hpp"

GENATTN_NAMESPACE_BEGIN

struct ScheduleConfig {
  double base = 1e-3;
  std::int64_t warmup_steps = 0;  ///< 0: no warm-up
  bool plateau = false;           ///< decay on a validation plateau
  double factor = 0.5;
  int patience = 1;
  double threshold = 0.0;
  double min_lr = 0.0;
  std::int64_t decay_start = 0;  ///< linear decay from this update...
  std::int64_t decay_steps = 0;  ///< ...over this many (0: no decay)
  double decay_final = 0.1;      ///< to base * decay_final
};

class Schedule {
 public:
  explicit Schedule(const ScheduleConfig& c = {}) : config_(c), current_(c.base) {
    check_arg(c.base > 0.0, "Schedule", "base learning rate must be positive");
    check_arg(c.factor > 0.0 && c.factor < 1.0, "Schedule", "factor must be in (0, 1)");
    check_arg(c.decay_start >= 0 && c.decay_steps >= 0, "Schedule", "decay_start and decay_steps must be 0 or more");
    check_arg(c.decay_final >= 0.0 && c.decay_final <= 1.0, "Schedule", "decay_final must be in [0, 1]");
  }

  /// The rate for update number k (1-based).
  double rate(std::int64_t k) const {
    const double warm =
        config_.warmup_steps > 0 ? std::min(1.0, static_cast<double>(k) / static_cast<double>(config_.warmup_steps)) : 1.0;
    double decay = 1.0;
    if (config_.decay_steps > 0) {
      const double done = std::clamp(static_cast<double>(k - config_.decay_start) / static_cast<double>(config_.decay_steps),
                                     0.0, 1.0);
      decay = 1.0 - (1.0 - config_.decay_final) * done;
    }
    return current_ * warm * decay;
  }

  /// Reports a validation loss; returns true when the rate was decayed.
  bool on_validation(double loss) {
    if (loss < best_ - config_.threshold) {
      best_ = loss;
      bad_ = 0;
      return false;
    }
    if (!config_.plateau) return false;
    if (++bad_ >= config_.patience) {
      current_ = std::max(config_.min_lr, current_ * config_.factor);
      bad_ = 0;
      return true;
    }
    return false;
  }

  double best() const { return best_; }
  double current_base() const { return current_; }
  int bad_validations() const { return bad_; }
  /// Restores the state a checkpoint saved.
  void restore(double current, double best, int bad) {
    current_ = current;
    best_ = best;
    bad_ = bad;
  }

 private:
  ScheduleConfig config_;
  double current_;
  double best_ = std::numeric_limits<double>::infinity();
  int bad_ = 0;
};

GENATTN_NAMESPACE_END
