// genattn/rnn/lstm_cell.hpp: one LSTM step, and the fused gate kernels that
// every LSTM in genattn (this cell, LstmLayer over a sequence) runs.
//
// Gate rows are in PyTorch's order [i, f, g, o]: W_x is 4H x In, W_h is 4H x H,
// b is 4H (PyTorch's b_ih + b_hh), so weights move across from torch.nn.LSTM
// without reordering.
//
//   a_t = W_x x_t + W_h h_{t-1} + b                 (4H pre-activations)
//   i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
//   c_t = f * c_{t-1} + i * g
//   h_t = o * tanh(c_t)
//
// Parameters: <prefix>.W_x (4H x In, Glorot), <prefix>.W_h (4H x H, orthogonal
// per gate), <prefix>.b (4H, forget-gate block 1).
#pragma once

#include <string>

#include "genattn/core/activations.hpp"
#include "genattn/core/check.hpp"
#include "genattn/core/instances.hpp"
#include "genattn/core/params.hpp"
#include "genattn/core/weight_product.hpp"

GENATTN_NAMESPACE_BEGIN

namespace lstm_kernels {

/// Forward gate kernel for one column. On entry `gates` holds the 4H
/// pre-activations a_t; on exit the activated gates [i f g o]. Writes c_t,
/// tanh(c_t) and h_t. `c_prev` may alias `c`.
template <class T>
inline void forward_column(T* gates, const T* c_prev, T* c, T* tanh_c, T* h, Index H) {
  using A = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
  using CA = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
  A a(gates, 4 * H);
  sigmoid_inplace(a.segment(0, 2 * H).matrix());  // i, f
  tanh_inplace(a.segment(2 * H, H).matrix());      // g
  sigmoid_inplace(a.segment(3 * H, H).matrix());  // o
  A cm(c, H), tc(tanh_c, H), hm(h, H);
  // c_t = f * c_{t-1} + i * g
  cm = a.segment(H, H) * CA(c_prev, H) + a.segment(0, H) * a.segment(2 * H, H);
  tc = cm.tanh();
  // h_t = o * tanh(c_t)
  hm = a.segment(3 * H, H) * tc;
}

/// Backward gate kernel for one column. `gates` are the activated [i f g o] of
/// the step, `c_prev` its c_{t-1}, `tanh_c` its tanh(c_t); `dh` is dL/dh_t.
/// On entry `dc` is dL/dc_t from later steps, on exit dL/dc_{t-1}. Writes the
/// pre-activation deltas dL/da_t into `da`.
template <class T>
inline void backward_column(const T* gates, const T* c_prev, const T* tanh_c, const T* dh, T* dc, T* da,
                            Index H) {
  using A = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
  using CA = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
  CA g(gates, 4 * H), cp(c_prev, H), tc(tanh_c, H), dhv(dh, H);
  A dcv(dc, H), d(da, 4 * H);
  const auto i = g.segment(0, H), f = g.segment(H, H), gg = g.segment(2 * H, H), o = g.segment(3 * H, H);
  // dL/dc_t += dh * o * (1 - tanh(c_t)^2)
  dcv += dhv * o * (T(1) - tc.square());
  // da_i = dc * g * i (1 - i);  da_f = dc * c_{t-1} * f (1 - f)
  d.segment(0, H) = dcv * gg * i * (T(1) - i);
  d.segment(H, H) = dcv * cp * f * (T(1) - f);
  // da_g = dc * i * (1 - g^2);  da_o = dh * tanh(c_t) * o (1 - o)
  d.segment(2 * H, H) = dcv * i * (T(1) - gg.square());
  d.segment(3 * H, H) = dhv * tc * o * (T(1) - o);
  // dL/dc_{t-1} = dc * f
  dcv *= f;
}

}  // namespace lstm_kernels

/// The (h, c) state of an LSTM over a batch: two H x B matrices.
template <class T>
struct LstmState {
  Mat<T> h, c;
  static LstmState zeros(Index hidden, Index batch) {
    return {Mat<T>::Zero(hidden, batch), Mat<T>::Zero(hidden, batch)};
  }
};

/// Handles of one LSTM's parameters.
struct LstmParams {
  Param W_x, W_h, b;
  Index input = 0, hidden = 0;
};

/// Declares `<prefix>.W_x`, `<prefix>.W_h`, `<prefix>.b` into `layout`.
inline LstmParams declare_lstm_params(ParamLayout& layout, const std::string& prefix, Index input, Index hidden) {
  check_arg(input > 0 && hidden > 0, "LstmCell",
            "input size " + std::to_string(input) + " and hidden size " + std::to_string(hidden) +
                " must be positive");
  LstmParams p;
  p.input = input;
  p.hidden = hidden;
  p.W_x = layout.add(prefix + ".W_x", 4 * hidden, input, InitSpec::glorot());
  p.W_h = layout.add(prefix + ".W_h", 4 * hidden, hidden, InitSpec::orthogonal());
  p.b = layout.add(prefix + ".b", 4 * hidden, 1, InitSpec::lstm_bias(1.0));
  return p;
}

/// A single LSTM step over a batch (the decoder's recurrence).
template <class T>
class LstmCell {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  /// What backward reads of one forward step: the activated gates, c_{t-1},
  /// tanh(c_t) and h_{t-1}.
  struct Saved {
    Mat<T> gates, c_prev, tanh_c, h_prev;
  };

  /// Scratch space, reused across steps and calls: backward's deltas (da,
  /// dc) and the stacked operand of a packed product (xh: [x; h_{t-1}]
  /// forward, [dx; dh_{t-1}] backward).
  struct Workspace {
    Mat<T> da, dc, xh;
  };

