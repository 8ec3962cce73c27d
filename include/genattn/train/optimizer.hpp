// genattn/train/optimizer.hpp: optimizers over the flat parameter buffer.
//
// Each is one loop over the flat vectors (values w, gradient g, moments), at
// step k = 1, 2, ... with learning rate lr:
//   SGD (momentum mu):  m = mu m + g;  w -= lr m                     (mu = 0: plain SGD)
//   Adagrad:            a += g^2;      w -= lr g / (sqrt(a) + eps)    a starts at initial_accumulator
//                                                                    (See et al. 2017: 0.1)
//   Adam:               m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//                       w -= lr (m / (1-b1^k)) / (sqrt(v / (1-b2^k)) + eps)   (+ L2: g += wd w)
//   AdamW:              Adam with decoupled decay: w -= lr wd w, before the Adam update
// (torch.optim's definitions.) The moments are ParamBuffers, saved in checkpoints.
// Every operation is IEEE arithmetic, the square roots correctly rounded
// (core/exact_sqrt.hpp), so an update gives the same bits on every processor.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "genattn/core/exact_sqrt.hpp"
#include "genattn/core/params.hpp"

GENATTN_NAMESPACE_BEGIN

enum class OptimizerKind { sgd, adagrad, adam, adamw };

inline const char* to_string(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::sgd: return "sgd";
    case OptimizerKind::adagrad: return "adagrad";
    case OptimizerKind::adam: return "adam";
    case OptimizerKind::adamw: return "adamw";
  }
  return "?";
}

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::adam;
  double momentum = 0.0;             ///< SGD
  double initial_accumulator = 0.1;  ///< Adagrad
  double beta1 = 0.9, beta2 = 0.999; ///< Adam, AdamW
  double eps = 1e-8;                 ///< Adam, AdamW; Adagrad uses 1e-10
  double weight_decay = 0.0;         ///< Adam: L2 in the gradient; AdamW: decoupled
};

template <class T>
class Optimizer {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  Optimizer(const ParamLayout& layout, const OptimizerConfig& config) : config_(config) {
    const auto n = static_cast<std::size_t>(moment_count(config.kind));
    moments_.assign(n, ParamBuffer<T>(layout));
    if (config.kind == OptimizerKind::adagrad) moments_[0].flat().setConstant(static_cast<T>(config.initial_accumulator));
  }

  static int moment_count(OptimizerKind k) {
    return k == OptimizerKind::sgd ? 1 : k == OptimizerKind::adagrad ? 1 : 2;
  }

  const OptimizerConfig& config() const { return config_; }
  std::int64_t step_count() const { return step_; }
  std::vector<ParamBuffer<T>>& moments() { return moments_; }
  const std::vector<ParamBuffer<T>>& moments() const { return moments_; }
  void set_step_count(std::int64_t k) { step_ = k; }

  /// One update of `values` from `grads` with learning rate `lr`.
  void step(ParamBuffer<T>& values, const ParamBuffer<T>& grads, double lr) {
    start_step(values, grads);
    for (Index b = 0; b < values.size(); b += block) {
      const Index n = std::min(block, values.size() - b);
      auto w = values.flat().segment(b, n).array();
      update(w, grads.flat().segment(b, n).array(), T(1), b, n, lr);
    }
  }

  /// An update in parts, for threads: start_step() once, then apply() over
  /// disjoint ranges [begin, end) of the flat buffers that together cover
  /// them. apply() uses g * grad_scale as the gradient (clipping folded in),
  /// zeroes the gradient range after reading it when `zero_grads`, and
  /// returns whether every updated value is finite. It works in blocks that
  /// stay in cache, so each scalar of w, g and the moments is read once.
  void start_step(const ParamBuffer<T>& values, const ParamBuffer<T>& grads) {
    check_arg(values.size() == grads.size() && values.size() == moments_[0].size(), "Optimizer::step",
              "buffers of " + std::to_string(values.size()) + " and " + std::to_string(grads.size()) +
                  " scalars do not fit the optimizer's " + std::to_string(moments_[0].size()));
    ++step_;
  }
  bool apply(ParamBuffer<T>& values, ParamBuffer<T>& grads, double lr, double grad_scale, Index begin, Index end,
             bool zero_grads) {
    // w * 0 is 0 for a finite w and NaN otherwise: one sum tells them all (a
    // cheaper pass than allFinite's)
    T poison = T(0);
    for (Index b = begin; b < end; b += block) {
      const Index n = std::min(block, end - b);
      auto w = values.flat().segment(b, n).array();
      auto g = grads.flat().segment(b, n).array();
      update(w, g, static_cast<T>(grad_scale), b, n, lr);
      poison += (w * T(0)).sum();
      if (zero_grads) g.setZero();
    }
    return !std::isnan(poison);
  }

 private:
  static constexpr Index block = 2048;  ///< scalars per pass: w, g, m and v of a block stay in L1/L2

  // The gradient is s g (clipping's scale s, 1 when none), formed as it is
  // read: g itself is not written. One block's passes stay in L1.
  template <class W, class G>
  void update(W& w, const G& graw, T s, Index b, Index n, double lr) {
    const T a = static_cast<T>(lr);
    const auto g = graw * s;  // exact when s = 1
    switch (config_.kind) {
      case OptimizerKind::sgd: {
        auto m = moments_[0].flat().segment(b, n).array();
        // m = mu m + g;  w -= lr m
        m = static_cast<T>(config_.momentum) * m + g;
        w -= a * m;
        break;
      }
      case OptimizerKind::adagrad: {
        auto acc = moments_[0].flat().segment(b, n).array();
        // a += g^2;  w -= lr g / (sqrt(a) + eps)
        acc += g.square();
        w -= a * g / (exact_sqrt(acc) + T(1e-10));
        break;
      }
      case OptimizerKind::adam:
      case OptimizerKind::adamw: {
        auto m = moments_[0].flat().segment(b, n).array();
        auto v = moments_[1].flat().segment(b, n).array();
        const T b1 = static_cast<T>(config_.beta1), b2 = static_cast<T>(config_.beta2);
        const T wd = static_cast<T>(config_.weight_decay);
        // torch.optim.Adam's arithmetic: step = lr / c1,
        // denom = sqrt(v) / sqrt(c2) + eps, w -= step * (m / denom)
        const double k = static_cast<double>(step_);
        const double c1 = 1.0 - std::pow(config_.beta1, k), c2 = 1.0 - std::pow(config_.beta2, k);
        const T step = static_cast<T>(lr / c1), sqrt_c2 = static_cast<T>(std::sqrt(c2));
        const T eps = static_cast<T>(config_.eps);
        if (config_.kind == OptimizerKind::adamw) {
          w *= T(1) - a * wd;  // decoupled weight decay
          m = b1 * m + (T(1) - b1) * g;
          v = b2 * v + (T(1) - b2) * g.square();
        } else {
          // L2: the gradient includes wd w
          m = b1 * m + (T(1) - b1) * (g + wd * w);
          v = b2 * v + (T(1) - b2) * (g + wd * w).square();
        }
        w -= step * (m / (exact_sqrt(v) / sqrt_c2 + eps));
        break;
      }
    }
  }

  OptimizerConfig config_;
  std::vector<ParamBuffer<T>> moments_;
  std::int64_t step_ = 0;
};

GENATTN_NAMESPACE_END
