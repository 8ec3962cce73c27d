// genattn/decode/search.hpp: batched beam search and sampling.
//
// A search drives any decoder D with
//   D::State                       a value type: size(), reorder(rows)
//   D::start(items)                the state of hypotheses attending to source items `items`
//   D::step(state, prev, logits, alignment)   logits V x N, alignment Ts x N
//   D::vocab(), D::source_length(b), D::ids()
// Seq2SeqDecoder (below) adapts a Seq2Seq; tests drive hand-built decoders.
//
// Beam search, for every sentence b with K live hypotheses at once (all B*K
// advance in one step: one product per layer):
//   cand(h, w) = score(h) + log p(w | h)       over live h of b and words w
// after the constraints set log p to -inf: </s> before the minimum length, only
// </s> at the maximum, <unk> when banned, and each continuation w that would
// repeat an n-gram of h (only that continuation: other words stay open). The
// 2K best candidates are taken in order; those ending in </s> finish, the rest
// fill the next beam up to K. A sentence is done when it has K finished
// hypotheses (or reaches the maximum length, when its live ones finish as they
// are). Each sentence's log-softmax and choice read and write its own K
// columns and slots only, so the sentences are split among the decoder's
// threads (greedy search splits its hypotheses the same way); the result does
// not depend on the split. Finished hypotheses are ranked by
//   final = score / lp(len) + cp
//   lp:  none 1;  average len;  gnmt ((5 + len) / 6)^alpha
//   cp:  none 0;  gnmt beta * sum_j log(min(c_j, 1));  summary -beta * sum_j (max(c_j, 1) - 1)
// with len counting </s> and c_j = sum_t a_tj the attention a source word got.
//
// Diverse beam search (Vijayakumar et al. 2016, "Diverse Beam Search"):
// `groups` G split the beam into G groups of K/G hypotheses, each started
// from <s>. At every step the groups choose in turn, group g from
//   cand_g(h, w) = score(h) + log p(w | h) - lambda * count_{<g}(w)
// where count_{<g}(w) counts the groups before g that chose w at this step
// (Hamming diversity of strength lambda = `diversity`); a hypothesis' score
// stays its log-probability. Each group finishes K/G hypotheses, and those
// of all groups are ranked together. With one group it is the beam search
// above, bit for bit.
//
// Sampling draws w ~ softmax(logits / temperature), restricted to the top_k
// words (0: all) and to the smallest set whose probability reaches top_p,
// from a seeded Rng (the same seed gives the same output).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "genattn/core/parallel.hpp"
#include "genattn/core/rng.hpp"
#include "genattn/seq2seq/seq2seq.hpp"

GENATTN_NAMESPACE_BEGIN

/// One decoded sentence: tokens (without </s>) and, per token, the alignment
/// over the source positions.
template <class T>
struct Hypothesis {
  TokenIds tokens;
  std::vector<Vec<T>> alignment;  ///< per token, source-length weights
  double log_prob = 0.0;          ///< sum of log p of the emitted tokens (and </s>)
  double score = 0.0;             ///< the ranking score (beam: with length and coverage penalties)
  bool finished = false;          ///< ended with </s>
};

enum class LengthPenalty { none, average, gnmt };
enum class CoveragePenalty { none, gnmt, summary };
/// What search does with <unk>: allow it, ban it, or allow it and replace it
/// by the most attended source word afterwards (replace_unknown).
/// `automatic` is TextModel's choice for its model (TextModel::search_for:
/// ban for a copy model, which then copies the word, else replace, as chosen
/// on the validation split); the search functions themselves read it as
/// allow.
enum class UnknownPolicy { allow, ban, replace, automatic };

struct SearchConfig {
  Index beam = 5;
  Index n_best = 1;
  Index groups = 1;         ///< diverse beam search: groups of beam / groups hypotheses (1: plain beam)
  double diversity = 0.0;   ///< lambda, the Hamming diversity penalty between groups (>= 0)
  LengthPenalty length_penalty = LengthPenalty::none;
  double alpha = 0.6;  ///< gnmt length penalty
  CoveragePenalty coverage_penalty = CoveragePenalty::none;
  double beta = 0.0;
  Index min_length = 0;    ///< tokens before </s> may be emitted
  Index max_length = 100;  ///< tokens at most (</s> not counted)
  double min_ratio = 0.0;  ///< also at least ceil(min_ratio * source length) (0: off)
  double max_ratio = 0.0;  ///< also at most ceil(max_ratio * source length) (0: off)
  Index block_ngram = 0;   ///< no n-gram of this size repeats within a hypothesis (0: off)
  std::vector<TokenId> block_ignore;  ///< n-grams holding any of these may repeat
  UnknownPolicy unknown = UnknownPolicy::allow;
  // sampling
  double temperature = 1.0;
  Index top_k = 0;
  double top_p = 1.0;
  std::uint64_t seed = 1;

