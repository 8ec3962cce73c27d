// genattn/attention/additive_score.hpp: Bahdanau's additive alignment score.
//
//   k_j  = W_h h_j                      keys, once per source batch   (A x Ts*Bs)
//   q_b  = W_s s_b + b                  per decoder step              (A x B)
//   u_jb = tanh(k_{j,src(b)} + q_b + w_c c_jb)     (w_c c_jb only with coverage)
//   e_jb = v . u_jb                     for the valid positions j < n_b
//
// With coverage (See et al. 2017), c_jb is the attention source position j
// has received at the earlier steps of query b (coverage.hpp keeps it).
//
// Parameters: <prefix>.W_h (A x K), <prefix>.W_s (A x S), <prefix>.b (A),
// <prefix>.v (A x 1), and with coverage <prefix>.w_c (A x 1, zeros: a model
// that switches coverage on starts out computing what it did without).
//
// Backward of a step, given de (Ts x B):
//   du_jb = de_jb v (1 - u_jb^2)
//   dv   += sum_jb de_jb u_jb
//   dk_{j,src(b)} += du_jb         (keys' gradient, summed over all steps)
//   dq_b  = sum_j du_jb;  dW_s += dq s^T;  db += sum_b dq_b;  ds += W_s^T dq
//   dc_jb = w_c . du_jb;  dw_c += sum_jb c_jb du_jb     (coverage)
// and once per source batch: dW_h += dK H^T, dH += W_h^T dK.
//
// Forward keeps q alone, not u: backward computes u_jb again from k, q and c,
// by the same code into the same kind of buffer, so it is the forward's u bit
// for bit. Training would otherwise hold A x Ts x B values a step (25 MB a
// shard for the benchmark model) for one tanh a value of recomputing.
#pragma once

#include <string>

#include "genattn/attention/step_io.hpp"
#include "genattn/core/instances.hpp"
#include "genattn/core/packed_matrix.hpp"
#include "genattn/core/params.hpp"
#include "genattn/core/weight_product.hpp"

GENATTN_NAMESPACE_BEGIN

template <class T>
class AdditiveScore {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  /// What backward reads of a forward step.
  struct Saved {
    Mat<T> q;  ///< A x B
    Vec<T> u;  ///< forward's scratch, one u_jb at a time (backward does not read it)
  };
  /// backward's scratch space.
  struct Workspace {
    Mat<T> dq;
    Vec<T> u, du;
  };

  AdditiveScore(ParamLayout& layout, const std::string& prefix, Index memory, Index query, Index hidden,
                bool coverage = false)
      : memory_(memory), query_(query), hidden_(hidden), coverage_(coverage) {
    W_h_ = layout.add(prefix + ".W_h", hidden, memory, InitSpec::glorot());
    W_s_ = layout.add(prefix + ".W_s", hidden, query, InitSpec::glorot());
    b_ = layout.add(prefix + ".b", hidden, 1, InitSpec::zeros());
    v_ = layout.add(prefix + ".v", hidden, 1, InitSpec::glorot());
    if (coverage) w_c_ = layout.add(prefix + ".w_c", hidden, 1, InitSpec::zeros());
  }

  Index key_size() const { return hidden_; }
  bool coverage() const { return coverage_; }

  /// keys = W_h H, W_h packed (core/packed_matrix.hpp), on `threads`
  /// threads; from `packed` (pack_keys() of p, at its precision) when given.
  GENATTN_NOINLINE
  void keys_forward(const ParamBuffer<T>& p, const ConstMatRef<T>& H, Mat<T>& keys, int threads = 1,
                    const PackedWeights<T>* packed = nullptr) const {
    if (packed != nullptr) {
      keys.resize(hidden_, H.cols());
      WeightProduct<T>(*packed, threads).apply(p, W_h_, H, keys);
      return;
    }
    const PackedMatrix<T> W(p[W_h_]);
    keys.resize(W.rows(), H.cols());
    W.multiply(H, keys, false, threads);
  }

