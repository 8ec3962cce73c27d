#include <gtest/gtest.h>

#include <genattn/decode/search.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <random>

#include "support/errors.hpp"

using namespace genattn;
using namespace genattn_test;

namespace {

/// A hand-built decoder: log p(next | previous token) from a fixed table,
/// the same for every source; alignment puts all weight on position
/// (step mod source length). Its best sequence is found by enumeration.
/// The hand-built decoders' state: each hypothesis's source item and the
/// steps it has taken.
struct ItemSteps {
  std::vector<Index> item;
  std::vector<Index> steps;
  Index size() const { return static_cast<Index>(item.size()); }
  void reorder(const std::vector<Index>& rows) {
    ItemSteps s;
    for (Index r : rows) {
      s.item.push_back(item[static_cast<std::size_t>(r)]);
      s.steps.push_back(steps[static_cast<std::size_t>(r)]);
    }
    *this = s;
  }
};

struct BigramDecoder {
  using Scalar = double;
  using State = ItemSteps;
  Mat<double> table;  // V x V: column = previous token, rows = logits of next
  Lengths lengths;
  SpecialIds specials;

  Index vocab() const { return table.rows(); }
  Index sources() const { return static_cast<Index>(lengths.size()); }
  Index source_length(Index b) const { return lengths[static_cast<std::size_t>(b)]; }
  const SpecialIds& ids() const { return specials; }
  State start(const std::vector<Index>& items) const { return {items, std::vector<Index>(items.size(), 0)}; }
  void step(State& s, const TokenIds& prev, Mat<double>& logits, Mat<double>& align) const {
    const Index N = s.size();
    Index Ts = 0;
    for (Index l : lengths) Ts = std::max(Ts, l);
    logits.resize(vocab(), N);
    align.setZero(Ts, N);
    for (Index k = 0; k < N; ++k) {
      logits.col(k) = table.col(prev[static_cast<std::size_t>(k)]);
      const Index item = s.item[static_cast<std::size_t>(k)];
      align(s.steps[static_cast<std::size_t>(k)] % source_length(item), k) = 1.0;
      ++s.steps[static_cast<std::size_t>(k)];
    }
  }
};

/// Table where greedy is misled: from <s>, token 4 looks best, but after it
/// everything is poor; token 5 leads to a sure </s>.
BigramDecoder trap() {
  BigramDecoder d;
  const Index V = 7;
  d.table = Mat<double>::Constant(V, V, -20.0);
  d.table(4, 2) = std::log(0.55);  // <s> -> 4
  d.table(5, 2) = std::log(0.45);  // <s> -> 5
  for (Index w : {3, 4, 5, 6}) d.table(w, 4) = std::log(0.25);  // 4 -> anything, flat
  d.table(3, 5) = std::log(0.95);  // 5 -> </s>
  d.table(6, 5) = std::log(0.05);
  d.table(3, 6) = 0.0;
  d.lengths = {3, 2};
  return d;
}

/// Best-scoring sequence by enumeration (up to `max_len` tokens), raw log p.
std::pair<TokenIds, double> brute_force(const BigramDecoder& d, Index max_len) {
  Mat<double> lp = d.table;
  for (Index c = 0; c < lp.cols(); ++c) {
    const double m = lp.col(c).maxCoeff();
    lp.col(c).array() -= m + std::log((lp.col(c).array() - m).exp().sum());
  }
  std::pair<TokenIds, double> best{{}, -1e300};
  std::function<void(TokenIds&, TokenId, double)> go = [&](TokenIds& seq, TokenId prev, double s) {
    const double end = s + lp(d.specials.eos, prev);
    if (end > best.second) best = {seq, end};
    if (static_cast<Index>(seq.size()) == max_len) return;
    for (TokenId w = 4; w < lp.rows(); ++w) {
      seq.push_back(w);
      go(seq, w, s + lp(w, prev));
      seq.pop_back();
    }
  };
  TokenIds seq;
  go(seq, d.specials.bos, 0.0);
  return best;
}

Seq2SeqConfig small_config() {
  Seq2SeqConfig cfg;
  cfg.src_vocab = cfg.tgt_vocab = 15;
  cfg.embedding = 6;
  cfg.encoder_hidden = 5;
  cfg.decoder_hidden = 7;
  return cfg;
}

}  // namespace