  void validate() const {
    static constexpr const char* where = "SearchConfig";
    check_arg(beam >= 1, where, "beam = " + std::to_string(beam) + ", expected >= 1");
    check_arg(n_best >= 1 && n_best <= beam, where,
              "n_best = " + std::to_string(n_best) + ", expected 1..beam (" + std::to_string(beam) + ")");
    check_arg(groups >= 1 && beam % groups == 0, where,
              "groups = " + std::to_string(groups) + ", expected a divisor of beam (" + std::to_string(beam) + ")");
    check_arg(std::isfinite(diversity) && diversity >= 0.0, where,
              "diversity = " + std::to_string(diversity) + ", expected a finite number >= 0");
    check_arg(max_length >= 1, where, "max_length = " + std::to_string(max_length) + ", expected >= 1");
    check_arg(min_length <= max_length, where,
              "min_length = " + std::to_string(min_length) + " is above max_length = " + std::to_string(max_length));
    check_arg(temperature > 0.0, where, "temperature must be positive");
    check_arg(top_p > 0.0 && top_p <= 1.0, where, "top_p must be in (0, 1]");
    check_arg(top_k >= 0 && block_ngram >= 0, where, "negative top_k or block_ngram");
    // NaN would make every score NaN and the ranking arbitrary; an infinite
    // or huge ratio is capped by max_length (max_for), so only NaN, inf and
    // negative values are refused
    const std::pair<const char*, double> finite[] = {{"alpha", alpha}, {"beta", beta}};
    for (const auto& [name, v] : finite)
      check_arg(std::isfinite(v), where, std::string(name) + " = " + std::to_string(v) + ", expected a finite number");
    const std::pair<const char*, double> ratios[] = {{"min_ratio", min_ratio}, {"max_ratio", max_ratio}};
    for (const auto& [name, v] : ratios)
      check_arg(std::isfinite(v) && v >= 0.0, where,
                std::string(name) + " = " + std::to_string(v) + ", expected a finite number >= 0");
  }

  /// Length limits for a source of `source_length` tokens: the ratio's
  /// limit ceil(ratio * source_length) is computed in double and capped by
  /// max_length before it becomes an integer (a ratio of 1e18 cannot overflow).
  Index min_for(Index source_length) const {
    const Index cap = max_for(source_length);
    Index m = std::min(min_length, cap);
    if (min_ratio > 0.0) m = std::max(m, capped_ceil(min_ratio, source_length, cap));
    return m;
  }
  Index max_for(Index source_length) const {
    Index m = max_length;
    if (max_ratio > 0.0) m = std::min(m, std::max<Index>(1, capped_ceil(max_ratio, source_length, m)));
    return m;
  }

 private:
  static Index capped_ceil(double ratio, Index source_length, Index cap) {
    const double x = std::ceil(ratio * static_cast<double>(source_length));
    return x >= static_cast<double>(cap) ? cap : static_cast<Index>(x);
  }
};

/// Search over a Seq2Seq model and an encoded source batch.
template <class T>
class Seq2SeqDecoder {
 public:
  using Scalar = T;
  using State = typename Seq2Seq<T>::DecoderState;

  /// A copy model also needs `src_ext`, the sources' extended ids (its
  /// output then covers the extended vocabulary: copied words have ids >= V).
  /// `packed`: the model's weights packed from `params` (Seq2Seq::pack),
  /// shared by many decoders; null: this decoder packs its own. `threads`:
  /// the encoder's two directions and the output layer's product run on that
  /// many threads (the results do not depend on it).
  Seq2SeqDecoder(const Seq2Seq<T>& model, const ParamBuffer<T>& params, const TokenIds& src, const Lengths& lengths,
                 const TokenIds& src_ext = {}, const typename Seq2Seq<T>::Packed* packed = nullptr, int threads = 1)
      : model_(model),
        params_(params),
        own_(packed == nullptr ? model.pack(params) : typename Seq2Seq<T>::Packed{}),
        memory_(model.encode(params, src, lengths, src_ext, threads, packed != nullptr ? packed : &own_)),
        lengths_(lengths) {
    ws_.packed = packed != nullptr ? packed : &own_;
    ws_.threads = threads;
  }
  Seq2SeqDecoder(const Seq2SeqDecoder&) = delete;  // ws_ may point into own_
  Seq2SeqDecoder& operator=(const Seq2SeqDecoder&) = delete;