  /// W_h packed at `precision`, for keys_forward.
  GENATTN_NOINLINE
  void pack_keys(const ParamBuffer<T>& p, PackedWeights<T>& out, Precision precision = Precision::float32) const {
    out.pack(p, W_h_, precision);
  }
  /// dW_h += dK H^T; dH += W_h^T dK (dH skipped when empty).
  GENATTN_NOINLINE
  void keys_backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& H,
                     const ConstMatRef<T>& dkeys, MatRef<T> dH) const {
    grads[W_h_].noalias() += dkeys * H.transpose();
    if (dH.size() != 0) dH.noalias() += p[W_h_].transpose() * dkeys;
  }

  /// W_s packed for decoding at `precision` (core/packed_weights.hpp).
  GENATTN_NOINLINE
  void pack_query(const ParamBuffer<T>& p, PackedWeights<T>& out, Precision precision = Precision::float32) const {
    out.pack(p, W_s_, precision);
  }

  /// e (Ts x B) <- scores of the valid positions (padded rows untouched).
  /// The query's coverage is read only when the score has coverage.
  /// `product`: Eigen's, or WeightProduct of pack_query() of p.
  GENATTN_NOINLINE
  void forward(const ParamBuffer<T>& p, const AttentionSource<T>& src, const AttentionQuery<T>& query, MatRef<T> e,
               Saved& cache, const WeightProduct<T>& product = {}) const {
    const SourceMap& map = src.map;
    const auto& s = query.s;
    const Index B = s.cols();
    cache.q.resize(hidden_, B);
    product.apply(p, W_s_, s, cache.q);
    cache.q.colwise() += p[b_].col(0);
    const auto v = p[v_].col(0);
    for (Index b = 0; b < B; ++b)
      for (Index j = 0; j < map.length[static_cast<std::size_t>(b)]; ++j) {
        tanh_input(p, src, query, cache.q, j, b, cache.u);
        e(j, b) = v.dot(cache.u);
      }
  }

  /// Adds the step's gradients given de (Ts x B): out.dkeys (A x Ts*Bs) and
  /// out.ds (S x B) accumulate, and with coverage out.dcoverage (Ts x B) too.
  GENATTN_NOINLINE
  void backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const AttentionSource<T>& src,
                const AttentionQuery<T>& query, const Saved& saved, const ConstMatRef<T>& de,
                AttentionGradients<T> out, Workspace& ws) const {
    const SourceMap& map = src.map;
    const auto& s = query.s;
    const auto& coverage = query.coverage;
    const Index B = s.cols();
    const auto v = p[v_].col(0);
    auto dv = grads[v_].col(0);
    ws.dq.setZero(hidden_, B);
    ws.du.resize(hidden_);
    for (Index b = 0; b < B; ++b)
      for (Index j = 0; j < map.length[static_cast<std::size_t>(b)]; ++j) {
        // u_jb again, as forward computed it
        tanh_input(p, src, query, saved.q, j, b, ws.u);
        const auto& u = ws.u;
        const T d = de(j, b);
        // dv += de_jb u_jb
        dv += d * u;
        // du_jb = de_jb v (1 - u^2), into dq_b and dk_j
        ws.du = d * (v.array() * (T(1) - u.array().square())).matrix();
        ws.dq.col(b) += ws.du;
        out.dkeys.col(map.column(j, b)) += ws.du;
        if (coverage_) {
          // dc_jb = w_c . du_jb;  dw_c += c_jb du_jb
          out.dcoverage(j, b) += p[w_c_].col(0).dot(ws.du);
          grads[w_c_].col(0) += coverage(j, b) * ws.du;
        }
      }
    // dW_s += dq s^T;  db += sum dq;  ds += W_s^T dq
    grads[W_s_].noalias() += ws.dq * s.transpose();
    grads[b_] += ws.dq.rowwise().sum();
    out.ds.noalias() += p[W_s_].transpose() * ws.dq;
  }

 private:
  /// u <- u_jb = tanh(k_{j,src(b)} + q_b (+ w_c c_jb)): forward's and
  /// backward's one computation of it.
  void tanh_input(const ParamBuffer<T>& p, const AttentionSource<T>& src, const AttentionQuery<T>& query,
                  const Mat<T>& q, Index j, Index b, Vec<T>& u) const {
    const auto k = src.keys.col(src.map.column(j, b));
    if (coverage_)
      u = (k + q.col(b) + query.coverage(j, b) * p[w_c_].col(0)).array().tanh().matrix();
    else
      u = (k + q.col(b)).array().tanh().matrix();
  }

  Index memory_, query_, hidden_;
  bool coverage_;
  Param W_h_, W_s_, b_, v_, w_c_;
};

// compiled once in a program that links the instances (core/instances.hpp)
GENATTN_EXTERN_MODULE(AdditiveScore)

GENATTN_NAMESPACE_END
