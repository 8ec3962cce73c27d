// genattn/rnn/lstm_layer.hpp: one LSTM direction over a padded batch of
// variable-length sequences.
//
// Input x is In x (T*B), column t*B + b = step t of item b; lengths[b] in 1..T.
// A forward layer visits positions 0..len_b-1 of item b; a reverse layer visits
// len_b-1..0, so it starts at each sequence's own last token. At step s the
// layer runs (equations in lstm_cell.hpp)
//
//   pos = s (forward) or len_b - 1 - s (reverse),   for s < len_b
//   (h, c) <- LSTM(x[pos], h, c)                    y[pos] = h
//
// and holds (h, c) unchanged once s >= len_b, so the final state of each item
// is its state at its own length, and y is exactly 0 at padded positions.
// Padding never leaks: every number equals that of the item run alone.
//
// Cost: the input projection W_x x + b for every step is one GEMM before the
// time loop; per step only W_h h and the fused gate kernel run. Backward runs
// per step only the gate deltas and W_h^T da; the weight gradients and dx are
// three large products after the loop. Every product runs on packed operands
// (core/packed_matrix.hpp): W_x and W_h (forward), W_h^T (backward) packed
// once per call, not once per step; after the loop da, packed once, times x^T
// and h_prev^T, and W_x^T times da.
#pragma once

#include <string>

#include "genattn/core/instances.hpp"
#include "genattn/core/packed_matrix.hpp"
#include "genattn/core/packed_weights.hpp"
#include "genattn/rnn/lstm_cell.hpp"

GENATTN_NAMESPACE_BEGIN

enum class Direction { forward, reverse };

template <class T>
class LstmLayer {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  /// Forward values backward needs (position-ordered, 4H or H x T*B) and the
  /// workspaces both passes reuse. Sized by forward; no allocation when the
  /// batch shape repeats.
  struct Cache {
    Index time = 0;
    Lengths lengths;
    Mat<T> gates;          ///< activated [i f g o] at each position
    Mat<T> h_prev, c_prev; ///< the state each position's step started from
    Mat<T> tanh_c;         ///< tanh(c_t) at each position
    LstmState<T> final;    ///< state at each item's own length
    bool for_backward = false;  ///< forward kept h_prev, c_prev and tanh_c (it ran without a pack)
    Mat<T> step;           ///< 4H x B: W_h h (forward), gate deltas of one step (backward)
    Mat<T> da;             ///< 4H x T*B pre-activation deltas (backward)
    Mat<T> dh_prev;        ///< H x B (backward)
    LstmState<T> d;        ///< running dL/dh, dL/dc (backward)
    PackedMatrix<T> W_h;   ///< W_h packed (forward), W_h^T (backward)
    PackedMatrix<T> W_x;   ///< W_x packed (forward), W_x^T (backward)
    PackedMatrix<T> da_packed;  ///< da packed for the weight gradients (backward)
    Mat<T> x_t, h_prev_t;       ///< x^T, h_prev^T: T*B x In, T*B x H (backward)
  };

  /// W_x and W_h packed once for many forward passes (decoding's encoder),
  /// at a precision (core/packed_weights.hpp).
  struct Packed {
    PackedWeights<T> W_x, W_h;
  };

  LstmLayer(ParamLayout& layout, const std::string& prefix, Index input, Index hidden,
            Direction direction = Direction::forward)
      : p_(declare_lstm_params(layout, prefix, input, hidden)), direction_(direction) {}

  Index input_size() const { return p_.input; }
  Index hidden_size() const { return p_.hidden; }
  Direction direction() const { return direction_; }
  const LstmParams& params() const { return p_; }

  /// Packs W_x and W_h of p at `precision`.
  GENATTN_NOINLINE
  void pack(const ParamBuffer<T>& p, Packed& out, Precision precision = Precision::float32) const {
    out.W_x.pack(p, p_.W_x, precision);
    out.W_h.pack(p, p_.W_h, precision);
  }

