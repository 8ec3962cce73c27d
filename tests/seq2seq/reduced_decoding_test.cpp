// Packed decoding in bf16 and int8 (Seq2Seq::pack with a Precision): close
// to the float pack, a half and a quarter of its bytes, split among threads
// bit for bit; and packs refused: stale after the parameters changed, or
// made from another buffer. In the packed decoding test's binary, with
// Eigen's checks live (packed_decoding.hpp).
#include <gtest/gtest.h>

#include "packed_decoding.hpp"

#include <genattn/train/optimizer.hpp>

using namespace genattn;
using namespace packed_decoding;

namespace {

class ReducedDecoding : public ::testing::TestWithParam<Case> {};

}  // namespace

// bf16 and int8 packs (every product of encoding and of a step: the
// encoder's cells, the keys, the decoder's cells, the attention query, the
// combine and the output layer) decode close to the float pack: logits
// within the weights' rounding, scaled by the logits' own size. The bounds
// sit 2 to 3 times above what these models give (0.009 for bf16, which
// keeps 8 significant bits, and 0.020 for int8, about 7 a row, at most); a
// wrong scale or a misplaced panel misses them by orders of magnitude. Both precisions also split among threads bit
// for bit, as float does.
TEST_P(ReducedDecoding, DecodesCloseToFloatAndSplitsAmongThreadsBitForBit) {
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

INSTANTIATE_TEST_SUITE_P(Models, ReducedDecoding, ::testing::ValuesIn(kCases),
                         [](const auto& i) { return std::string(i.param.name); });

TEST(ReducedDecoding, PacksTakeAHalfAndAQuarterOfTheBytes) {
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
TEST(ReducedDecoding, RefusesAStaleReducedPack) {
  Decoding s({"copy", true, false, AttentionKind::additive});
  const auto packed = s.model.pack(s.p, Precision::int8);
  s.p.flat()(0) += 1.f;
  EXPECT_THROW(s.run(&packed, 1), std::invalid_argument);
}

TEST(PackCheck, RefusesWeightsPackedFromAnotherBuffer) {
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
TEST(PackCheck, RefusesWeightsPackedBeforeAnUpdate) {
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