  Index vocab() const { return model_.output_size(memory_); }
  Index sources() const { return static_cast<Index>(lengths_.size()); }
  int threads() const { return ws_.threads; }
  Index source_length(Index b) const { return lengths_[static_cast<std::size_t>(b)]; }
  const SpecialIds& ids() const { return model_.config().ids; }
  State start(const std::vector<Index>& items) const { return model_.start(memory_, items); }
  void step(State& s, const TokenIds& prev, Mat<T>& logits, Mat<T>& alignment) {
    model_.step(params_, memory_, s, prev, logits, &alignment, ws_);
  }

 private:
  const Seq2Seq<T>& model_;
  const ParamBuffer<T>& params_;
  typename Seq2Seq<T>::Packed own_;  // before memory_: the encoder reads it
  typename Seq2Seq<T>::Memory memory_;
  Lengths lengths_;
  typename Seq2Seq<T>::StepWorkspace ws_;
};

namespace detail {

/// True when appending w to `tokens` repeats an n-gram (n = block) already in
/// `tokens`, unless the n-gram holds an ignored id.
inline bool repeats_ngram(const TokenIds& tokens, TokenId w, Index block, const std::vector<TokenId>& ignore) {
  const auto n = static_cast<std::size_t>(block);
  if (n == 0 || tokens.size() + 1 < n) return false;
  // the candidate n-gram: last n-1 tokens + w
  const std::size_t start = tokens.size() + 1 - n;
  auto ignored = [&](TokenId t) { return std::find(ignore.begin(), ignore.end(), t) != ignore.end(); };
  if (ignored(w)) return false;
  for (std::size_t k = start; k < tokens.size(); ++k)
    if (ignored(tokens[k])) return false;
  for (std::size_t i = 0; i + n <= tokens.size(); ++i) {
    bool same = tokens[i + n - 1] == w;
    for (std::size_t k = 0; same && k + 1 < n; ++k) same = tokens[i + k] == tokens[start + k];
    if (same) return true;
  }
  return false;
}

/// log sum_i exp(v_i), shifted by the maximum.
template <class V>
typename V::Scalar log_sum_exp(const V& v) {
  using T = typename V::Scalar;
  const T mx = v.maxCoeff();
  return mx + std::log((v.array() - mx).exp().sum());
}

/// The threads a decoder runs on: its threads() when it has one, else 1.
template <class D>
auto decoder_threads(const D& dec, int) -> decltype(static_cast<Index>(dec.threads())) {
  return static_cast<Index>(dec.threads());
}
template <class D>
Index decoder_threads(const D&, long) {
  return 1;
}

/// The first index of the maximum (as maxCoeff(&index), whose indexed visit
/// does not vectorize): the vectorized maximum, then a search for it.
template <class V>
Index argmax(const V& v) {
  const auto mx = v.maxCoeff();
  const auto* p = v.data();
  return static_cast<Index>(std::find(p, p + v.size(), mx) - p);
}

/// A T no greater than `need`, nor than any sum of doubles of magnitude
/// `scale` that rounds to at least `need` (a margin of 1e-9 relative, far
/// above double's rounding), and rounded down to T: a filter that never turns
/// away a value the exact comparison would keep.
template <class T>
T bound_below(double need, double scale) {
  const double b = need - 1e-9 * (1.0 + scale);
  if constexpr (std::is_same_v<T, float>)
    return std::nextafter(static_cast<float>(b), -std::numeric_limits<float>::infinity());
  else
    return static_cast<T>(b);
}

/// A beam candidate: hypothesis `slot` extended by word w, scored s.
struct Candidate {
  double s;
  Index slot;
  TokenId w;
};

/// The order candidates are taken in: score, then slot, then word.
inline bool better_candidate(const Candidate& x, const Candidate& y) {
  return x.s > y.s || (x.s == y.s && (x.slot < y.slot || (x.slot == y.slot && x.w < y.w)));
}

/// Offers every word w of `lp` (log p after the constraints; -inf, NaN:
/// none) as the candidate (score + lp_w, slot, w) to `heap`, which keeps
/// the `cap` best (better_candidate) with the worst on top: most words are
/// turned away by one comparison, and once the heap is full, a block of
/// words whose largest lp cannot reach its worst by one vector maximum.
template <class T, class V>
void offer_candidates(const V& lp, double score, Index slot, std::size_t cap, std::vector<Candidate>& heap) {
  constexpr Index block = 32;
  const Index n = lp.size();
  for (Index w0 = 0; w0 < n; w0 += block) {
    const Index end = std::min(n, w0 + block);
    if (heap.size() >= cap &&
        lp.segment(w0, end - w0).maxCoeff() <
            bound_below<T>(heap.front().s - score, std::fabs(heap.front().s) + std::fabs(score)))
      continue;
    for (Index w = w0; w < end; ++w) {
      if (!std::isfinite(static_cast<double>(lp[w]))) continue;
      const Candidate c{score + static_cast<double>(lp[w]), slot, static_cast<TokenId>(w)};
      if (heap.size() < cap) {
        heap.push_back(c);
        std::push_heap(heap.begin(), heap.end(), better_candidate);
      } else if (c.s >= heap.front().s && better_candidate(c, heap.front())) {
        std::pop_heap(heap.begin(), heap.end(), better_candidate);
        heap.back() = c;
        std::push_heap(heap.begin(), heap.end(), better_candidate);
      }
    }
  }
}

/// log-softmax of each column, in place.
template <class M>
void log_softmax_columns(M& m) {
  for (Index c = 0; c < m.cols(); ++c) m.col(c).array() -= log_sum_exp(m.col(c));
}

/// Appends word w (log p = lp) to single-hypothesis search state h; </s>
/// finishes it instead. Returns whether w is the next input.
template <class T, class Align>
bool emit(Hypothesis<T>& h, TokenId w, double lp, const Align& alignment, const SpecialIds& ids) {
  h.log_prob += lp;
  h.score = h.log_prob;
  if (w == ids.eos) {
    h.finished = true;
    return false;
  }
  h.tokens.push_back(w);
  h.alignment.push_back(alignment);
  return true;
}

template <class T>
double final_score(const Hypothesis<T>& h, const Vec<T>& coverage, const SearchConfig& c, bool finished) {
  const double len = static_cast<double>(h.tokens.size() + (finished ? 1 : 0));
  double lp = 1.0;
  if (c.length_penalty == LengthPenalty::average) lp = std::max(len, 1.0);
  if (c.length_penalty == LengthPenalty::gnmt) lp = std::pow((5.0 + len) / 6.0, c.alpha);
  double cp = 0.0;
  if (c.coverage_penalty == CoveragePenalty::gnmt)
    for (Index j = 0; j < coverage.size(); ++j)
      cp += std::log(std::min(static_cast<double>(coverage[j]), 1.0) + 1e-20);
  if (c.coverage_penalty == CoveragePenalty::summary)
    for (Index j = 0; j < coverage.size(); ++j) cp -= std::max(static_cast<double>(coverage[j]), 1.0) - 1.0;
  return h.log_prob / lp + c.beta * cp;
}

/// Applies the constraints to log-probabilities `lp` (V) of hypothesis `h`.
template <class T>
void constrain(Eigen::Ref<Vec<T>> lp, const TokenIds& tokens, Index min_len, Index max_len, const SpecialIds& ids,
               const SearchConfig& c) {
  const T ninf = -std::numeric_limits<T>::infinity();
  const auto len = static_cast<Index>(tokens.size());
  if (len >= max_len) {  // only </s> remains
    const T e = lp[ids.eos];
    lp.setConstant(ninf);
    lp[ids.eos] = e;
    return;
  }
  if (len < min_len) lp[ids.eos] = ninf;
  if (c.unknown == UnknownPolicy::ban) lp[ids.unk] = ninf;
  lp[ids.pad] = ninf;
  lp[ids.bos] = ninf;
  if (c.block_ngram > 0)
    for (Index w = 0; w < lp.size(); ++w)
      if (lp[w] > ninf && repeats_ngram(tokens, static_cast<TokenId>(w), c.block_ngram, c.block_ignore)) lp[w] = ninf;
}

}  // namespace detail

