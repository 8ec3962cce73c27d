// genattn/seq2seq/bridge.hpp: the decoder's initial state from the encoder's
// final states.
//
// With the BiLSTM encoder's top-layer final states h_fwd, h_bwd, c_fwd, c_bwd
// (each H_enc x B), for every decoder layer l:
//   h0_l = tanh(W_h,l [h_fwd; h_bwd] + b_h,l)
//   c0_l = tanh(W_c,l [c_fwd; c_bwd] + b_c,l)
// Backward: d(pre) = d(out) * (1 - out^2), then Linear's derivatives.
// Parameters: <prefix>.l<l>.h.{W,b}, <prefix>.l<l>.c.{W,b}.
#pragma once

#include <string>
#include <vector>

#include "genattn/core/instances.hpp"
#include "genattn/core/linear.hpp"
#include "genattn/rnn/lstm_cell.hpp"

GENATTN_NAMESPACE_BEGIN

template <class T>
class Bridge {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  struct Cache {
    Mat<T> h_in, c_in;  ///< [h_fwd; h_bwd], [c_fwd; c_bwd]
    Mat<T> d_pre;       ///< backward workspace
  };

  Bridge(ParamLayout& layout, const std::string& prefix, Index encoder_state, Index decoder_hidden, Index layers) {
    for (Index l = 0; l < layers; ++l) {
      const std::string base = prefix + ".l" + std::to_string(l);
      h_.emplace_back(layout, base + ".h", encoder_state, decoder_hidden);
      c_.emplace_back(layout, base + ".c", encoder_state, decoder_hidden);
    }
  }

  Index layers() const { return static_cast<Index>(h_.size()); }

  /// out[l] = initial state of decoder layer l. `h_in`, `c_in`: 2H_enc x B.
  GENATTN_NOINLINE
  void forward(const ParamBuffer<T>& p, const ConstMatRef<T>& h_in, const ConstMatRef<T>& c_in,
               std::vector<LstmState<T>>& out, Cache& cache) const {
    cache.h_in = h_in;
    cache.c_in = c_in;
    out.resize(h_.size());
    for (std::size_t l = 0; l < h_.size(); ++l) {
      out[l].h.resize(h_[l].output_size(), h_in.cols());
      out[l].c.resize(c_[l].output_size(), c_in.cols());
      h_[l].forward(p, cache.h_in, out[l].h);
      c_[l].forward(p, cache.c_in, out[l].c);
      tanh_inplace(out[l].h);
      tanh_inplace(out[l].c);
    }
  }

  /// Adds parameter gradients and dL/d[h_in], dL/d[c_in] given dL/d out.
  GENATTN_NOINLINE
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const std::vector<LstmState<T>>& out,
                const std::vector<LstmState<T>>& d_out, MatRef<T> dh_in, MatRef<T> dc_in, Cache& cache) const {
    for (std::size_t l = 0; l < h_.size(); ++l) {
      // d(pre) = d(out) * (1 - out^2)
      cache.d_pre = d_out[l].h.array() * (T(1) - out[l].h.array().square());
      h_[l].backward(p, grads, cache.h_in, cache.d_pre, dh_in);
      cache.d_pre = d_out[l].c.array() * (T(1) - out[l].c.array().square());
      c_[l].backward(p, grads, cache.c_in, cache.d_pre, dc_in);
    }
  }

 private:
  std::vector<Linear<T>> h_, c_;
};

// compiled once in a program that links the instances (core/instances.hpp)
GENATTN_EXTERN_MODULE(Bridge)

GENATTN_NAMESPACE_END
