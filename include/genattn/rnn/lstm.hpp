// genattn/rnn/lstm.hpp: stacked, optionally bidirectional LSTM over a padded
// batch (torch.nn.LSTM's model), and BiLstm, the encoder's form of it.
//
// Layer l (0-based) with D directions (D = 2 when bidirectional):
//
//   x^0 = x                                   (In x T*B)
//   y^l_fwd = LstmLayer_fwd(x^l),  y^l_bwd = LstmLayer_bwd(x^l)    (H x T*B each)
//   x^{l+1} = [y^l_fwd; y^l_bwd]              (D*H x T*B)
//   output  = x^L
//
// The reverse direction starts at each sequence's own last token (see
// lstm_layer.hpp). Final states are per layer and direction, index l*D + d,
// at each item's own length — torch's h_n / c_n order.
//
// Parameters: <prefix>.l<l>.fwd.{W_x,W_h,b} and <prefix>.l<l>.bwd.{...}.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "genattn/core/instances.hpp"
#include "genattn/core/parallel.hpp"
#include "genattn/rnn/lstm_layer.hpp"

GENATTN_NAMESPACE_BEGIN

struct LstmConfig {
  Index input = 0;   ///< In: rows of the input
  Index hidden = 0;  ///< H: units per direction
  Index layers = 1;
  bool bidirectional = false;
};

template <class T>
class Lstm {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  struct Cache {
    std::vector<typename LstmLayer<T>::Cache> layer;  ///< index l*D + d
    std::vector<Mat<T>> output;                       ///< x^{l+1}, D*H x T*B
    std::vector<Mat<T>> d_input;                      ///< backward workspace: dL/dx^l, l >= 1
  };

  Lstm(ParamLayout& layout, const std::string& prefix, const LstmConfig& config) : config_(config) {
    check_arg(config.layers >= 1, "Lstm", "layers = " + std::to_string(config.layers) + ", expected at least 1");
    const Index D = directions();
    for (Index l = 0; l < config.layers; ++l) {
      const Index in = l == 0 ? config.input : D * config.hidden;
      const std::string base = prefix + ".l" + std::to_string(l);
      layers_.emplace_back(layout, base + ".fwd", in, config.hidden, Direction::forward);
      if (config.bidirectional) layers_.emplace_back(layout, base + ".bwd", in, config.hidden, Direction::reverse);
    }
  }

  const LstmConfig& config() const { return config_; }
  Index directions() const { return config_.bidirectional ? 2 : 1; }
  Index output_size() const { return directions() * config_.hidden; }
  /// Layer l, direction d (0 forward, 1 reverse).
  const LstmLayer<T>& layer(Index l, Index d) const { return layers_[static_cast<std::size_t>(l * directions() + d)]; }

  /// Every layer's W_x and W_h packed at `precision` (index l*D + d), for
  /// forward's `packed`.
  using Packed = std::vector<typename LstmLayer<T>::Packed>;
  GENATTN_NOINLINE
  void pack(const ParamBuffer<T>& p, Packed& out, Precision precision = Precision::float32) const {
    out.resize(layers_.size());
    for (std::size_t k = 0; k < layers_.size(); ++k) layers_[k].pack(p, out[k], precision);
  }

  /// Runs every layer. `init`, when given, holds layers*D initial states
  /// (index l*D + d). Read the result from output(cache) and final_state().
  /// With `threads` >= 2 a layer's two directions run at once. `packed`:
  /// pack() of p (the caller checks it is current), else each layer packs
  /// its weights in float.
  GENATTN_NOINLINE
  void forward(const ParamBuffer<T>& p, const ConstMatRef<T>& x, const Lengths& lengths, Cache& cache,
               const std::vector<LstmState<T>>* init = nullptr, int threads = 1,
               const Packed* packed = nullptr) const {
    static constexpr const char* where = "Lstm::forward";
    check_arg(x.rows() == config_.input, where,
              "argument 'x' has shape " + detail::shape_string(x.rows(), x.cols()) + ", expected " +
                  std::to_string(config_.input) + " rows (the input size)");
    const Index time = check_lengths(where, "lengths", lengths, x.cols());
    const Index B = static_cast<Index>(lengths.size()), D = directions(), H = config_.hidden;
    if (init != nullptr)
      check_arg(static_cast<Index>(init->size()) == config_.layers * D, where,
                "argument 'init' holds " + std::to_string(init->size()) + " states, expected layers x directions = " +
                    std::to_string(config_.layers * D));
    if (packed != nullptr)
      check_arg(packed->size() == layers_.size(), where,
                "argument 'packed' holds " + std::to_string(packed->size()) + " layers' weights, expected " +
                    std::to_string(layers_.size()));
    cache.layer.resize(layers_.size());
    cache.output.resize(static_cast<std::size_t>(config_.layers));
    for (Index l = 0; l < config_.layers; ++l) {
      Mat<T>& out = cache.output[static_cast<std::size_t>(l)];
      out.resize(D * H, time * B);
      auto run = [&](Index d) {
        const auto k = static_cast<std::size_t>(l * D + d);
        const LstmState<T>* s0 = init != nullptr ? &(*init)[k] : nullptr;
        const typename LstmLayer<T>::Packed* pk = packed != nullptr ? &(*packed)[k] : nullptr;
        if (l == 0)
          layers_[k].forward(p, x, lengths, out.middleRows(d * H, H), cache.layer[k], s0, pk);
        else
          layers_[k].forward(p, cache.output[static_cast<std::size_t>(l - 1)], lengths, out.middleRows(d * H, H),
                             cache.layer[k], s0, pk);
      };
      if (D == 2 && threads >= 2)
        parallel_for(2, run);  // the directions share only read-only inputs; each writes its own rows
      else
        for (Index d = 0; d < D; ++d) run(d);
    }
  }