/// Beam search over every source of `dec`; returns, per source, its n_best
/// hypotheses, best first (log_prob = sum of log p; alignment per token).
template <class D>
std::vector<std::vector<Hypothesis<typename D::Scalar>>> beam_search(D& dec, const SearchConfig& config) {
  using T = typename D::Scalar;
  config.validate();
  const Index B = dec.sources(), K = config.beam, V = dec.vocab(), G = config.groups, Kg = K / G;
  const SpecialIds ids = dec.ids();
  std::vector<Index> items;
  for (Index b = 0; b < B; ++b)
    for (Index k = 0; k < K; ++k) items.push_back(b);
  auto state = dec.start(items);
  // live hypotheses, slot b*K + g*Kg + k (group g); at the start only each
  // group's k = 0 is live
  std::vector<Hypothesis<T>> live(static_cast<std::size_t>(B * K));
  std::vector<Vec<T>> coverage(static_cast<std::size_t>(B * K));
  std::vector<double> score(static_cast<std::size_t>(B * K), -std::numeric_limits<double>::infinity());
  for (Index b = 0; b < B; ++b) {
    for (Index g = 0; g < G; ++g) score[static_cast<std::size_t>(b * K + g * Kg)] = 0.0;
    for (Index k = 0; k < K; ++k) coverage[static_cast<std::size_t>(b * K + k)] = Vec<T>::Zero(dec.source_length(b));
  }
  struct Finished {
    Hypothesis<T> h;
    double rank;
  };
  std::vector<std::vector<Finished>> finished(static_cast<std::size_t>(B));
  std::vector<Index> group_finished(static_cast<std::size_t>(B * G), 0);  // each group finishes K/G
  std::vector<char> done(static_cast<std::size_t>(B), 0);  // bytes: threads write their own sources'
  TokenIds prev(static_cast<std::size_t>(B * K), ids.bos);
  Mat<T> logits, align;
  // each source's choices run on one of `parts` threads, with its own heap
  const Index parts = std::max<Index>(1, std::min<Index>(detail::decoder_threads(dec, 0), B));
  std::vector<std::vector<detail::Candidate>> heaps(static_cast<std::size_t>(parts));
  Index max_all = 0;
  for (Index b = 0; b < B; ++b) max_all = std::max(max_all, config.max_for(dec.source_length(b)));
  for (Index t = 0; t <= max_all; ++t) {
    if (std::all_of(done.begin(), done.end(), [](char d) { return d != 0; })) break;
    dec.step(state, prev, logits, align);
    std::vector<Index> rows(static_cast<std::size_t>(B * K));
    std::vector<Hypothesis<T>> next_live(live.size());
    std::vector<Vec<T>> next_cov(coverage.size());
    std::vector<double> next_score(score.size(), -std::numeric_limits<double>::infinity());
    // each source's choice reads and writes only its own K slots: the
    // sources are split among the decoder's threads (their results do not
    // depend on the split)
    parallel_for(parts, [&](Index part) {
      std::vector<detail::Candidate>& cands = heaps[static_cast<std::size_t>(part)];
      Vec<T> penalized;          // a group's log p minus the diversity penalty
      TokenIds chosen;           // the words this step's earlier groups chose
      for (Index b = B * part / parts; b < B * (part + 1) / parts; ++b) {
        const auto bi = static_cast<std::size_t>(b);
        for (Index k = 0; k < K; ++k) rows[static_cast<std::size_t>(b * K + k)] = b * K;  // default: any slot of b
        if (done[bi]) continue;
        auto source_logits = logits.middleCols(b * K, K);
        detail::log_softmax_columns(source_logits);
        const Index Ts = dec.source_length(b), lo = config.min_for(Ts), hi = config.max_for(Ts);
        chosen.clear();
        bool open = false;  // a group has fewer than K/G finished and a live hypothesis
        for (Index g = 0; g < G; ++g) {
          // a group with K/G finished offers nothing: its slots end empty
          Index& group_done = group_finished[static_cast<std::size_t>(b * G + g)];
          // the group's best 2 K/G candidates (score, then slot, then word);
          // after the first group, scored with the diversity penalty
          const bool penalize = config.diversity > 0.0 && !chosen.empty();
          const auto cap = static_cast<std::size_t>(2 * Kg);
          cands.clear();
          for (Index k = 0; k < Kg && group_done < Kg; ++k) {
            const Index slot = b * K + g * Kg + k;
            const auto si = static_cast<std::size_t>(slot);
            if (!std::isfinite(score[si])) continue;
            auto lp = logits.col(slot);
            detail::constrain<T>(lp, live[si].tokens, lo, hi, ids, config);
            if (!penalize) {
              detail::offer_candidates<T>(lp.head(V), score[si], slot, cap, cands);
              continue;
            }
            // log p_w - lambda * count_{<g}(w)
            penalized = lp.head(V);
            for (const TokenId w : chosen) penalized[w] -= static_cast<T>(config.diversity);
            detail::offer_candidates<T>(penalized, score[si], slot, cap, cands);
          }
          std::sort(cands.begin(), cands.end(), detail::better_candidate);
          Index filled = 0;
          for (std::size_t i = 0; i < cands.size() && filled < Kg; ++i) {
            const detail::Candidate& c = cands[i];
            const auto si = static_cast<std::size_t>(c.slot);
            Hypothesis<T> h = live[si];
            Vec<T> cov = coverage[si] + align.col(c.slot).head(Ts);
            // the hypothesis keeps its log-probability, without the penalty
            const double s = penalize ? score[si] + static_cast<double>(logits(c.w, c.slot)) : c.s;
            h.log_prob = s;
            chosen.push_back(c.w);
            if (c.w == ids.eos) {
              if (group_done < Kg) {
                h.finished = true;
                const double r = detail::final_score(h, cov, config, true);
                finished[bi].push_back({std::move(h), r});
                ++group_done;
              }
              continue;
            }
            h.tokens.push_back(c.w);
            h.alignment.push_back(align.col(c.slot).head(Ts));
            const auto ni = static_cast<std::size_t>(b * K + g * Kg + filled);
            rows[ni] = c.slot;
            next_live[ni] = std::move(h);
            next_cov[ni] = std::move(cov);
            next_score[ni] = s;
            prev[ni] = c.w;
            ++filled;
          }
          for (Index k = filled; k < Kg; ++k) next_cov[static_cast<std::size_t>(b * K + g * Kg + k)] = Vec<T>::Zero(Ts);
          open = open || (group_done < Kg && filled > 0);
        }
        if (!open) done[bi] = 1;
      }
    });
    live.swap(next_live);
    coverage.swap(next_cov);
    score.swap(next_score);
    state.reorder(rows);
  }
  std::vector<std::vector<Hypothesis<T>>> out(static_cast<std::size_t>(B));
  for (Index b = 0; b < B; ++b) {
    auto& f = finished[static_cast<std::size_t>(b)];
    if (static_cast<Index>(f.size()) < config.n_best)  // cut at the maximum length: live ones count as they are
      for (Index k = 0; k < K; ++k) {
        const auto si = static_cast<std::size_t>(b * K + k);
        if (std::isfinite(score[si])) f.push_back({live[si], detail::final_score(live[si], coverage[si], config, false)});
      }
    std::stable_sort(f.begin(), f.end(), [](const Finished& x, const Finished& y) { return x.rank > y.rank; });
    for (Index k = 0; k < std::min<Index>(config.n_best, static_cast<Index>(f.size())); ++k) {
      auto& fk = f[static_cast<std::size_t>(k)];
      fk.h.score = fk.rank;
      out[static_cast<std::size_t>(b)].push_back(std::move(fk.h));
    }
  }
  return out;
}

