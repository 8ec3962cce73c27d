#include <gtest/gtest.h>

#include <genattn/decode/ensemble.hpp>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "support/errors.hpp"

using namespace genattn;
using namespace genattn_test;

namespace {

Seq2SeqConfig member_config(bool copy) {
  Seq2SeqConfig cfg;
  cfg.src_vocab = cfg.tgt_vocab = 15;
  cfg.embedding = 6;
  cfg.encoder_hidden = 5;
  cfg.decoder_hidden = 7;
  cfg.copy = copy;
  cfg.coverage = copy;
  return cfg;
}

/// Three sources; a copy model's hold words past the vocabulary (ids 15, 16).
const std::vector<TokenIds> kMemberSources{{4, 5, 6, 7}, {8, 9}, {10, 11, 12}};
const std::vector<TokenIds> kMemberSourcesExt{{4, 15, 6, 7}, {8, 16}, {10, 11, 15}};

Seq2SeqBatch member_batch(bool copy) {
  const std::vector<TokenIds> none(kMemberSources.size());
  return copy ? make_copy_batch(kMemberSources, kMemberSourcesExt, none, 15) : make_batch(kMemberSources, none);
}

/// A model and its parameters, and decoders over the three sources.
struct Member {
  Seq2Seq<double> model;
  ParamBuffer<double> params;
  Seq2SeqBatch batch;
  Member(bool copy, std::uint64_t seed)
      : model(member_config(copy)), params(model.init_params(seed)), batch(member_batch(copy)) {
    params.flat() *= 3.0;  // peaked distributions: the members disagree
  }
  std::unique_ptr<Seq2SeqDecoder<double>> decoder() const {
    return std::make_unique<Seq2SeqDecoder<double>>(model, params, batch.src, batch.src_lengths, batch.src_ext);
  }
};

EnsembleDecoder<Seq2SeqDecoder<double>> ensemble_of(const std::vector<const Member*>& members) {
  std::vector<std::unique_ptr<Seq2SeqDecoder<double>>> d;
  for (const Member* m : members) d.push_back(m->decoder());
  return EnsembleDecoder<Seq2SeqDecoder<double>>(std::move(d));
}

SearchConfig ensemble_beam() {
  SearchConfig c;
  c.beam = 4;
  c.n_best = 3;
  c.max_length = 8;
  c.length_penalty = LengthPenalty::average;
  c.coverage_penalty = CoveragePenalty::summary;
  c.beta = 0.5;
  return c;
}

void expect_identical(const Hypothesis<double>& a, const Hypothesis<double>& b, const std::string& what) {
  EXPECT_EQ(a.tokens, b.tokens) << what;
  EXPECT_EQ(a.log_prob, b.log_prob) << what;
  EXPECT_EQ(a.score, b.score) << what;
  EXPECT_EQ(a.finished, b.finished) << what;
  ASSERT_EQ(a.alignment.size(), b.alignment.size()) << what;
  for (std::size_t t = 0; t < a.alignment.size(); ++t) EXPECT_EQ(a.alignment[t], b.alignment[t]) << what << " step " << t;
}

}  // namespace

// An ensemble of one decodes bit for bit as its model alone: greedy, beam
// and sampling, with and without copy.
TEST(EnsembleDecoder, OneMemberEqualsTheModelBitForBit) {
  for (const bool copy : {false, true}) {
    const Member m(copy, 3);
    const std::string name = copy ? "copy" : "plain";
    SearchConfig greedy;
    greedy.beam = 1;
    greedy.max_length = 8;
    {
      auto alone = m.decoder();
      auto one = ensemble_of({&m});
      const auto a = greedy_search(*alone, greedy), e = greedy_search(one, greedy);
      ASSERT_EQ(a.size(), e.size());
      for (std::size_t b = 0; b < a.size(); ++b) expect_identical(e[b], a[b], name + " greedy " + std::to_string(b));
    }
    {
      auto alone = m.decoder();
      auto one = ensemble_of({&m});
      const auto a = beam_search(*alone, ensemble_beam()), e = beam_search(one, ensemble_beam());
      ASSERT_EQ(a.size(), e.size());
      for (std::size_t b = 0; b < a.size(); ++b) {
        ASSERT_EQ(a[b].size(), e[b].size());
        for (std::size_t k = 0; k < a[b].size(); ++k)
          expect_identical(e[b][k], a[b][k], name + " beam " + std::to_string(b) + "/" + std::to_string(k));
      }
    }
    {
      SearchConfig s = greedy;
      s.seed = 11;
      s.temperature = 1.5;
      auto alone = m.decoder();
      auto one = ensemble_of({&m});
      const auto a = sample(*alone, s), e = sample(one, s);
      for (std::size_t b = 0; b < a.size(); ++b) expect_identical(e[b], a[b], name + " sample " + std::to_string(b));
    }
  }
}