TEST(BeamSearch, FindsTheKnownBestSequenceWhereGreedyFails) {
  BigramDecoder d = trap();
  SearchConfig c;
  c.max_length = 4;
  const auto greedy = greedy_search(d, c);
  EXPECT_EQ(greedy[0].tokens[0], 4);  // misled
  c.beam = 3;
  const auto beam = beam_search(d, c);
  const auto [best, best_score] = brute_force(d, 4);
  EXPECT_EQ(beam[0][0].tokens, best);
  EXPECT_EQ(best, (TokenIds{5}));
  EXPECT_NEAR(beam[0][0].log_prob, best_score, 1e-12);
  EXPECT_TRUE(beam[0][0].finished);
}

TEST(BeamSearch, BeamOneEqualsGreedy) {
  Seq2Seq<double> model(small_config());
  const ParamBuffer<double> p = model.init_params(3);
  const Seq2SeqBatch batch = make_batch({{4, 5, 6, 7}, {8, 9}, {10, 11, 12}}, {{4}, {4}, {4}});
  SearchConfig c;
  c.max_length = 12;
  c.beam = 1;
  Seq2SeqDecoder<double> d1(model, p, batch.src, batch.src_lengths), d2(model, p, batch.src, batch.src_lengths);
  const auto g = greedy_search(d1, c);
  const auto b = beam_search(d2, c);
  for (std::size_t i = 0; i < g.size(); ++i) {
    EXPECT_EQ(b[i][0].tokens, g[i].tokens) << "sentence " << i;
    EXPECT_NEAR(b[i][0].log_prob, g[i].log_prob, 1e-12);
    ASSERT_EQ(b[i][0].alignment.size(), g[i].alignment.size());
    for (std::size_t t = 0; t < g[i].alignment.size(); ++t) EXPECT_EQ(b[i][0].alignment[t], g[i].alignment[t]);
  }
}

TEST(BeamSearch, BatchedEqualsEachSentenceAlone) {
  Seq2Seq<double> model(small_config());
  const ParamBuffer<double> p = model.init_params(4);
  const std::vector<TokenIds> sources{{4, 5, 6, 7}, {8, 9}, {10, 11, 12, 13, 14}};
  const Seq2SeqBatch batch = make_batch(sources, {{4}, {4}, {4}});
  SearchConfig c;
  c.beam = 4;
  c.n_best = 3;
  c.max_length = 8;
  c.length_penalty = LengthPenalty::gnmt;
  Seq2SeqDecoder<double> all(model, p, batch.src, batch.src_lengths);
  const auto together = beam_search(all, c);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const Seq2SeqBatch one = make_batch({sources[i]}, {{4}});
    Seq2SeqDecoder<double> d(model, p, one.src, one.src_lengths);
    const auto alone = beam_search(d, c);
    ASSERT_EQ(alone[0].size(), together[i].size());
    for (std::size_t k = 0; k < alone[0].size(); ++k) {
      EXPECT_EQ(alone[0][k].tokens, together[i][k].tokens) << "sentence " << i << " rank " << k;
      EXPECT_NEAR(alone[0][k].log_prob, together[i][k].log_prob, 1e-12);
      if (k > 0) {
        EXPECT_GE(together[i][k - 1].score, together[i][k].score) << "n-best is ranked";
      }
    }
  }
}

namespace {

/// Source item b says token 4 + b for b + 1 steps, then </s>; it records how
/// many hypotheses each step decoded.
struct CountdownDecoder {
  using Scalar = double;
  using State = ItemSteps;
  Lengths lengths;
  SpecialIds specials;
  std::vector<Index> widths;  // hypotheses per step

  Index vocab() const { return 12; }
  Index sources() const { return static_cast<Index>(lengths.size()); }
  Index source_length(Index b) const { return lengths[static_cast<std::size_t>(b)]; }
  const SpecialIds& ids() const { return specials; }
  State start(const std::vector<Index>& items) const { return {items, std::vector<Index>(items.size(), 0)}; }
  void step(State& s, const TokenIds&, Mat<double>& logits, Mat<double>& align) {
    const Index N = s.size();
    widths.push_back(N);
    logits.setConstant(vocab(), N, -10.0);
    align.setConstant(2, N, 0.5);
    for (Index k = 0; k < N; ++k) {
      const auto kk = static_cast<std::size_t>(k);
      logits(s.steps[kk] <= s.item[kk] ? 4 + s.item[kk] : specials.eos, k) = 0.0;
      ++s.steps[kk];
    }
  }
};

}  // namespace