/// Greedy decoding, batched: y_t = argmax of the constrained log p, one
/// hypothesis per source. A source that has finished leaves the batch: the
/// state keeps the live hypotheses only (state.reorder), so a step costs
/// what the sources still decoding need, not the whole batch's.
template <class D>
std::vector<Hypothesis<typename D::Scalar>> greedy_search(D& dec, const SearchConfig& config) {
  using T = typename D::Scalar;
  config.validate();
  const Index B = dec.sources();
  const SpecialIds ids = dec.ids();
  std::vector<Index> live(static_cast<std::size_t>(B));  // state column k decodes source live[k]
  std::iota(live.begin(), live.end(), Index{0});
  auto state = dec.start(live);
  std::vector<Hypothesis<T>> out(static_cast<std::size_t>(B));
  TokenIds prev(static_cast<std::size_t>(B), ids.bos);
  Mat<T> logits, align;
  Index max_all = 0;
  for (Index b = 0; b < B; ++b) max_all = std::max(max_all, config.max_for(dec.source_length(b)));
  std::vector<Index> keep, next_live;  // the state columns still decoding, and their sources
  TokenIds next_prev;
  for (Index t = 0; t <= max_all && !live.empty(); ++t) {
    dec.step(state, prev, logits, align);
    const auto N = static_cast<Index>(live.size());
    // each source's choice touches only its own hypothesis and input: the
    // sources are split among the decoder's threads (at 16-column boundaries,
    // as in Seq2Seq::step, so every column is read the same way)
    const Index parts = std::min<Index>(detail::decoder_threads(dec, 0), N / 16);
    parallel_for(std::max<Index>(parts, 1), [&](Index k) {
      const Index first = k == 0 ? 0 : N * k / parts / 16 * 16, last = k + 1 >= parts ? N : N * (k + 1) / parts / 16 * 16;
      for (Index c = first; c < last; ++c) {
        const Index b = live[static_cast<std::size_t>(c)];
        auto& h = out[static_cast<std::size_t>(b)];
        const Index Ts = dec.source_length(b);
        auto lp = logits.col(c);
        // log p_w = l_w - logsumexp(l); the constraints only mask (-inf), so the
        // argmax is taken on the logits and only the chosen word is normalized
        const T lse = detail::log_sum_exp(lp);
        detail::constrain<T>(lp, h.tokens, config.min_for(Ts), config.max_for(Ts), ids, config);
        const Index w = detail::argmax(lp);
        if (detail::emit(h, static_cast<TokenId>(w), static_cast<double>(lp[w] - lse), align.col(c).head(Ts), ids))
          prev[static_cast<std::size_t>(c)] = static_cast<TokenId>(w);
      }
    });
    keep.clear();
    for (Index c = 0; c < N; ++c)
      if (!out[static_cast<std::size_t>(live[static_cast<std::size_t>(c)])].finished) keep.push_back(c);
    if (static_cast<Index>(keep.size()) == N) continue;
    next_live.clear();
    next_prev.clear();
    for (Index c : keep) {
      next_live.push_back(live[static_cast<std::size_t>(c)]);
      next_prev.push_back(prev[static_cast<std::size_t>(c)]);
    }
    live.swap(next_live);
    prev.swap(next_prev);
    if (!keep.empty()) state.reorder(keep);
  }
  return out;
}