  /// Runs the layer over x (In x T*B) and writes y (H x T*B, 0 at padding).
  /// `init` is the initial state (H x B each), zero when null. `packed`:
  /// this layer's pack() of p (the caller checks it is current), for
  /// decoding: the cache then keeps only what the next step reads, not the
  /// values backward needs (3 H x T*B fewer), and backward is refused.
  /// Without it the weights are packed (in float) into the cache.
  GENATTN_NOINLINE
  void forward(const ParamBuffer<T>& p, const ConstMatRef<T>& x, const Lengths& lengths, MatRef<T> y,
               Cache& cache, const LstmState<T>* init = nullptr, const Packed* packed = nullptr) const {
    static constexpr const char* where = "LstmLayer::forward";
    const Index H = p_.hidden, B = static_cast<Index>(lengths.size());
    check_arg(x.rows() == p_.input, where,
              "argument 'x' has shape " + detail::shape_string(x.rows(), x.cols()) + ", expected " +
                  std::to_string(p_.input) + " rows (the layer's input size)");
    const Index time = check_lengths(where, "lengths", lengths, x.cols());
    check_shape(where, "y", y, H, time * B);
    if (init != nullptr) {
      check_shape(where, "init.h", init->h, H, B);
      check_shape(where, "init.c", init->c, H, B);
    }
    cache.time = time;
    cache.lengths = lengths;
    const bool keep = packed == nullptr;  // training: keep what backward reads
    cache.for_backward = keep;
    cache.gates.resize(4 * H, time * B);
    if (keep) {
      cache.h_prev.setZero(H, time * B);  // padded columns meet da = 0 in dW_h: keep them finite
      cache.c_prev.resize(H, time * B);
      cache.tanh_c.resize(H, time * B);
    } else {
      cache.h_prev.resize(0, 0);
      cache.c_prev.resize(0, 0);
      cache.tanh_c.resize(H, B);  // one step's
    }
    cache.step.resize(4 * H, B);
    LstmState<T>& s = cache.final;
    if (init != nullptr) {
      s.h = init->h;
      s.c = init->c;
    } else {
      s.h.setZero(H, B);
      s.c.setZero(H, B);
    }
    if (packed != nullptr) {
      check_arg(packed->W_x.rows() == 4 * H && packed->W_x.cols() == p_.input && packed->W_h.cols() == H, where,
                "the packed weights are not this layer's (" + detail::shape_string(packed->W_x.rows(), packed->W_x.cols()) +
                    ", expected " + detail::shape_string(4 * H, p_.input) + ")");
    } else {
      cache.W_h.pack(p[p_.W_h]);
      cache.W_x.pack(p[p_.W_x]);
    }
    // a = W_x x + b for every position: one GEMM.
    if (packed != nullptr)
      packed->W_x.multiply(x, cache.gates);
    else
      cache.W_x.multiply(x, cache.gates);
    cache.gates.colwise() += p[p_.b].col(0);
    y.setZero();
    for (Index t = 0; t < time; ++t) {
      // a += W_h h_{t-1}, for the whole batch at once.
      if (packed != nullptr)
        packed->W_h.multiply(s.h, cache.step);
      else
        cache.W_h.multiply(s.h, cache.step);
      for (Index b = 0; b < B; ++b) {
        if (t >= lengths[static_cast<std::size_t>(b)]) continue;  // finished: state held
        const Index col = position(t, lengths[static_cast<std::size_t>(b)]) * B + b;
        cache.gates.col(col) += cache.step.col(b);
        if (keep) {
          cache.h_prev.col(col) = s.h.col(b);
          cache.c_prev.col(col) = s.c.col(b);
        }
        lstm_kernels::forward_column(cache.gates.col(col).data(), s.c.col(b).data(), s.c.col(b).data(),
                                     cache.tanh_c.col(keep ? col : b).data(), s.h.col(b).data(), H);
        y.col(col) = s.h.col(b);
      }
    }
  }