// A model and itself average to the model: the same words, and log p within
// rounding (log(mean(p, p)) is log p up to the last bits).
TEST(EnsembleDecoder, AModelAndItselfGiveTheModelsOutputs) {
  for (const bool copy : {false, true}) {
    const Member m(copy, 5);
    auto alone = m.decoder();
    auto twice = ensemble_of({&m, &m});
    const auto a = beam_search(*alone, ensemble_beam()), e = beam_search(twice, ensemble_beam());
    for (std::size_t b = 0; b < a.size(); ++b) {
      ASSERT_EQ(a[b].size(), e[b].size());
      for (std::size_t k = 0; k < a[b].size(); ++k) {
        EXPECT_EQ(e[b][k].tokens, a[b][k].tokens) << copy << b << k;
        EXPECT_NEAR(e[b][k].log_prob, a[b][k].log_prob, 1e-12) << copy << b << k;
        EXPECT_NEAR(e[b][k].score, a[b][k].score, 1e-12) << copy << b << k;
      }
    }
  }
}

// Each step's output is the log of the members' mean probability, word by
// word; the alignment is their mean. A member without copy gives the
// documents' own words (ids >= V) probability 0, so there the ensemble's is
// the copy member's over M.
TEST(EnsembleDecoder, AStepIsTheLogOfTheMeanProbability) {
  const Member a(true, 3), b(false, 4), c(true, 9);
  auto e = ensemble_of({&a, &b, &c});
  auto da = a.decoder(), db = b.decoder(), dc = c.decoder();
  const std::vector<Index> items{0, 0, 1, 2};
  auto se = e.start(items);
  auto sa = da->start(items), sb = db->start(items), sc = dc->start(items);
  // previous words: <s>, then a copied word (id 15: <unk> for the plain member)
  for (const TokenIds& prev : {TokenIds{2, 2, 2, 2}, TokenIds{15, 6, 8, 15}}) {
    Mat<double> le, ae, la, aa, lb, ab, lc, ac;
    e.step(se, prev, le, ae);
    TokenIds prev_plain = prev;
    for (auto& w : prev_plain)
      if (w >= 15) w = 1;  // <unk>
    da->step(sa, prev, la, aa);
    db->step(sb, prev_plain, lb, ab);
    dc->step(sc, prev, lc, ac);
    ASSERT_EQ(le.rows(), la.rows());
    ASSERT_GT(la.rows(), 15);  // the extended vocabulary
    ASSERT_EQ(lb.rows(), 15);
    for (Index n = 0; n < le.cols(); ++n) {
      // p_m(w), by std::exp (Eigen's vectorized exp of -inf is not exactly 0)
      auto p = [&](const Mat<double>& l, Index w) {
        return w < l.rows() ? std::exp(l(w, n) - detail::log_sum_exp(l.col(n))) : 0.0;
      };
      for (Index w = 0; w < le.rows(); ++w) {
        const double mean = (p(la, w) + p(lb, w) + p(lc, w)) / 3.0;
        if (mean == 0.0)
          EXPECT_EQ(le(w, n), -std::numeric_limits<double>::infinity()) << "word " << w << " hypothesis " << n;
        else
          EXPECT_NEAR(le(w, n), std::log(mean), 1e-12) << "word " << w << " hypothesis " << n;
      }
      EXPECT_NEAR(std::exp(detail::log_sum_exp(le.col(n))), 1.0, 1e-12);
    }
    EXPECT_LT(((ae - (aa + ab + ac) / 3.0).array().abs()).maxCoeff(), 1e-15);
  }
}