TEST(GreedySearch, AFinishedSourceLeavesTheBatch) {
  CountdownDecoder d;
  d.lengths = {2, 2, 2, 2};
  SearchConfig c;
  c.beam = 1;
  c.max_length = 10;
  const auto out = greedy_search(d, c);
  ASSERT_EQ(out.size(), 4u);
  for (std::size_t b = 0; b < out.size(); ++b) {
    EXPECT_TRUE(out[b].finished);
    EXPECT_EQ(out[b].tokens, TokenIds(b + 1, static_cast<TokenId>(4 + b))) << "source " << b;
    EXPECT_EQ(out[b].alignment.size(), b + 1);
  }
  // source b ends at step b + 1 (its </s>): 4 hypotheses, then 3, 2, 1
  EXPECT_EQ(d.widths, (std::vector<Index>{4, 4, 3, 2, 1}));
}

TEST(GreedySearch, BatchedEqualsEachSentenceAlone) {
  Seq2Seq<double> model(small_config());
  const ParamBuffer<double> p = model.init_params(5);
  const std::vector<TokenIds> sources{{4, 5, 6, 7}, {8, 9}, {10, 11, 12, 13, 14}, {6}};
  const Seq2SeqBatch batch = make_batch(sources, {{4}, {4}, {4}, {4}});
  SearchConfig c;
  c.beam = 1;
  c.max_ratio = 1.5;  // the sources end at different steps
  c.max_length = 8;
  Seq2SeqDecoder<double> all(model, p, batch.src, batch.src_lengths);
  const auto together = greedy_search(all, c);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const Seq2SeqBatch one = make_batch({sources[i]}, {{4}});
    Seq2SeqDecoder<double> d(model, p, one.src, one.src_lengths);
    const auto alone = greedy_search(d, c);
    EXPECT_EQ(alone[0].tokens, together[i].tokens) << "sentence " << i;
    EXPECT_NEAR(alone[0].log_prob, together[i].log_prob, 1e-12);
    ASSERT_EQ(alone[0].alignment.size(), together[i].alignment.size());
    for (std::size_t t = 0; t < alone[0].alignment.size(); ++t)
      EXPECT_LT((alone[0].alignment[t] - together[i].alignment[t]).cwiseAbs().maxCoeff(), 1e-12);
  }
}

TEST(BeamSearch, LengthLimitsAndBlockingHoldOnEveryHypothesis) {
  BigramDecoder d;
  const Index V = 8;
  d.table = Mat<double>::Zero(V, V);  // uniform: everything ties
  d.table(3, 2) = 3.0;                // </s> would win at once
  for (Index w = 4; w < V; ++w) d.table(w, w) = 2.0;  // repeating a word is attractive
  d.lengths = {10, 4};
  SearchConfig c;
  c.beam = 4;
  c.n_best = 4;
  c.min_length = 3;
  c.max_length = 9;
  c.max_ratio = 1.5;  // sentence 1: at most ceil(1.5 * 4) = 6
  c.block_ngram = 2;
  const auto out = beam_search(d, c);
  for (std::size_t b = 0; b < out.size(); ++b) {
    ASSERT_EQ(out[b].size(), 4u);
    const Index hi = b == 0 ? 9 : 6;
    for (const auto& h : out[b]) {
      EXPECT_GE(static_cast<Index>(h.tokens.size()), 3);
      EXPECT_LE(static_cast<Index>(h.tokens.size()), hi);
      std::map<std::pair<TokenId, TokenId>, int> bigrams;
      for (std::size_t t = 1; t < h.tokens.size(); ++t) {
        const int seen = ++bigrams[std::make_pair(h.tokens[t - 1], h.tokens[t])];
        EXPECT_EQ(seen, 1);
      }
      for (TokenId w : h.tokens) EXPECT_TRUE(w != 0 && w != 2 && w != 3) << w;  // no <pad> <s> </s> inside
    }
  }
  // The ignore list lets a blocked n-gram repeat.
  c.block_ignore = {5};
  c.n_best = 1;
  c.beam = 1;
  c.min_length = 5;
  const auto ignored = beam_search(d, c);
  EXPECT_TRUE(detail::repeats_ngram({5, 5}, 5, 2, {}));
  EXPECT_FALSE(detail::repeats_ngram({5, 5}, 5, 2, {5}));
  EXPECT_FALSE(detail::repeats_ngram({4, 5}, 6, 2, {}));
  EXPECT_GE(ignored[0][0].tokens.size(), 5u);
}

