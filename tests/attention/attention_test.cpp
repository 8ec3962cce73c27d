#include <gtest/gtest.h>

#include <genattn/attention/attention.hpp>
#include <genattn/core/init.hpp>

#include "support/batch.hpp"
#include "support/gradcheck.hpp"

using namespace genattn;
using namespace genattn_test;

namespace {

class AttentionKinds : public ::testing::TestWithParam<AttentionKind> {};

struct Sizes {
  Index K = 4, S = 4, A = 3, Ts = 4;
  Lengths lengths{4, 2, 3};
  Index Bs = 3;
};

template <class T>
void check_attention_gradients(AttentionKind kind, const GradTolerance& tol) {
  const Sizes st;
  ParamLayout layout;
  Attention<T> att(layout, "att", AttentionConfig{kind, st.K, st.S, st.A});
  ParamBuffer<T> p(layout), g(layout);
  Rng rng(31);
  init_params(layout, p, rng);
  for (const auto& slot : layout.slots()) p[slot.param].setRandom();
  // Two queries per source item (as beams would), in shuffled order.
  SourceMap map = SourceMap::identity(st.lengths, st.Ts).select({2, 0, 1, 0, 2, 1});
  Mat<T> H = random_padded_batch<T>(st.K, st.lengths, st.Ts);
  Mat<T> s = Mat<T>::Random(st.S, map.queries());
  const Mat<T> r = Mat<T>::Random(st.K, map.queries());
  Mat<T> keys, z(st.K, map.queries());
  typename Attention<T>::Saved cache;
  typename Attention<T>::Workspace ws;
  auto loss = [&] {
    att.keys_forward(p, H, keys);
    att.forward(p, {H, keys, map}, {s}, z, cache);
    return static_cast<double>((r.array() * z.array()).sum());
  };
  loss();
  Mat<T> dH = Mat<T>::Zero(H.rows(), H.cols()), dkeys = Mat<T>::Zero(keys.rows(), keys.cols());
  Mat<T> ds = Mat<T>::Zero(s.rows(), s.cols());
  att.backward(p, g, {H, keys, map}, {s}, cache, {r}, {dH, dkeys, ds}, ws);
  att.keys_backward(p, g, H, dkeys, dH);
  auto vars = parameter_variables(layout, p, g);
  vars.push_back({"H", H.data(), dH.data(), H.size()});
  vars.push_back({"s", s.data(), ds.data(), s.size()});
  expect_gradients_match<T>(vars, loss, tol);
}

}  // namespace

TEST_P(AttentionKinds, GradientsDouble) { check_attention_gradients<double>(GetParam(), kDouble); }
TEST_P(AttentionKinds, GradientsFloat) { check_attention_gradients<float>(GetParam(), kFloat); }

TEST_P(AttentionKinds, AlignmentSumsToOneAndPaddingGetsExactlyZero) {
  const Sizes st;
  ParamLayout layout;
  Attention<double> att(layout, "att", AttentionConfig{GetParam(), st.K, st.S, st.A});
  ParamBuffer<double> p(layout);
  Rng rng(3);
  init_params(layout, p, rng);
  const SourceMap map = SourceMap::identity(st.lengths, st.Ts);
  const Mat<double> H = random_padded_batch<double>(st.K, st.lengths, st.Ts);
  const Mat<double> s = 3.0 * Mat<double>::Random(st.S, st.Bs);
  Mat<double> keys, z(st.K, st.Bs);
  Attention<double>::Saved cache;
  att.keys_forward(p, H, keys);
  att.forward(p, {H, keys, map}, {s}, z, cache);
  for (Index b = 0; b < st.Bs; ++b) {
    EXPECT_NEAR(cache.a.col(b).sum(), 1.0, 1e-14) << "item " << b;
    for (Index j = st.lengths[static_cast<std::size_t>(b)]; j < st.Ts; ++j) EXPECT_EQ(cache.a(j, b), 0.0);
    EXPECT_GE(cache.a.col(b).minCoeff(), 0.0);
  }
  // The context of each item equals that item's memory attended alone.
  for (Index b = 0; b < st.Bs; ++b) {
    const Index len = st.lengths[static_cast<std::size_t>(b)];
    const Mat<double> Hb = item_columns(H, st.Bs, b, len);
    Mat<double> kb, zb(st.K, 1);
    Attention<double>::Saved cb;
    att.keys_forward(p, Hb, kb);
    const SourceMap one = SourceMap::identity({len}, len);
    att.forward(p, {Hb, kb, one}, {s.col(b)}, zb, cb);
    EXPECT_LE(relative_difference(z.col(b), zb), 1e-14) << "item " << b;
  }
}

INSTANTIATE_TEST_SUITE_P(All, AttentionKinds,
                         ::testing::Values(AttentionKind::additive, AttentionKind::dot, AttentionKind::general),
                         [](const ::testing::TestParamInfo<AttentionKind>& i) { return std::string(to_string(i.param)); });

TEST(MaskedSoftmax, ExtremeScoresStayFinite) {
  Mat<double> e(3, 2), a(3, 2);
  e << 1e4, -1e4, -1e4, 1e4, 0.0, std::numeric_limits<double>::quiet_NaN();  // NaN sits in padding
  masked_softmax_forward<double>(e, {3, 2}, a);
  EXPECT_TRUE(a.allFinite());
  EXPECT_EQ(a(0, 0), 1.0);
  // A real position 2e4 below the best: e^-2e4 underflows (Eigen's exp may
  // return a denormal). Padding is exactly 0.
  EXPECT_LT(a(1, 0), 1e-300);
  EXPECT_EQ(a(2, 1), 0.0);
  EXPECT_NEAR(a.col(1).sum(), 1.0, 1e-15);
}

TEST(Attention, BadConfigAndShapesAreNamed) {
  ParamLayout layout;
  try {
    Attention<float>(layout, "att", AttentionConfig{AttentionKind::dot, 6, 4, 0});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "Attention: dot attention needs the memory size (6) to equal the query size (4); use general or "
                 "additive attention");
  }
  Attention<float> att(layout, "att", AttentionConfig{AttentionKind::additive, 6, 4, 5});
  ParamBuffer<float> p(layout);
  Mat<float> keys;
  try {
    att.keys_forward(p, Mat<float>::Zero(5, 4), keys);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Attention::keys_forward: argument 'H' has shape 5x4, expected 6 rows (the memory size)");
  }
  const Mat<float> H = Mat<float>::Zero(6, 4);
  att.keys_forward(p, H, keys);
  Mat<float> z(6, 2);
  Attention<float>::Saved cache;
  const SourceMap map = SourceMap::identity({2, 2}, 2);
  try {
    att.forward(p, {H, keys, map}, {Mat<float>::Zero(3, 2)}, z, cache);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Attention::forward: argument 's' has shape 3x2, expected 4x2");
  }
}
