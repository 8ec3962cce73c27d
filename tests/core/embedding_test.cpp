#include <gtest/gtest.h>

#include <genattn/core/embedding.hpp>
#include <genattn/core/init.hpp>

#include "support/gradcheck.hpp"

using namespace genattn;
using namespace genattn_test;

TEST(Embedding, LooksUpColumnsAndZeroesPadding) {
  ParamLayout layout;
  Embedding<double> emb(layout, "emb", 5, 3, /*padding_id=*/0);
  ParamBuffer<double> p(layout);
  Rng rng(2);
  init_params(layout, p, rng);
  const TokenIds ids{3, 0, 1, 3};
  Mat<double> y(3, 4);
  emb.forward(p, ids, y);
  EXPECT_EQ(y.col(0), p[emb.table()].col(3));
  EXPECT_EQ(y.col(1), Vec<double>::Zero(3));
  EXPECT_EQ(y.col(2), p[emb.table()].col(1));
  EXPECT_EQ(y.col(3), y.col(0));
}

TEST(Embedding, GradientsDoubleOnlyUsedColumnsPaddingNone) {
  ParamLayout layout;
  Embedding<double> emb(layout, "emb", 6, 3, /*padding_id=*/2);
  ParamBuffer<double> p(layout), g(layout);
  Rng rng(4);
  init_params(layout, p, rng);
  const TokenIds ids{1, 2, 4, 1, 2};
  const Mat<double> r = Mat<double>::Random(3, 5);
  Mat<double> y(3, 5);
  auto loss = [&] {
    emb.forward(p, ids, y);
    return (r.array() * y.array()).sum();
  };
  emb.backward(g, ids, r);
  expect_gradients_match<double>(parameter_variables(layout, p, g), loss, kDouble);
  const auto dE = g[emb.table()];
  for (Index w : {0, 2, 3, 5}) EXPECT_EQ(dE.col(w).squaredNorm(), 0.0) << "column " << w;
  EXPECT_GT(dE.col(1).squaredNorm(), 0.0);
  EXPECT_GT(dE.col(4).squaredNorm(), 0.0);
  // "Only used rows are touched": a NaN in an unused gradient column stays put
  // (backward never reads or writes it).
  ParamBuffer<double> g2(layout);
  g2[emb.table()].col(5).setConstant(std::numeric_limits<double>::quiet_NaN());
  emb.backward(g2, ids, r);
  EXPECT_TRUE(g2[emb.table()].col(5).array().isNaN().all());
  EXPECT_TRUE(g2[emb.table()].leftCols(5).allFinite());
}

TEST(Embedding, GradientsFloat) {
  ParamLayout layout;
  Embedding<float> emb(layout, "emb", 4, 2);
  ParamBuffer<float> p(layout), g(layout);
  Rng rng(4);
  init_params(layout, p, rng);
  const TokenIds ids{0, 3, 3};
  const Mat<float> r = Mat<float>::Random(2, 3);
  Mat<float> y(2, 3);
  auto loss = [&] {
    emb.forward(p, ids, y);
    return static_cast<double>((r.array() * y.array()).sum());
  };
  emb.backward(g, ids, r);
  expect_gradients_match<float>(parameter_variables(layout, p, g), loss, kFloat);
}

TEST(Embedding, IdsOutsideTheVocabularyAreRejected) {
  ParamLayout layout;
  Embedding<float> emb(layout, "emb", 4, 2);
  ParamBuffer<float> p(layout), g(layout);
  Mat<float> y(2, 2), dy(2, 2);
  try {
    emb.forward(p, {1, 4}, y);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Embedding::forward: argument 'ids'[1] = 4 is outside the vocabulary 0..3");
  }
  EXPECT_THROW(emb.forward(p, {-1, 0}, y), std::invalid_argument);
  EXPECT_THROW(emb.backward(g, {0, 9}, dy), std::invalid_argument);
  try {
    emb.forward(p, {1, 2, 3}, y);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Embedding::forward: argument 'y' has shape 2x2, expected 2x3");
  }
  EXPECT_THROW(Embedding<float>(layout, "bad", 4, 2, 4), std::invalid_argument);
}

// A table held encoded (a quantized model loaded for decoding) looks up the
// values its encoding stands for, bit for bit those of the widened table.
TEST(Embedding, AnEncodedTableLooksUpItsValues) {
  for (const SlotEncoding e : {SlotEncoding::int8_cols, SlotEncoding::int8_rows, SlotEncoding::bf16}) {
    ParamLayout layout;
    Embedding<float> emb(layout, "emb", 9, 5, 0);
    ParamBuffer<float> full(layout), held(layout, {emb.table()});
    const Mat<float> table = Mat<float>::Random(5, 9);
    const EncodedSlot encoded = encode_slot(table.data(), 5, 9, e);
    encoded.decode(full[emb.table()].data());
    held.hold(emb.table(), encoded);
    const TokenIds ids = {3, 0, 8, 3, 1};
    Mat<float> want(5, 5), got(5, 5);
    emb.forward(full, ids, want);
    emb.forward(held, ids, got);
    EXPECT_EQ(got, want) << encoding_name(e);
    EXPECT_EQ(got.col(1), Vec<float>::Zero(5));  // the padding id
    EXPECT_LT((got.col(0) - table.col(3)).cwiseAbs().maxCoeff(), 0.01f);
  }
}