TEST(BeamSearch, UnknownPolicyAndPenalties) {
  BigramDecoder d = trap();
  d.table(1, 2) = 5.0;  // <unk> is the best first word
  SearchConfig c;
  c.beam = 2;
  c.max_length = 3;
  EXPECT_EQ(beam_search(d, c)[0][0].tokens.front(), 1);
  c.unknown = UnknownPolicy::ban;
  const auto banned = beam_search(d, c);
  for (const auto& h : banned[0]) EXPECT_EQ(std::count(h.tokens.begin(), h.tokens.end(), 1), 0);
  // The attended source position of each token (for replacing <unk>).
  c.unknown = UnknownPolicy::replace;
  const auto h = beam_search(d, c)[1][0];
  const auto pos = most_attended(h);
  for (std::size_t t = 0; t < pos.size(); ++t) EXPECT_EQ(pos[t], static_cast<Index>(t) % 2);
  std::vector<std::string> text;
  for (TokenId w : h.tokens) text.push_back(w == 1 ? "<unk>" : "w" + std::to_string(w));
  ASSERT_EQ(text.front(), "<unk>");  // the table makes <unk> the first word
  const auto replaced = replace_unknown(text, h, {"libfoo", "x86-64"});
  for (std::size_t t = 0; t < text.size(); ++t)
    EXPECT_EQ(replaced[t], text[t] == "<unk>" ? (t % 2 == 0 ? "libfoo" : "x86-64") : text[t]);
  EXPECT_THROW(replace_unknown({"a"}, Hypothesis<double>{}, {"x"}), std::invalid_argument);
  // Average length normalization prefers the longer of two equal-mass paths.
  Hypothesis<double> short_h, long_h;
  short_h.tokens = {4};
  short_h.log_prob = -2.0;
  long_h.tokens = {4, 5, 6};
  long_h.log_prob = -3.0;
  SearchConfig avg;
  avg.length_penalty = LengthPenalty::average;
  const Vec<double> cov = Vec<double>::Ones(3);
  EXPECT_GT(detail::final_score(long_h, cov, avg, true), detail::final_score(short_h, cov, avg, true));
  SearchConfig gnmt;
  gnmt.length_penalty = LengthPenalty::gnmt;
  gnmt.alpha = 1.0;
  EXPECT_DOUBLE_EQ(detail::final_score(short_h, cov, gnmt, true), -2.0 / ((5.0 + 2.0) / 6.0));
  SearchConfig cp;
  cp.coverage_penalty = CoveragePenalty::gnmt;
  cp.beta = 0.5;
  Vec<double> half(2);
  half << 0.5, 2.0;
  EXPECT_NEAR(detail::final_score(short_h, half, cp, true), -2.0 + 0.5 * std::log(0.5), 1e-12);
  cp.coverage_penalty = CoveragePenalty::summary;
  EXPECT_NEAR(detail::final_score(short_h, half, cp, true), -2.0 - 0.5 * 1.0, 1e-12);
}