// Where the members disagree, the ensemble follows the mean: each member
// alone picks another first word than the ensemble of the two.
TEST(EnsembleDecoder, GreedyFollowsTheMeanProbability) {
  // two single-step bigram tables: from <s>, member A prefers 4 (0.5) over 5
  // (0.45); member B prefers 6 (0.6) over 5 (0.4) and never says 4. The mean
  // prefers 5 (0.425 against 0.25 and 0.325).
  struct Table {
    using Scalar = double;
    struct State {
      Index n = 0;
      Index size() const { return n; }
      void reorder(const std::vector<Index>& rows) { n = static_cast<Index>(rows.size()); }
    };
    Vec<double> first;  // log p of the first word
    SpecialIds specials;
    Index vocab() const { return first.size(); }
    Index sources() const { return 1; }
    Index source_length(Index) const { return 2; }
    const SpecialIds& ids() const { return specials; }
    State start(const std::vector<Index>& items) const { return {static_cast<Index>(items.size())}; }
    void step(State& s, const TokenIds& prev, Mat<double>& logits, Mat<double>& align) const {
      logits.resize(vocab(), s.n);
      align = Mat<double>::Constant(2, s.n, 0.5);
      for (Index k = 0; k < s.n; ++k) {
        if (prev[static_cast<std::size_t>(k)] == specials.bos) {
          logits.col(k) = first;
        } else {  // then </s>
          logits.col(k).setConstant(-50.0);
          logits(specials.eos, k) = 0.0;
        }
      }
    }
  };
  auto table = [](double p4, double p5, double p6) {
    auto t = std::make_unique<Table>();
    t->first = Vec<double>::Constant(7, -60.0);
    t->first[4] = p4 > 0 ? std::log(p4) : -60.0;
    t->first[5] = std::log(p5);
    t->first[6] = std::log(p6);
    return t;
  };
  SearchConfig c;
  c.beam = 1;
  c.max_length = 3;
  EXPECT_EQ(greedy_search(*table(0.5, 0.45, 0.05), c)[0].tokens, (TokenIds{4}));
  EXPECT_EQ(greedy_search(*table(0.0, 0.4, 0.6), c)[0].tokens, (TokenIds{6}));
  std::vector<std::unique_ptr<Table>> both;
  both.push_back(table(0.5, 0.45, 0.05));
  both.push_back(table(0.0, 0.4, 0.6));
  EnsembleDecoder<Table> e(std::move(both));
  const auto h = greedy_search(e, c);
  EXPECT_EQ(h[0].tokens, (TokenIds{5}));
  EXPECT_NEAR(h[0].log_prob, std::log(0.425), 1e-9);  // and </s> at ~probability 1
}

// Members that do not decode the same sources are refused, naming the member.
TEST(EnsembleDecoder, MembersOfOtherSourcesAreRefused) {
  const Member a(false, 3);
  Member b(false, 4);
  b.batch = make_batch({{4, 5, 6, 7}, {8, 9, 10}, {10, 11, 12}}, std::vector<TokenIds>(3));
  std::vector<std::unique_ptr<Seq2SeqDecoder<double>>> d;
  d.push_back(a.decoder());
  d.push_back(b.decoder());
  EXPECT_EQ(invalid_argument_message([&] { EnsembleDecoder<Seq2SeqDecoder<double>> e(std::move(d)); }),
            "EnsembleDecoder: member 2's source 1 has 3 tokens, member 1's 2");
  Member c(false, 5);
  c.batch = make_batch({{4, 5, 6, 7}, {8, 9}}, std::vector<TokenIds>(2));
  d.clear();
  d.push_back(a.decoder());
  d.push_back(c.decoder());
  EXPECT_EQ(invalid_argument_message([&] { EnsembleDecoder<Seq2SeqDecoder<double>> e(std::move(d)); }),
            "EnsembleDecoder: member 2 has 2 sources, member 1 3");
  d.clear();
  EXPECT_EQ(invalid_argument_message([&] { EnsembleDecoder<Seq2SeqDecoder<double>> e(std::move(d)); }),
            "EnsembleDecoder: an ensemble needs at least one member");
}
