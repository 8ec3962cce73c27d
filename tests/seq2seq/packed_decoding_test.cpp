// Decoding with packed weights (Seq2Seq::pack) and threads: the packed
// products agree with Eigen's within float rounding, and the threaded step
// (hypotheses split among threads, the output layer's rows split) gives the
// single-threaded packed step's numbers bit for bit, for plain, copy and
// coverage models, a single hypothesis, and through greedy and beam search.
// Once its workspaces are sized, a packed decoding step allocates nothing
// through Eigen.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <string>

// Eigen's allocation guard, live in this release-built test: a heap
// allocation while it is off throws.
#define EIGEN_RUNTIME_NO_MALLOC
#define eigen_assert(x) \
  if (!(x)) throw std::logic_error("eigen_assert: " #x)
#include <genattn/core/init.hpp>
#include <genattn/decode/search.hpp>
#include <genattn/seq2seq/seq2seq.hpp>
#include <genattn/train/optimizer.hpp>

using namespace genattn;

namespace {

struct Case {
  const char* name;
  bool copy, coverage;
  AttentionKind attention;
};

// Sizes past several panels and register tiles of the kernel.
Seq2SeqConfig model_config(const Case& k) {
  Seq2SeqConfig c;
  c.src_vocab = 40;
  c.tgt_vocab = 53;
  c.embedding = 6;
  c.encoder_hidden = 5;
  c.decoder_hidden = 21;
  c.decoder_layers = 2;
  c.attention = k.attention;
  c.attention_hidden = 14;
  c.copy = k.copy;
  c.coverage = k.coverage;
  return c;
}

// 9 sources of 1 to 7 tokens; with copy, ids 50.. stand for source words
// outside the target vocabulary.
Seq2SeqBatch batch_of(const Seq2SeqConfig& c, Index sources = 9) {
  Rng rng(11);
  std::vector<TokenIds> src, ext, tgt;
  for (Index b = 0; b < sources; ++b) {
    TokenIds s, e;
    for (std::uint64_t j = 0, n = 1 + (static_cast<std::uint64_t>(b) * 5) % 7; j < n; ++j) {
      s.push_back(static_cast<TokenId>(4 + rng.below(36)));
      const auto word = static_cast<TokenId>(4 + rng.below(40));
      e.push_back(j % 3 == 0 ? static_cast<TokenId>(c.tgt_vocab + static_cast<Index>(j % 2)) : word);
    }
    src.push_back(s);
    ext.push_back(e);
    tgt.push_back({5});
  }
  return c.copy ? make_copy_batch(src, ext, tgt, c.tgt_vocab) : make_batch(src, tgt);
}

struct Trace {
  std::vector<Mat<float>> logits, alignment;
  Seq2Seq<float>::DecoderState state;
};

// A model of the case's kind, its parameters, their packed copy, a batch.
struct Decoding {
  explicit Decoding(const Case& k, std::uint64_t seed = 7, Index sources = 9)
      : config(model_config(k)), model(config), p(model.init_params(seed)), packed(model.pack(p)),
        batch(batch_of(config, sources)) {}

  // Five steps fed fixed tokens (not the argmax, so that runs whose logits
  // differ by rounding still read the same inputs); copied ids included.
  // The source is encoded with the same weights (null: Eigen's products).
  Trace run(const Seq2Seq<float>::Packed* weights, int threads, std::vector<Index> items = {}) const {
    const auto m = model.encode(p, batch.src, batch.src_lengths, batch.src_ext, threads, weights);
    Trace out;
    out.state = model.start(m, items);
    Seq2Seq<float>::StepWorkspace ws;
    ws.packed = weights;
    ws.threads = threads;
    TokenIds prev(static_cast<std::size_t>(out.state.size()), model.config().ids.bos);
    const Index V = model.output_size(m);
    for (Index t = 0; t < 5; ++t) {
      Mat<float> logits, align;
      model.step(p, m, out.state, prev, logits, &align, ws);
      out.logits.push_back(logits);
      out.alignment.push_back(align);
      for (std::size_t k = 0; k < prev.size(); ++k)
        prev[k] = static_cast<TokenId>(4 + (t * 7 + static_cast<Index>(k) * 3) % (V - 4));
    }
    return out;
  }

  Seq2SeqConfig config;
  Seq2Seq<float> model;
  ParamBuffer<float> p;
  Seq2Seq<float>::Packed packed;
  Seq2SeqBatch batch;
};

void expect_same_bits(const Trace& a, const Trace& b) {
  ASSERT_EQ(a.logits.size(), b.logits.size());
  for (std::size_t t = 0; t < a.logits.size(); ++t) {
    EXPECT_EQ(a.logits[t], b.logits[t]) << "step " << t;
    EXPECT_EQ(a.alignment[t], b.alignment[t]) << "step " << t;
  }
  for (std::size_t l = 0; l < a.state.layers.size(); ++l) {
    EXPECT_EQ(a.state.layers[l].h, b.state.layers[l].h);
    EXPECT_EQ(a.state.layers[l].c, b.state.layers[l].c);
  }
  EXPECT_EQ(a.state.z, b.state.z);
  EXPECT_EQ(a.state.coverage, b.state.coverage);
}

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

INSTANTIATE_TEST_SUITE_P(Models, PackedDecoding,
                         ::testing::Values(Case{"additive", false, false, AttentionKind::additive},
                                           Case{"general", false, false, AttentionKind::general},
                                           Case{"copy", true, false, AttentionKind::additive},
                                           Case{"copy_coverage", true, true, AttentionKind::additive}),
                         [](const auto& i) { return std::string(i.param.name); });

// bf16 and int8 packs (every product of encoding and of a step: the
// encoder's cells, the keys, the decoder's cells, the attention query, the
// combine and the output layer) decode close to the float pack: logits
// within the weights' rounding, scaled by the logits' own size. The bounds
// sit 2 to 3 times above what these models give (0.009 for bf16, which
// keeps 8 significant bits, and 0.020 for int8, about 7 a row, at most); a
// wrong scale or a misplaced panel misses them by orders of magnitude. Both precisions also split among threads bit
// for bit, as float does.
TEST_P(PackedDecoding, ReducedPrecisionDecodesCloseToFloat) {
  const Decoding s(GetParam());
  const Trace reference = s.run(&s.packed, 1);
  for (const auto& [precision, bound] : {std::pair{Precision::bf16, 0.02f}, std::pair{Precision::int8, 0.05f}}) {
    SCOPED_TRACE(precision_name(precision));
    const auto packed = s.model.pack(s.p, precision);
    EXPECT_EQ(packed.precision, precision);
    const Trace mine = s.run(&packed, 1);
    float worst = 0;
    for (std::size_t t = 0; t < reference.logits.size(); ++t) {
      // a copy model's log-probabilities are -inf where an extended id has
      // no source position: the same entries in both, the rest compared
      const Mat<float>& want = reference.logits[t];
      const Mat<float>& got = mine.logits[t];
      ASSERT_EQ(want.array().isFinite().matrix(), got.array().isFinite().matrix()) << "step " << t;
      const auto finite = want.array().isFinite();
      const float scale = finite.select(want.array().abs(), 0.f).maxCoeff();
      ASSERT_GT(scale, 0.1f);
      worst = std::max(worst, finite.select((want - got).array().abs(), 0.f).maxCoeff() / scale);
      EXPECT_LE((reference.alignment[t] - mine.alignment[t]).cwiseAbs().maxCoeff(), bound) << "step " << t;
    }
    EXPECT_LE(worst, bound);
    // rounded, not equal: the reduced products are in use
    EXPECT_GT(worst, 0.f);
    EXPECT_GT((reference.state.layers[0].h - mine.state.layers[0].h).cwiseAbs().maxCoeff(), 0.f);
    std::vector<Index> items;
    for (Index b = 0; b < 9; ++b)
      for (Index k = 0; k < 4; ++k) items.push_back(b);
    expect_same_bits(s.run(&packed, 1, items), s.run(&packed, 2, items));
  }
}

TEST(PackedDecoding, ReducedPacksTakeAHalfAndAQuarterOfTheBytes) {
  // every layer's rows a multiple of 192, and so of any panel height (the
  // int8 and bf16 panels are 64 rows, the float ones 3 SIMD packets of 4,
  // 8 or 16 floats), and every K a multiple of 4, so that no padding counts
  Seq2SeqConfig c = model_config({"copy_coverage", true, true, AttentionKind::additive});
  c.tgt_vocab = 192;
  c.embedding = 32;
  c.encoder_hidden = 48;
  c.decoder_hidden = c.attention_hidden = 192;
  const Seq2Seq<float> model(c);
  const auto p = model.init_params(1);
  const double f = static_cast<double>(model.pack(p).bytes());
  const double b = static_cast<double>(model.pack(p, Precision::bf16).bytes());
  const double i = static_cast<double>(model.pack(p, Precision::int8).bytes());
  EXPECT_NEAR(b / f, 0.5, 0.01);
  // a quarter, and a float scale and an int32 sum a row (0.265 here)
  EXPECT_GT(i / f, 0.25);
  EXPECT_LT(i / f, 0.27);
}

// A reduced pack checks the parameters' version as the float one does.
TEST(PackedDecoding, RefusesAStaleReducedPack) {
  Decoding s({"copy", true, false, AttentionKind::additive});
  const auto packed = s.model.pack(s.p, Precision::int8);
  s.p.flat()(0) += 1.f;
  EXPECT_THROW(s.run(&packed, 1), std::invalid_argument);
}

TEST(PackedDecoding, RefusesWeightsPackedFromAnotherBuffer) {
  const Decoding s({"additive", false, false, AttentionKind::additive});
  const ParamBuffer<float> q = s.model.init_params(8);
  const auto packed_q = s.model.pack(q);
  try {
    s.run(&packed_q, 1);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("not packed from this parameter buffer"), std::string::npos) << e.what();
  }
}

// A pack made before the parameters changed in place (an optimizer step
// writes into the same buffer) is refused, not decoded with stale weights;
// packed again, it decodes.
TEST(PackedDecoding, RefusesWeightsPackedBeforeAnUpdate) {
  Decoding s({"additive", false, false, AttentionKind::additive});
  Optimizer<float> adam(s.model.layout(), {});
  ParamBuffer<float> g(s.model.layout());
  g.flat().setConstant(1e-3f);
  adam.step(s.p, g, 0.01);
  try {
    s.run(&s.packed, 1);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("the packed weights are stale"), std::string::npos) << e.what();
  }
  s.packed = s.model.pack(s.p);
  EXPECT_NO_THROW(s.run(&s.packed, 1));
}

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