TEST(Sampling, SeededReproducibleAndRestricted) {
  BigramDecoder d = trap();
  d.lengths = {3, 3, 3, 3};
  SearchConfig c;
  c.max_length = 5;
  c.seed = 9;
  const auto a = sample(d, c), b = sample(d, c);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].tokens, b[i].tokens);
  // top_k = 1 is greedy.
  c.top_k = 1;
  const auto k1 = sample(d, c);
  const auto g = greedy_search(d, c);
  for (std::size_t i = 0; i < k1.size(); ++i) EXPECT_EQ(k1[i].tokens, g[i].tokens);
  // top_p small keeps only the most likely word too.
  c.top_k = 0;
  c.top_p = 0.1;
  const auto p1 = sample(d, c);
  for (std::size_t i = 0; i < p1.size(); ++i) EXPECT_EQ(p1[i].tokens, g[i].tokens);
  // Over many draws from <s>, both first words appear at a high temperature.
  c.top_p = 1.0;
  c.temperature = 2.0;
  std::map<TokenId, int> first;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    c.seed = seed;
    const auto drawn = sample(d, c);
    for (const auto& h : drawn) ++first[h.tokens.empty() ? 3 : h.tokens[0]];
  }
  EXPECT_GT(first[4], 0);
  EXPECT_GT(first[5], 0);
}

// A temperature so small that logits / T overflow (1e-39 is subnormal in
// float) samples the most likely word, as T -> 0 should; logits that are not
// finite, and constraints that leave no word, are errors, not a crash.
TEST(Sampling, TinyTemperatureIsGreedyAndNoCandidateIsAnError) {
  BigramDecoder d = trap();
  d.table(3, 4) = std::log(0.4);  // no tie after 4: as T -> 0 a tie stays a fair draw
  d.lengths = {3, 3};
  SearchConfig c;
  c.max_length = 5;
  const auto g = greedy_search(d, c);
  for (double temperature : {1e-39, 1e-300, 4.9e-324}) {
    c.temperature = temperature;
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
      c.seed = seed;
      const auto drawn = sample(d, c);
      for (std::size_t i = 0; i < drawn.size(); ++i) EXPECT_EQ(drawn[i].tokens, g[i].tokens) << temperature;
    }
  }
  // at the length limit only </s> may follow, though it is far from the
  // most likely word: the temperature applies among the allowed words
  BigramDecoder capped = d;
  capped.table(3, 4) = std::log(0.01);
  SearchConfig one = c;
  one.max_length = 1;
  one.temperature = 1e-300;
  for (const auto& h : sample(capped, one)) {
    EXPECT_EQ(h.tokens, (TokenIds{4}));
    EXPECT_TRUE(h.finished);
  }
  c.temperature = 1.0;
  BigramDecoder broken = d;
  broken.table(4, d.specials.bos) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(message_of<std::runtime_error>([&] { sample(broken, c); }),
            "sample: the model's logits for source 0 at step 0 are not finite (their largest is nan)");
  broken = d;
  broken.table.setConstant(-std::numeric_limits<double>::infinity());
  EXPECT_EQ(message_of<std::runtime_error>([&] { sample(broken, c); }),
            "sample: the model's logits for source 0 at step 0 are not finite (their largest is -inf)");
}

TEST(SearchConfig, RejectsBadSettings) {
  SearchConfig c;
  c.n_best = 6;
  EXPECT_EQ(invalid_argument_message([&] { c.validate(); }), "SearchConfig: n_best = 6, expected 1..beam (5)");
  c = {};
  c.temperature = 0;
  EXPECT_THROW(c.validate(), std::invalid_argument);
  c = {};
  c.top_p = 0;
  EXPECT_THROW(c.validate(), std::invalid_argument);
  c = {};
  c.groups = 2;
  EXPECT_EQ(invalid_argument_message([&] { c.validate(); }), "SearchConfig: groups = 2, expected a divisor of beam (5)");
  c.groups = 0;
  EXPECT_THROW(c.validate(), std::invalid_argument);
  c = {};
  c.diversity = -0.5;
  EXPECT_EQ(invalid_argument_message([&] { c.validate(); }),
            "SearchConfig: diversity = -0.500000, expected a finite number >= 0");
  c.diversity = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(c.validate(), std::invalid_argument);
}

TEST(SearchConfig, RejectsNanPenaltiesAndNonFiniteRatios) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  SearchConfig c;
  c.alpha = nan;
  EXPECT_EQ(invalid_argument_message([&] { c.validate(); }), "SearchConfig: alpha = nan, expected a finite number");
  c = {};
  c.beta = -inf;
  EXPECT_EQ(invalid_argument_message([&] { c.validate(); }), "SearchConfig: beta = -inf, expected a finite number");
  for (double bad : {nan, inf, -1.0}) {
    c = {};
    c.max_ratio = bad;
    EXPECT_THROW(c.validate(), std::invalid_argument) << bad;
    c = {};
    c.min_ratio = bad;
    EXPECT_THROW(c.validate(), std::invalid_argument) << bad;
  }
  c = {};
  c.min_length = 24;
  c.max_length = 23;
  EXPECT_EQ(invalid_argument_message([&] { c.validate(); }), "SearchConfig: min_length = 24 is above max_length = 23");
}