/// Greedy decoding of a padded source batch with a Seq2Seq model.
template <class T>
std::vector<Hypothesis<T>> greedy_search(const Seq2Seq<T>& model, const ParamBuffer<T>& p, const TokenIds& src,
                                         const Lengths& lengths, const SearchConfig& config = {}) {
  Seq2SeqDecoder<T> dec(model, p, src, lengths);
  return greedy_search(dec, config);
}

/// Sampling, batched: one hypothesis per source.
template <class D>
std::vector<Hypothesis<typename D::Scalar>> sample(D& dec, const SearchConfig& config) {
  using T = typename D::Scalar;
  config.validate();
  const Index B = dec.sources(), V = dec.vocab();
  const SpecialIds ids = dec.ids();
  std::vector<Index> items(static_cast<std::size_t>(B));
  std::iota(items.begin(), items.end(), Index{0});
  auto state = dec.start(items);
  Rng rng(config.seed);
  std::vector<Hypothesis<T>> out(static_cast<std::size_t>(B));
  TokenIds prev(static_cast<std::size_t>(B), ids.bos);
  Mat<T> logits, align;
  std::vector<std::pair<double, TokenId>> probs;
  Index max_all = 0;
  for (Index b = 0; b < B; ++b) max_all = std::max(max_all, config.max_for(dec.source_length(b)));
  for (Index t = 0; t <= max_all; ++t) {
    if (std::all_of(out.begin(), out.end(), [](const Hypothesis<T>& h) { return h.finished; })) break;
    dec.step(state, prev, logits, align);
    for (Index b = 0; b < B; ++b) {
      auto& h = out[static_cast<std::size_t>(b)];
      if (h.finished) continue;
      const T top = logits.col(b).template maxCoeff<Eigen::PropagateNaN>();  // NaN anywhere: NaN
      if (!std::isfinite(static_cast<double>(top)))
        throw std::runtime_error("sample: the model's logits for source " + std::to_string(b) + " at step " +
                                 std::to_string(t) + " are not finite (their largest is " +
                                 std::to_string(static_cast<double>(top)) + ")");
      // the constraints first (they only rule words out), then the
      // temperature among the words left: softmax((l - max) / T) over them,
      // so a small temperature sends the others to -inf instead of
      // overflowing them all, and the word the constraints force (</s> at
      // the length limit) keeps its probability 1
      Vec<T> lp = logits.col(b);
      const Index Ts = dec.source_length(b);
      detail::constrain<T>(lp, h.tokens, config.min_for(Ts), config.max_for(Ts), ids, config);
      const T allowed = lp.maxCoeff();
      if (!(allowed > -std::numeric_limits<T>::infinity()))  // e.g. every word blocked
        throw std::runtime_error("sample: no token can follow step " + std::to_string(t) + " for source " +
                                 std::to_string(b) + ": the constraints (lengths, blocked n-grams) exclude them all");
      // the division in double: a temperature below float's range (e.g.
      // 4.9e-324) is not 0 there
      lp = ((lp.array() - allowed).template cast<double>() / config.temperature).template cast<T>();
      detail::log_softmax_columns(lp);
      probs.clear();
      for (Index w = 0; w < V; ++w)
        if (std::isfinite(static_cast<double>(lp[w]))) probs.push_back({std::exp(static_cast<double>(lp[w])), static_cast<TokenId>(w)});
      std::stable_sort(probs.begin(), probs.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
      std::size_t keep = probs.size();
      if (config.top_k > 0) keep = std::min(keep, static_cast<std::size_t>(config.top_k));
      double total = 0.0, mass = 0.0;
      for (std::size_t i = 0; i < keep; ++i) total += probs[i].first;
      for (std::size_t i = 0; i < keep; ++i) {
        mass += probs[i].first / total;
        if (mass >= config.top_p) {
          keep = i + 1;
          break;
        }
      }
      total = 0.0;
      for (std::size_t i = 0; i < keep; ++i) total += probs[i].first;
      double u = rng.uniform() * total;
      TokenId w = probs[keep - 1].second;
      for (std::size_t i = 0; i < keep; ++i) {
        if (u < probs[i].first) {
          w = probs[i].second;
          break;
        }
        u -= probs[i].first;
      }
      if (detail::emit(h, w, static_cast<double>(lp[w]), align.col(b).head(Ts), ids)) prev[static_cast<std::size_t>(b)] = w;
    }
  }
  return out;
}

/// The source position each output token attended to most (for replacing
/// <unk> by the source word, UnknownPolicy::replace).
template <class T>
std::vector<Index> most_attended(const Hypothesis<T>& h) {
  std::vector<Index> out;
  for (const auto& a : h.alignment) {
    Index j = 0;
    a.maxCoeff(&j);
    out.push_back(j);
  }
  return out;
}

/// UnknownPolicy::replace: `output` (the hypothesis' tokens as text) with
/// every `unk` replaced by the source token the step attended to most.
template <class T>
std::vector<std::string> replace_unknown(const std::vector<std::string>& output, const Hypothesis<T>& h,
                                         const std::vector<std::string>& source, const std::string& unk = "<unk>") {
  check_arg(output.size() == h.alignment.size(), "replace_unknown",
            "argument 'output' has " + std::to_string(output.size()) + " tokens, the hypothesis " +
                std::to_string(h.alignment.size()));
  std::vector<std::string> out = output;
  const std::vector<Index> pos = most_attended(h);
  for (std::size_t t = 0; t < out.size(); ++t)
    if (out[t] == unk && pos[t] < static_cast<Index>(source.size())) out[t] = source[static_cast<std::size_t>(pos[t])];
  return out;
}

// Explicit instances: a program that compiles them once (cmake/GenattnInstances.cmake)
// defines GENATTN_EXTERN_FLOAT and/or GENATTN_EXTERN_DOUBLE, so that its other units
// do not compile them again. The same list makes the instances (EXTERN empty).
#define GENATTN_SEARCH_INSTANCES(EXTERN, T)                                                                      \
  EXTERN template class Seq2SeqDecoder<T>;                                                                         \
  EXTERN template std::vector<std::vector<Hypothesis<T>>> beam_search(Seq2SeqDecoder<T>&, const SearchConfig&);   \
  EXTERN template std::vector<Hypothesis<T>> greedy_search(Seq2SeqDecoder<T>&, const SearchConfig&);             \
  EXTERN template std::vector<Hypothesis<T>> greedy_search(const Seq2Seq<T>&, const ParamBuffer<T>&,             \
                                                           const TokenIds&, const Lengths&, const SearchConfig&);  \
  EXTERN template std::vector<Hypothesis<T>> sample(Seq2SeqDecoder<T>&, const SearchConfig&);
#ifdef GENATTN_EXTERN_FLOAT
GENATTN_SEARCH_INSTANCES(extern, float)
#endif
#ifdef GENATTN_EXTERN_DOUBLE
GENATTN_SEARCH_INSTANCES(extern, double)
#endif

GENATTN_NAMESPACE_END
