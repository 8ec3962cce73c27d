// genattn/decode/ensemble.hpp: several models decoded as one.
//
// EnsembleDecoder<D> drives M member decoders (each a search decoder, as in
// decode/search.hpp: Seq2SeqDecoder for a Seq2Seq) over the same sources and
// is a search decoder itself, so greedy_search, beam_search and sample decode
// an ensemble as they decode one model. At every step each member advances
// its own state on the same previous words, and the ensemble's output is the
// log of the members' mean probability:
//   log p(w) = log( (1/M) sum_m p_m(w) )
//            = mx_w + log( sum_m exp(lp_m(w) - mx_w) ) - log M,
//   lp_m = log_softmax(logits_m),  mx_w = max_m lp_m(w)
// (shifted by the largest, so a word no member gives more than e^-100 keeps
// its probability instead of underflowing to 0). A copy member's output
// covers the extended vocabulary (V + the sources' own words); a member
// without copy gives those words probability 0 (it cannot produce them), and
// reads a copied previous word as <unk>, as a copy model does. The alignment
// is the members' mean:
//   a(j) = (1/M) sum_m a_m(j).
// An ensemble of one passes its member's logits and alignment through
// untouched: it decodes bit for bit as the member alone.
//
// The members must share the special ids and each source's length (they read
// the same source batch); EnsembleDecoder's constructor checks both.
#pragma once

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "genattn/copy/copied_ids.hpp"
#include "genattn/core/check.hpp"
#include "genattn/decode/search.hpp"

GENATTN_NAMESPACE_BEGIN

template <class D>
class EnsembleDecoder {
 public:
  using Scalar = typename D::Scalar;
  using T = Scalar;
  /// The members' states, one each.
  struct State {
    std::vector<typename D::State> members;
    Index size() const { return members.front().size(); }
    void reorder(const std::vector<Index>& rows) {
      for (auto& s : members) s.reorder(rows);
    }
  };

  /// The members decode the same sources (their own encodings of them);
  /// std::invalid_argument naming the member that differs from the first in
  /// its special ids, its number of sources or a source's length.
  explicit EnsembleDecoder(std::vector<std::unique_ptr<D>> members) : members_(std::move(members)) {
    static constexpr const char* where = "EnsembleDecoder";
    check_arg(!members_.empty(), where, "an ensemble needs at least one member");
    const D& first = *members_.front();
    for (std::size_t m = 1; m < members_.size(); ++m) {
      const D& d = *members_[m];
      const std::string name = "member " + std::to_string(m + 1);
      const SpecialIds &a = first.ids(), &b = d.ids();
      check_arg(a.pad == b.pad && a.unk == b.unk && a.bos == b.bos && a.eos == b.eos, where,
                name + "'s special ids differ from member 1's");
      check_arg(d.sources() == first.sources(), where,
                name + " has " + std::to_string(d.sources()) + " sources, member 1 " + std::to_string(first.sources()));
      for (Index s = 0; s < first.sources(); ++s)
        check_arg(d.source_length(s) == first.source_length(s), where,
                  name + "'s source " + std::to_string(s) + " has " + std::to_string(d.source_length(s)) +
                      " tokens, member 1's " + std::to_string(first.source_length(s)));
    }
    logits_.resize(members_.size());
    align_.resize(members_.size());
  }

  Index members() const { return static_cast<Index>(members_.size()); }
  /// The widest member's output: a copy member's extended vocabulary.
  Index vocab() const {
    Index v = 0;
    for (const auto& d : members_) v = std::max(v, d->vocab());
    return v;
  }
  Index sources() const { return members_.front()->sources(); }
  int threads() const { return static_cast<int>(detail::decoder_threads(*members_.front(), 0)); }
  Index source_length(Index b) const { return members_.front()->source_length(b); }
  const SpecialIds& ids() const { return members_.front()->ids(); }

  State start(const std::vector<Index>& items) const {
    State s;
    for (const auto& d : members_) s.members.push_back(d->start(items));
    return s;
  }

  void step(State& s, const TokenIds& prev, Mat<T>& logits, Mat<T>& alignment) {
    if (members_.size() == 1) {  // one member: its own output, bit for bit
      members_.front()->step(s.members.front(), prev, logits, alignment);
      return;
    }
    const Index V = vocab();
    for (std::size_t m = 0; m < members_.size(); ++m) {
      D& d = *members_[m];
      const Index Vm = d.vocab();
      const TokenIds* input = &prev;
      if (Vm < V) {  // a member without copy reads a copied word as <unk>, as a copy model does
        inputs_ = prev;
        read_copied_as_unk(inputs_, Vm, V - Vm, d.ids().unk);
        input = &inputs_;
      }
      d.step(s.members[m], *input, logits_[m], align_[m]);
      detail::log_softmax_columns(logits_[m]);
    }
    const Index N = logits_.front().cols();
    const T ninf = -std::numeric_limits<T>::infinity();
    // mx = max_m lp_m (-inf where no member reaches)
    logits.setConstant(V, N, ninf);
    for (const auto& lp : logits_) logits.topRows(lp.rows()) = logits.topRows(lp.rows()).cwiseMax(lp);
    // sum_m exp(lp_m - mx), then mx + log(sum) - log M; a word every member
    // rules out (mx = -inf) stays -inf
    sum_.setZero(V, N);
    for (const auto& lp : logits_) {
      auto mx = logits.topRows(lp.rows()).array();
      sum_.topRows(lp.rows()).array() += (mx == ninf).select(T(0), (lp.array() - mx).exp());
    }
    const T log_m = static_cast<T>(std::log(static_cast<double>(members_.size())));
    logits.array() = (logits.array() == ninf).select(ninf, logits.array() + sum_.array().log() - log_m);
    // the mean alignment
    alignment = align_.front();
    for (std::size_t m = 1; m < align_.size(); ++m) alignment += align_[m];
    alignment /= static_cast<T>(members_.size());
  }

 private:
  std::vector<std::unique_ptr<D>> members_;
  std::vector<Mat<T>> logits_, align_;  // each member's step output
  Mat<T> sum_;
  TokenIds inputs_;
};

// Explicit instances (as GENATTN_SEARCH_INSTANCES in search.hpp): the
// searches over an ensemble of Seq2SeqDecoder, compiled once with them.
#define GENATTN_ENSEMBLE_INSTANCES(EXTERN, T)                                                                       \
  EXTERN template class EnsembleDecoder<Seq2SeqDecoder<T>>;                                                          \
  EXTERN template std::vector<std::vector<Hypothesis<T>>> beam_search(EnsembleDecoder<Seq2SeqDecoder<T>>&,         \
                                                                      const SearchConfig&);                          \
  EXTERN template std::vector<Hypothesis<T>> greedy_search(EnsembleDecoder<Seq2SeqDecoder<T>>&, const SearchConfig&); \
  EXTERN template std::vector<Hypothesis<T>> sample(EnsembleDecoder<Seq2SeqDecoder<T>>&, const SearchConfig&);
#ifdef GENATTN_EXTERN_FLOAT
GENATTN_ENSEMBLE_INSTANCES(extern, float)
#endif
#ifdef GENATTN_EXTERN_DOUBLE
GENATTN_ENSEMBLE_INSTANCES(extern, double)
#endif

GENATTN_NAMESPACE_END