  /// Adds the gradients of the layer's parameters into `grads`, of its input
  /// into `dx` (In x T*B; skipped when empty) and of its initial state into
  /// `d_init` (skipped when null). `dy` is dL/dy (H x T*B, or empty when only
  /// the final state is used; padded columns are ignored); `d_final` is dL/d
  /// of the final state (zero when null). x and lengths are forward's.
  GENATTN_NOINLINE
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& x, Cache& cache,
                const ConstMatRef<T>& dy, const LstmState<T>* d_final, MatRef<T> dx,
                LstmState<T>* d_init = nullptr) const {
    static constexpr const char* where = "LstmLayer::backward";
    const Index H = p_.hidden, B = static_cast<Index>(cache.lengths.size()), time = cache.time;
    check_arg(B > 0, where, "called before forward");
    check_arg(cache.for_backward, where, "forward ran with packed weights (decoding), which keeps no values for backward");
    check_shape(where, "x", x, p_.input, time * B);
    if (dy.size() != 0) check_shape(where, "dy", dy, H, time * B);
    if (dx.size() != 0) check_shape(where, "dx", dx, p_.input, time * B);
    LstmState<T>& d = cache.d;
    if (d_final != nullptr) {
      check_shape(where, "d_final.h", d_final->h, H, B);
      check_shape(where, "d_final.c", d_final->c, H, B);
      d.h = d_final->h;
      d.c = d_final->c;
    } else {
      d.h.setZero(H, B);
      d.c.setZero(H, B);
    }
    cache.da.setZero(4 * H, time * B);  // padded columns stay 0
    cache.dh_prev.resize(H, B);
    cache.W_h.pack_transpose(p[p_.W_h]);
    for (Index t = time - 1; t >= 0; --t) {
      for (Index b = 0; b < B; ++b) {
        const Index len = cache.lengths[static_cast<std::size_t>(b)];
        if (t >= len) {  // state was held: the gradient passes through unchanged
          cache.step.col(b).setZero();
          continue;
        }
        const Index col = position(t, len) * B + b;
        // dL/dh_t = dL/dy_t + (gradient from step t+1, already in d.h)
        if (dy.size() != 0) d.h.col(b) += dy.col(col);
        lstm_kernels::backward_column(cache.gates.col(col).data(), cache.c_prev.col(col).data(),
                                      cache.tanh_c.col(col).data(), d.h.col(b).data(), d.c.col(b).data(),
                                      cache.da.col(col).data(), H);
        cache.step.col(b) = cache.da.col(col);
      }
      // dL/dh_{t-1} = W_h^T da_t (for the items still running at t)
      cache.W_h.multiply(cache.step, cache.dh_prev);
      for (Index b = 0; b < B; ++b)
        if (t < cache.lengths[static_cast<std::size_t>(b)]) d.h.col(b) = cache.dh_prev.col(b);
    }
    // dL/dW_x = da x^T;  dL/dW_h = da h_prev^T: da packed once for both
    // products (K = T*B: each entry one sum over every position)
    cache.da_packed.pack(cache.da);
    cache.x_t.noalias() = x.transpose();
    cache.da_packed.multiply(cache.x_t, grads[p_.W_x], true);
    cache.h_prev_t.noalias() = cache.h_prev.transpose();
    cache.da_packed.multiply(cache.h_prev_t, grads[p_.W_h], true);
    // dL/db = sum over columns of da
    grads[p_.b] += cache.da.rowwise().sum();
    // dL/dx = W_x^T da
    if (dx.size() != 0) {
      cache.W_x.pack_transpose(p[p_.W_x]);
      cache.W_x.multiply(cache.da, dx, true);
    }
    if (d_init != nullptr) {
      if (d_init->h.size() == 0) *d_init = LstmState<T>::zeros(H, B);
      check_shape(where, "d_init.h", d_init->h, H, B);
      check_shape(where, "d_init.c", d_init->c, H, B);
      d_init->h += d.h;
      d_init->c += d.c;
    }
  }

 private:
  Index position(Index step, Index length) const {
    return direction_ == Direction::forward ? step : length - 1 - step;
  }

  LstmParams p_;
  Direction direction_;
};

// compiled once in a program that links the instances (core/instances.hpp)
GENATTN_EXTERN_MODULE(LstmLayer)

GENATTN_NAMESPACE_END