TEST(SearchConfig, HugeRatiosAreCappedByMaxLength) {
  // ceil(1e18 * 40) does not fit an Index: before, the cast overflowed, so
  // max_ratio 1e18 gave one-word summaries and min_ratio 1e18 was ignored
  SearchConfig c;
  c.max_length = 23;
  c.max_ratio = 1e18;
  c.validate();
  EXPECT_EQ(c.max_for(40), 23);
  EXPECT_EQ(c.min_for(40), 0);
  c.min_ratio = 1e18;
  EXPECT_EQ(c.min_for(40), 23);
  c.max_ratio = 0.1;  // ceil(0.1 * 40) = 4 caps both limits
  EXPECT_EQ(c.max_for(40), 4);
  EXPECT_EQ(c.min_for(40), 4);
  c.max_ratio = 1e-300;  // rounds up to 1 token, never 0
  EXPECT_EQ(c.max_for(40), 1);
  c = {};
  c.max_length = 23;
  c.min_length = 3;
  c.min_ratio = 0.25;  // ceil(0.25 * 40) = 10 > 3
  EXPECT_EQ(c.min_for(40), 10);
  EXPECT_EQ(c.min_for(0), 3);
}

// offer_candidates keeps the cap best candidates of all the words offered,
// as sorting them all would: with ties across slots and words, -inf and NaN,
// scores far from zero, and vocabularies that are not whole blocks.
TEST(BeamSearch, OfferedCandidatesAreTheBestOfAllWords) {
  std::mt19937 gen(11);
  for (const Index V : {Index{5}, Index{31}, Index{64}, Index{300}})
    for (const std::size_t cap : {std::size_t{1}, std::size_t{8}})
      for (const double base : {0.0, -37.25, -1e4}) {
        SCOPED_TRACE("V " + std::to_string(V) + ", cap " + std::to_string(cap) + ", score " + std::to_string(base));
        std::uniform_int_distribution<int> level(0, 12);
        std::vector<detail::Candidate> heap, all;
        for (Index slot = 0; slot < 3; ++slot) {
          Vec<float> lp(V);
          for (Index w = 0; w < V; ++w) lp[w] = -0.125f * static_cast<float>(level(gen));  // many exact ties
          lp[V / 2] = -std::numeric_limits<float>::infinity();
          if (V > 4) lp[V - 1] = std::numeric_limits<float>::quiet_NaN();
          const double score = base - 0.125 * static_cast<double>(slot % 2);  // ties across slots too
          detail::offer_candidates<float>(lp, score, slot, cap, heap);
          for (Index w = 0; w < V; ++w)
            if (std::isfinite(lp[w])) all.push_back({score + static_cast<double>(lp[w]), slot, static_cast<TokenId>(w)});
        }
        std::sort(heap.begin(), heap.end(), detail::better_candidate);
        std::sort(all.begin(), all.end(), detail::better_candidate);
        all.resize(std::min(all.size(), cap));
        ASSERT_EQ(heap.size(), all.size());
        for (std::size_t i = 0; i < all.size(); ++i) {
          EXPECT_EQ(heap[i].s, all[i].s) << i;
          EXPECT_EQ(heap[i].slot, all[i].slot) << i;
          EXPECT_EQ(heap[i].w, all[i].w) << i;
        }
      }
}