  /// One step's tensors (B columns each; views, passed by value): x is In x B, the states H x B.
  /// `h` and `c` must not alias the previous states.
  struct Step {
    ConstMatRef<T> x, h_prev, c_prev;
    MatRef<T> h, c;
  };

  /// The gradients of one step: dh, dc (dL/dh_t, dL/dc_t) come in; dx
  /// (empty: skipped), dh_prev and dc_prev accumulate.
  struct Gradients {
    ConstMatRef<T> dh, dc;
    MatRef<T> dx, dh_prev, dc_prev;
  };

  /// [W_x W_h] packed once for many steps (core/packed_matrix.hpp): pack()
  /// for forward, pack_transpose() ([W_x W_h]^T) for backward. One product
  /// then gives a = [W_x W_h] [x; h_{t-1}], or [dx; dh_{t-1}] = [W_x W_h]^T da;
  /// pass it as WeightProduct(packed.W, threads). Decoding may pack at a
  /// reduced precision (core/packed_weights.hpp): W_x and W_h apart then.
  struct Packed {
    PackedWeights<T> W;
  };

  LstmCell(ParamLayout& layout, const std::string& prefix, Index input, Index hidden)
      : p_(declare_lstm_params(layout, prefix, input, hidden)) {}

  GENATTN_NOINLINE
  void pack(const ParamBuffer<T>& p, Packed& out, Precision precision = Precision::float32) const {
    out.W.pack(p, p_.W_x, p_.W_h, precision);
  }
  void pack_transpose(const ParamBuffer<T>& p, Packed& out) const { out.W.pack_transpose(p[p_.W_x], p[p_.W_h]); }

  Index input_size() const { return p_.input; }
  Index hidden_size() const { return p_.hidden; }
  const LstmParams& params() const { return p_; }

  /// (io.h, io.c) <- step(io.x, io.h_prev, io.c_prev). `product`: Eigen's,
  /// or WeightProduct of this cell's pack() of p.
  GENATTN_NOINLINE
  void forward(const ParamBuffer<T>& p, Step io, Saved& saved, Workspace& ws,
               const WeightProduct<T>& product = {}) const {
    static constexpr const char* where = "LstmCell::forward";
    const Index H = p_.hidden, B = io.x.cols();
    check_shape(where, "x", io.x, p_.input, B);
    check_shape(where, "h_prev", io.h_prev, H, B);
    check_shape(where, "c_prev", io.c_prev, H, B);
    check_shape(where, "h", io.h, H, B);
    check_shape(where, "c", io.c, H, B);
    saved.gates.resize(4 * H, B);
    saved.tanh_c.resize(H, B);
    saved.c_prev = io.c_prev;
    saved.h_prev = io.h_prev;
    // a = W_x x + W_h h_{t-1} + b
    product.apply_stacked(p, p_.W_x, io.x, p_.W_h, io.h_prev, saved.gates, ws.xh);
    saved.gates.colwise() += p[p_.b].col(0);
    for (Index b = 0; b < B; ++b)
      lstm_kernels::forward_column(saved.gates.col(b).data(), saved.c_prev.col(b).data(), io.c.col(b).data(),
                                   saved.tanh_c.col(b).data(), io.h.col(b).data(), H);
  }

  /// Adds the step's gradients: dW_x += da x^T, dW_h += da h_{t-1}^T, db += sum da,
  /// dx += W_x^T da, dh_prev += W_h^T da, dc_prev += dc * f, for the step
  /// `saved` holds, whose input was x. `transposed`: Eigen's, or
  /// WeightProduct of this cell's pack_transpose() of p.
  GENATTN_NOINLINE
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& x, const Saved& saved,
                Gradients g, Workspace& ws, const WeightProduct<T>& transposed = {}) const {
    static constexpr const char* where = "LstmCell::backward";
    const Index H = p_.hidden, B = x.cols();
    check_shape(where, "x", x, p_.input, saved.gates.cols());
    check_shape(where, "dh", g.dh, H, B);
    check_shape(where, "dc", g.dc, H, B);
    check_shape(where, "dh_prev", g.dh_prev, H, B);
    check_shape(where, "dc_prev", g.dc_prev, H, B);
    if (g.dx.size() != 0) check_shape(where, "dx", g.dx, p_.input, B);
    Mat<T>& da = ws.da;
    da.resize(4 * H, B);
    ws.dc = g.dc;
    for (Index b = 0; b < B; ++b)
      lstm_kernels::backward_column(saved.gates.col(b).data(), saved.c_prev.col(b).data(),
                                    saved.tanh_c.col(b).data(), g.dh.col(b).data(), ws.dc.col(b).data(),
                                    da.col(b).data(), H);
    g.dc_prev += ws.dc;
    // dL/dW_x = da x^T;  dL/dW_h = da h_{t-1}^T;  dL/db = sum_b da
    grads[p_.W_x].noalias() += da * x.transpose();
    grads[p_.W_h].noalias() += da * saved.h_prev.transpose();
    grads[p_.b] += da.rowwise().sum();
    // dL/dh_{t-1} = W_h^T da;  dL/dx = W_x^T da
    transposed.apply_transposed_stacked(p[p_.W_x], p[p_.W_h], da, g.dx, g.dh_prev, ws.xh);
  }

 private:
  LstmParams p_;
};

// compiled once in a program that links the instances (core/instances.hpp)
GENATTN_EXTERN_MODULE(LstmCell)

GENATTN_NAMESPACE_END
