// Decoding with packed weights (Seq2Seq::pack) and threads: the packed
// products agree with Eigen's within float rounding, and the threaded step
// (hypotheses split among threads, the output layer's rows split) gives the
// single-threaded packed step's numbers bit for bit, for plain, copy and
// coverage models, a single hypothesis, and through greedy and beam search.
// Once its workspaces are sized, a packed decoding step allocates nothing
// through Eigen. (The bf16 and int8 packs, and packs refused:
// reduced_decoding_test.cpp.)
#include <gtest/gtest.h>

#include "packed_decoding.hpp"

#include <genattn/decode/search.hpp>

using namespace genattn;
using namespace packed_decoding;

namespace {

class PackedDecoding : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(PackedDecoding, AgreesWithEigenWithinRounding) {
  const Decoding s(GetParam());
  const Trace eigen = s.run(nullptr, 1), mine = s.run(&s.packed, 1);
  for (std::size_t t = 0; t < eigen.logits.size(); ++t) {
    // log-probabilities (copy) or logits of size ~1: float rounding
    EXPECT_LE((eigen.logits[t] - mine.logits[t]).cwiseAbs().maxCoeff(), 2e-5f) << "step " << t;
    EXPECT_LE((eigen.alignment[t] - mine.alignment[t]).cwiseAbs().maxCoeff(), 1e-5f) << "step " << t;
  }
}

TEST_P(PackedDecoding, ThreadsGiveTheSameBits) {
  const Decoding s(GetParam());
  // hypotheses as beam search holds them, several per source: 36 split 16 +
  // 20, 63 split 16 + 16 + 31 (and 32 + 31 on two threads)
  for (const Index per_source : {Index{4}, Index{7}}) {
    std::vector<Index> items;
    for (Index b = 0; b < 9; ++b)
      for (Index k = 0; k < per_source; ++k) items.push_back(b);
    const Trace one = s.run(&s.packed, 1, items);
    for (const int threads : {2, 3}) {
      SCOPED_TRACE(std::to_string(items.size()) + " hypotheses, threads " + std::to_string(threads));
      expect_same_bits(one, s.run(&s.packed, threads, items));
    }
  }
  // one hypothesis per source (9, too few to split) and a single one: the
  // output layer's rows are split instead
  expect_same_bits(s.run(&s.packed, 1), s.run(&s.packed, 2));
  expect_same_bits(s.run(&s.packed, 1, {4}), s.run(&s.packed, 2, {4}));
}

TEST_P(PackedDecoding, SearchesGiveTheSameResultsOnTwoThreads) {
  // 40 sources: greedy's choices are split too (16 + 24), and beam's sources (20 + 20)
  const Decoding s(GetParam(), 9, 40);
  for (const Index beam : {Index{1}, Index{4}}) {
    SearchConfig sc;
    sc.beam = beam;
    sc.max_length = 6;
    Seq2SeqDecoder<float> d1(s.model, s.p, s.batch.src, s.batch.src_lengths, s.batch.src_ext, &s.packed, 1);
    Seq2SeqDecoder<float> d2(s.model, s.p, s.batch.src, s.batch.src_lengths, s.batch.src_ext, nullptr, 2);  // packs its own
    const auto a = beam_search(d1, sc), b = beam_search(d2, sc);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      for (std::size_t k = 0; k < a[i].size(); ++k) {
        EXPECT_EQ(a[i][k].tokens, b[i][k].tokens);
        EXPECT_EQ(a[i][k].log_prob, b[i][k].log_prob) << "beam " << beam << " source " << i << " rank " << k;
      }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, PackedDecoding, ::testing::ValuesIn(kCases),
                         [](const auto& i) { return std::string(i.param.name); });

// The rule: nothing allocates inside the per-step loops. A packed
// decoding step (embedding, cells, attention, combine, output layer, copy
// distribution, coverage) with its workspaces sized by a first step.
TEST(PackedDecoding, AStepAllocatesNothingThroughEigen) {
  for (const bool copy : {false, true}) {
    const Decoding s({"any", copy, copy, AttentionKind::additive});
    const auto& model = s.model;
    const auto& p = s.p;
    const auto m = model.encode(p, s.batch.src, s.batch.src_lengths, s.batch.src_ext);
    auto state = model.start(m);
    Seq2Seq<float>::StepWorkspace ws;
    ws.packed = &s.packed;
    TokenIds prev(static_cast<std::size_t>(state.size()), s.config.ids.bos);
    Mat<float> logits, align;
    model.step(p, m, state, prev, logits, &align, ws);
    std::fill(prev.begin(), prev.end(), 7);
    Eigen::internal::set_is_malloc_allowed(false);
    try {
      model.step(p, m, state, prev, logits, &align, ws);
      model.step(p, m, state, prev, logits, &align, ws);
    } catch (...) {
      Eigen::internal::set_is_malloc_allowed(true);
      ADD_FAILURE() << "copy " << copy << ": a step allocated";
      continue;
    }
    Eigen::internal::set_is_malloc_allowed(true);
    // and the guard is live: an allocation now would throw
    Eigen::internal::set_is_malloc_allowed(false);
    EXPECT_THROW(Mat<float>(100, 100), std::logic_error);
    Eigen::internal::set_is_malloc_allowed(true);
  }
}

// The encoder's recurrence and whole LSTM layer passes: once sized, forward
// allocates nothing (its products are packed; the time loop only maps).
TEST(PackedDecoding, AnLstmLayerForwardAllocatesNothingThroughEigen) {
  ParamLayout layout;
  const LstmLayer<float> layer(layout, "l", 9, 13, Direction::reverse);
  ParamBuffer<float> p(layout);
  Rng rng(3);
  init_params(layout, p, rng);
  const Lengths lengths{4, 1, 3};
  const Mat<float> x = Mat<float>::Random(9, 12);
  Mat<float> y(13, 12);
  LstmLayer<float>::Cache cache;
  layer.forward(p, x, lengths, y, cache);
  const Mat<float> first = y;
  Eigen::internal::set_is_malloc_allowed(false);
  bool threw = false;
  try {
    layer.forward(p, x, lengths, y, cache);
  } catch (...) {
    threw = true;
  }
  Eigen::internal::set_is_malloc_allowed(true);
  EXPECT_FALSE(threw);
  EXPECT_EQ(y, first);
}
