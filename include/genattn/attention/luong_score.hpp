// genattn/attention/luong_score.hpp: Luong et al.'s multiplicative scores.
//
//   dot:      e_jb = h_{j,src(b)} . s_b          (needs K = S)
//   general:  e_jb = s_b^T W_a h_{j,src(b)}       (W_a: S x K, <prefix>.W_a)
//
// Both are e_jb = k_{j,src(b)} . s_b with keys k = H (dot) or k = W_a H
// (general), computed once per source batch.
//
// Backward of a step:  ds_b += sum_j de_jb k_j;  dk_j += de_jb s_b
// and once per source batch: dot: dH += dK;  general: dW_a += dK H^T, dH += W_a^T dK.
#pragma once

#include <string>

#include "genattn/attention/step_io.hpp"
#include "genattn/core/instances.hpp"
#include "genattn/core/params.hpp"
#include "genattn/core/weight_product.hpp"

GENATTN_NAMESPACE_BEGIN

template <class T>
class LuongScore {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  /// `general` false: dot (memory must equal query); true: general.
  LuongScore(ParamLayout& layout, const std::string& prefix, Index memory, Index query, bool general)
      : query_(query), general_(general) {
    if (general)
      W_a_ = layout.add(prefix + ".W_a", query, memory, InitSpec::glorot());
    else
      check_arg(memory == query, "Attention",
                "dot attention needs the memory size (" + std::to_string(memory) + ") to equal the query size (" +
                    std::to_string(query) + "); use general or additive attention");
  }

  Index key_size() const { return query_; }

  GENATTN_NOINLINE
  void keys_forward(const ParamBuffer<T>& p, const ConstMatRef<T>& H, Mat<T>& keys) const {
    if (general_) {
      keys.resize(query_, H.cols());
      WeightProduct<T>().apply(p, W_a_, H, keys);  // widens W_a when p holds it encoded
    } else {
      keys = H;
    }
  }
  GENATTN_NOINLINE
  void keys_backward(const ParamBuffer<T>& p, ParamBuffer<T>& grads, const ConstMatRef<T>& H,
                     const ConstMatRef<T>& dkeys, MatRef<T> dH) const {
    if (general_) {
      // dW_a += dK H^T;  dH += W_a^T dK
      grads[W_a_].noalias() += dkeys * H.transpose();
      if (dH.size() != 0) dH.noalias() += p[W_a_].transpose() * dkeys;
    } else if (dH.size() != 0) {
      dH += dkeys;  // k = H
    }
  }

  /// e (Ts x B) <- k_j . s_b for the valid positions (padded rows untouched).
  GENATTN_NOINLINE
  void forward(const AttentionSource<T>& src, const AttentionQuery<T>& query, MatRef<T> e) const {
    const SourceMap& map = src.map;
    const auto& keys = src.keys;
    const auto& s = query.s;
    for (Index b = 0; b < s.cols(); ++b)
      for (Index j = 0; j < map.length[static_cast<std::size_t>(b)]; ++j)
        e(j, b) = keys.col(map.column(j, b)).dot(s.col(b));
  }

  /// Adds the step's gradients given de (Ts x B) into out.dkeys and out.ds.
  GENATTN_NOINLINE
  void backward(const AttentionSource<T>& src, const AttentionQuery<T>& query, const ConstMatRef<T>& de,
                AttentionGradients<T> out) const {
    const SourceMap& map = src.map;
    const auto& keys = src.keys;
    const auto& s = query.s;
    auto& ds = out.ds;
    auto& dkeys = out.dkeys;
    for (Index b = 0; b < s.cols(); ++b)
      for (Index j = 0; j < map.length[static_cast<std::size_t>(b)]; ++j) {
        const Index col = map.column(j, b);
        // ds_b += de_jb k_j;  dk_j += de_jb s_b
        ds.col(b) += de(j, b) * keys.col(col);
        dkeys.col(col) += de(j, b) * s.col(b);
      }
  }

 private:
  Index query_;
  bool general_;
  Param W_a_;
};

// compiled once in a program that links the instances (core/instances.hpp)
GENATTN_EXTERN_MODULE(LuongScore)

GENATTN_NAMESPACE_END