// The filter's bound never exceeds what the exact comparison keeps: any lp
// with score + lp >= worst is at least bound_below(worst - score, ...).
TEST(BeamSearch, TheBlockFilterNeverTurnsAwayAKeeper) {
  std::mt19937 gen(12);
  std::uniform_real_distribution<double> u(-60.0, 0.0);
  for (int i = 0; i < 20000; ++i) {
    const double score = u(gen), worst = u(gen) + u(gen);
    const float bound = detail::bound_below<float>(worst - score, std::fabs(worst) + std::fabs(score));
    // the smallest float lp the exact comparison keeps, found by stepping down from above
    float lp = static_cast<float>(worst - score);
    while (score + static_cast<double>(lp) < worst) lp = std::nextafter(lp, 1e30f);
    while (score + static_cast<double>(std::nextafter(lp, -1e30f)) >= worst) lp = std::nextafter(lp, -1e30f);
    ASSERT_GE(score + static_cast<double>(lp), worst);
    EXPECT_LE(bound, lp) << score << " " << worst;
  }
}

namespace {

/// The n-best lists of beam search over three sources of a small model.
std::vector<std::vector<Hypothesis<double>>> small_model_beam(const SearchConfig& c) {
  Seq2Seq<double> model(small_config());
  const ParamBuffer<double> p = model.init_params(3);
  const Seq2SeqBatch batch = make_batch({{4, 5, 6, 7}, {8, 9}, {10, 11, 12}}, {{4}, {4}, {4}});
  Seq2SeqDecoder<double> d(model, p, batch.src, batch.src_lengths);
  return beam_search(d, c);
}

}  // namespace

// Diverse beam search with one group is beam search, bit for bit, whatever
// the diversity strength (no earlier group to differ from).
TEST(DiverseBeamSearch, OneGroupEqualsBeamSearch) {
  SearchConfig c;
  c.beam = 4;
  c.n_best = 4;
  c.max_length = 8;
  const auto plain = small_model_beam(c);
  c.diversity = 2.5;
  const auto diverse = small_model_beam(c);
  ASSERT_EQ(plain.size(), diverse.size());
  for (std::size_t b = 0; b < plain.size(); ++b) {
    ASSERT_EQ(plain[b].size(), diverse[b].size());
    for (std::size_t k = 0; k < plain[b].size(); ++k) {
      EXPECT_EQ(diverse[b][k].tokens, plain[b][k].tokens);
      EXPECT_EQ(diverse[b][k].log_prob, plain[b][k].log_prob);
      EXPECT_EQ(diverse[b][k].score, plain[b][k].score);
    }
  }
}

// G groups of one without a penalty are G copies of greedy search; with a
// strong one each group opens with another word, and every hypothesis keeps
// its plain log-probability (the penalty only steers the choice).
TEST(DiverseBeamSearch, GroupsDifferUnderThePenaltyAndKeepTheirLogProbability) {
  BigramDecoder d;
  const Index V = 9;
  std::mt19937 gen(3);
  std::normal_distribution<double> normal;
  d.table = Mat<double>::NullaryExpr(V, V, [&]() { return 2.0 * normal(gen); });
  d.lengths = {4};
  SearchConfig c;
  c.beam = c.n_best = c.groups = 4;
  c.min_length = 1;  // every hypothesis opens with a word
  c.max_length = 5;
  SearchConfig greedy = c;
  greedy.beam = greedy.n_best = greedy.groups = 1;
  const auto g = greedy_search(d, greedy);
  const auto copies = beam_search(d, c);
  ASSERT_EQ(copies[0].size(), 4u);
  for (const auto& h : copies[0]) EXPECT_EQ(h.tokens, g[0].tokens);
  c.diversity = 100.0;
  const auto diverse = beam_search(d, c);
  ASSERT_EQ(diverse[0].size(), 4u);
  std::vector<TokenId> first;
  Mat<double> lp = d.table;
  for (Index col = 0; col < V; ++col) {
    const double m = lp.col(col).maxCoeff();
    lp.col(col).array() -= m + std::log((lp.col(col).array() - m).exp().sum());
  }
  for (const auto& h : diverse[0]) {
    ASSERT_FALSE(h.tokens.empty());
    first.push_back(h.tokens[0]);
    double sum = 0.0;
    TokenId prev = d.specials.bos;
    for (const TokenId w : h.tokens) {
      sum += lp(w, prev);
      prev = w;
    }
    if (h.finished) sum += lp(d.specials.eos, prev);
    EXPECT_NEAR(h.log_prob, sum, 1e-12);
  }
  std::sort(first.begin(), first.end());
  EXPECT_EQ(std::unique(first.begin(), first.end()), first.end()) << "two groups opened with the same word";
}
