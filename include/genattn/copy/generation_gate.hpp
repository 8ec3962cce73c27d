// genattn/copy/generation_gate.hpp: the pointer-generator's switch between
// generating and copying (See et al. 2017, eq. 8).
//
//   g_t     = w_z . z_t + w_s . s_t + w_x . x_t + b       the gate's logit
//   p_gen_t = sigmoid(g_t)
// z_t: the context vector, s_t: the decoder state (top layer's h), x_t: the
// decoder's input at step t (genattn feeds [emb(y_{t-1}); z_{t-1}]).
// copy_distribution.hpp works with g in log space: log p_gen = -softplus(-g),
// log (1 - p_gen) = -softplus(g), finite for every finite g.
//
// Backward, given dg (1 x N):
//   dw_s += s dg^T   dw_z += z dg^T   dw_x += x dg^T   db += sum dg
//   ds += w_s dg     dz += w_z dg     dx += w_x dg
//
// Parameters: <prefix>.w_s (S), <prefix>.w_z (K), <prefix>.w_x (X), <prefix>.b (1).
#pragma once

#include <string>

#include "genattn/core/check.hpp"
#include "genattn/core/instances.hpp"
#include "genattn/core/params.hpp"

GENATTN_NAMESPACE_BEGIN

template <class T>
class GenerationGate {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  /// state: S, memory: K, input: X.
  GenerationGate(ParamLayout& layout, const std::string& prefix, Index state, Index memory, Index input)
      : S_(state), K_(memory), X_(input) {
    w_s_ = layout.add(prefix + ".w_s", state, 1, InitSpec::glorot());
    w_z_ = layout.add(prefix + ".w_z", memory, 1, InitSpec::glorot());
    w_x_ = layout.add(prefix + ".w_x", input, 1, InitSpec::glorot());
    b_ = layout.add(prefix + ".b", 1, 1, InitSpec::zeros());
  }

  /// g (1 x N) <- gate logits, from sz = [s; z] ((S+K) x N) and x (X x N).
  GENATTN_NOINLINE
  void forward(const ParamBuffer<T>& p, const ConstMatRef<T>& sz, const ConstMatRef<T>& x, Mat<T>& g) const {
    static constexpr const char* where = "GenerationGate::forward";
    check_shape(where, "sz", sz, S_ + K_, sz.cols());
    check_shape(where, "x", x, X_, sz.cols());
    g.noalias() = p[w_s_].transpose() * sz.topRows(S_);
    g.noalias() += p[w_z_].transpose() * sz.bottomRows(K_);
    g.noalias() += p[w_x_].transpose() * x;
    g.array() += p[b_](0, 0);
  }

  /// Adds the parameters' gradients, d[s; z] into d_sz and dx into dx.
  GENATTN_NOINLINE
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& sz, const ConstMatRef<T>& x,
                const ConstMatRef<T>& dg, MatRef<T> d_sz, MatRef<T> dx) const {
    // dw_s += s dg^T;  dw_z += z dg^T;  dw_x += x dg^T;  db += sum dg
    grads[w_s_].noalias() += sz.topRows(S_) * dg.transpose();
    grads[w_z_].noalias() += sz.bottomRows(K_) * dg.transpose();
    grads[w_x_].noalias() += x * dg.transpose();
    grads[b_](0, 0) += dg.sum();
    // ds += w_s dg;  dz += w_z dg;  dx += w_x dg
    d_sz.topRows(S_).noalias() += p[w_s_] * dg;
    d_sz.bottomRows(K_).noalias() += p[w_z_] * dg;
    dx.noalias() += p[w_x_] * dg;
  }

 private:
  Index S_, K_, X_;
  Param w_s_, w_z_, w_x_, b_;
};

// compiled once in a program that links the instances (core/instances.hpp)
GENATTN_EXTERN_MODULE(GenerationGate)

GENATTN_NAMESPACE_END