  /// The top layer's output, D*H x T*B (0 at padded positions).
  static const Mat<T>& output(const Cache& cache) { return cache.output.back(); }
  /// Final state of layer l, direction d.
  const LstmState<T>& final_state(const Cache& cache, Index l, Index d) const {
    return cache.layer[static_cast<std::size_t>(l * directions() + d)].final;
  }

  /// Adds all gradients. `dy` is dL/d output (D*H x T*B, or empty); `d_final`,
  /// when given, holds layers*D final-state gradients; dL/dx is added into
  /// `dx` (In x T*B; a matrix of another shape, an empty one included, is an
  /// error: pass nullptr to skip it); `d_init`, when given, receives layers*D
  /// initial-state gradients (added).
  GENATTN_NOINLINE
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& x, Cache& cache,
                const ConstMatRef<T>& dy, const std::vector<LstmState<T>>* d_final, MatRef<T> dx,
                std::vector<LstmState<T>>* d_init = nullptr) const {
    check_arg(cache.output.size() == static_cast<std::size_t>(config_.layers), "Lstm::backward",
              "called before forward");
    const Index cols = cache.output.back().cols();
    check_arg(dx.rows() == config_.input && dx.cols() == cols, "Lstm::backward",
              "argument 'dx' has shape " + detail::shape_string(dx.rows(), dx.cols()) + ", expected " +
                  detail::shape_string(config_.input, cols) + " (pass nullptr to skip dL/dx)");
    backward_into(p, grads, x, cache, dy, d_final, dx, d_init);
  }

  /// The same without dL/dx.
  GENATTN_NOINLINE
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& x, Cache& cache,
                const ConstMatRef<T>& dy, const std::vector<LstmState<T>>* d_final, std::nullptr_t,
                std::vector<LstmState<T>>* d_init = nullptr) const {
    check_arg(cache.output.size() == static_cast<std::size_t>(config_.layers), "Lstm::backward",
              "called before forward");
    backward_into(p, grads, x, cache, dy, d_final, no_output<T>(), d_init);
  }

 private:
  /// backward() with `dx` checked, or empty: skipped.
  GENATTN_NOINLINE
  void backward_into(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& x, Cache& cache,
                     const ConstMatRef<T>& dy, const std::vector<LstmState<T>>* d_final, MatRef<T> dx,
                     std::vector<LstmState<T>>* d_init) const {
    static constexpr const char* where = "Lstm::backward";
    const Index D = directions(), H = config_.hidden, L = config_.layers;
    const Index cols = cache.output.back().cols();
    if (dy.size() != 0) check_shape(where, "dy", dy, D * H, cols);
    if (d_final != nullptr)
      check_arg(static_cast<Index>(d_final->size()) == L * D, where,
                "argument 'd_final' holds " + std::to_string(d_final->size()) + " states, expected " +
                    std::to_string(L * D));
    if (d_init != nullptr) d_init->resize(static_cast<std::size_t>(L * D));
    cache.d_input.resize(static_cast<std::size_t>(L));
    for (Index l = L - 1; l >= 0; --l) {
      // dL/dx^{l+1}: the caller's dy on top, else what layer l+1 passed down.
      const bool top = l == L - 1;
      const Mat<T>* d_out = top ? nullptr : &cache.d_input[static_cast<std::size_t>(l + 1)];
      Mat<T>& d_in = cache.d_input[static_cast<std::size_t>(l)];
      if (l > 0) d_in.setZero(cache.output[static_cast<std::size_t>(l - 1)].rows(), cols);
      for (Index d = 0; d < D; ++d) {
        const auto k = static_cast<std::size_t>(l * D + d);
        const LstmState<T>* df = d_final != nullptr ? &(*d_final)[k] : nullptr;
        LstmState<T>* di = d_init != nullptr ? &(*d_init)[k] : nullptr;
        Mat<T> none;
        const ConstMatRef<T> dyl = top ? (dy.size() != 0 ? ConstMatRef<T>(dy.middleRows(d * H, H)) : ConstMatRef<T>(none))
                                       : ConstMatRef<T>(d_out->middleRows(d * H, H));
        if (l == 0)
          layers_[k].backward(p, grads, x, cache.layer[k], dyl, df, dx, di);
        else
          layers_[k].backward(p, grads, cache.output[static_cast<std::size_t>(l - 1)], cache.layer[k], dyl, df, d_in,
                              di);
      }
    }
  }

  LstmConfig config_;
  std::vector<LstmLayer<T>> layers_;
};

/// The BiLSTM encoder: Lstm with both directions, output [h_fwd; h_bwd].
template <class T>
class BiLstm : public Lstm<T> {
 public:
  BiLstm(ParamLayout& layout, const std::string& prefix, Index input, Index hidden, Index layers = 1)
      : Lstm<T>(layout, prefix, LstmConfig{input, hidden, layers, true}) {}
};

// compiled once in a program that links the instances (core/instances.hpp)
GENATTN_EXTERN_MODULE(Lstm)
GENATTN_EXTERN_MODULE(BiLstm)

GENATTN_NAMESPACE_END
