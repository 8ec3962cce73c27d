#include <gtest/gtest.h>

#include <genattn/rnn/lstm_layer.hpp>
#include <genattn/core/init.hpp>

#include "support/batch.hpp"
#include "support/errors.hpp"
#include "support/gradcheck.hpp"

using namespace genattn;
using namespace genattn_test;

namespace {

struct Case {
  Direction direction;
  const char* name;
};

class LstmLayerDirections : public ::testing::TestWithParam<Case> {};

template <class T>
void check_layer_gradients(Direction dir, const GradTolerance& tol) {
  const Index In = 3, H = 3, time = 4;
  const Lengths lengths{2, 4, 1};
  const Index B = 3;
  ParamLayout layout;
  LstmLayer<T> layer(layout, "lstm", In, H, dir);
  ParamBuffer<T> p(layout), g(layout);
  Rng rng(21);
  init_params(layout, p, rng);
  p[layer.params().b].setRandom();
  Mat<T> x = Mat<T>::Random(In, time * B);
  zero_padding(x, lengths);
  LstmState<T> init{Mat<T>::Random(H, B), Mat<T>::Random(H, B)};
  const LstmState<T> d_final{Mat<T>::Random(H, B), Mat<T>::Random(H, B)};
  const Mat<T> r = Mat<T>::Random(H, time * B);
  Mat<T> y(H, time * B);
  typename LstmLayer<T>::Cache cache;
  auto loss = [&] {
    layer.forward(p, x, lengths, y, cache, &init);
    return static_cast<double>((r.array() * y.array()).sum() + (d_final.h.array() * cache.final.h.array()).sum() +
                               (d_final.c.array() * cache.final.c.array()).sum());
  };
  loss();
  Mat<T> dx = Mat<T>::Zero(In, time * B);
  LstmState<T> d_init;
  layer.backward(p, g, x, cache, r, &d_final, dx, &d_init);
  auto vars = parameter_variables(layout, p, g);
  vars.push_back({"x", x.data(), dx.data(), x.size()});
  vars.push_back({"h0", init.h.data(), d_init.h.data(), init.h.size()});
  vars.push_back({"c0", init.c.data(), d_init.c.data(), init.c.size()});
  expect_gradients_match<T>(vars, loss, tol);
}

}  // namespace

TEST_P(LstmLayerDirections, GradientsDouble) { check_layer_gradients<double>(GetParam().direction, kDouble); }
TEST_P(LstmLayerDirections, GradientsFloat) { check_layer_gradients<float>(GetParam().direction, kFloat); }

// Every number of a padded batch equals that of each sequence run alone:
// outputs (0 at padding), final states, input and initial-state gradients,
// and the parameter gradients (the batch's are the sum of the items').
TEST_P(LstmLayerDirections, PaddingNeverLeaks) {
  using T = double;
  const Index In = 4, H = 5, time = 6;
  const Lengths lengths{6, 2, 4, 1};
  const Index B = 4;
  ParamLayout layout;
  LstmLayer<T> layer(layout, "lstm", In, H, GetParam().direction);
  ParamBuffer<T> p(layout), g(layout), g_sum(layout);
  Rng rng(5);
  init_params(layout, p, rng);
  const Mat<T> x = random_padded_batch<T>(In, lengths, time);
  const LstmState<T> init{Mat<T>::Random(H, B), Mat<T>::Random(H, B)};
  const LstmState<T> d_final{Mat<T>::Random(H, B), Mat<T>::Random(H, B)};
  const Mat<T> dy = Mat<T>::Random(H, time * B);
  Mat<T> y(H, time * B), dx = Mat<T>::Zero(In, time * B);
  typename LstmLayer<T>::Cache cache;
  layer.forward(p, x, lengths, y, cache, &init);
  LstmState<T> d_init;
  layer.backward(p, g, x, cache, dy, &d_final, dx, &d_init);
  for (Index c = 0; c < time * B; ++c)
    if (c / B >= lengths[static_cast<std::size_t>(c % B)]) {
      EXPECT_EQ(y.col(c).squaredNorm(), 0.0) << "output at padded column " << c;
      EXPECT_EQ(dx.col(c).squaredNorm(), 0.0) << "input gradient at padded column " << c;
    }
  for (Index b = 0; b < B; ++b) {
    const Index len = lengths[static_cast<std::size_t>(b)];
    const Mat<T> xb = item_columns(x, B, b, len), dyb = item_columns(dy, B, b, len);
    const LstmState<T> ib{init.h.col(b), init.c.col(b)}, dfb{d_final.h.col(b), d_final.c.col(b)};
    Mat<T> yb(H, len), dxb = Mat<T>::Zero(In, len);
    typename LstmLayer<T>::Cache cb;
    layer.forward(p, xb, {len}, yb, cb, &ib);
    LstmState<T> dib;
    layer.backward(p, g_sum, xb, cb, dyb, &dfb, dxb, &dib);
    EXPECT_LE(relative_difference(item_columns(y, B, b, len), yb), 1e-13) << "item " << b;
    EXPECT_LE(relative_difference(cache.final.h.col(b), cb.final.h), 1e-13) << "item " << b;
    EXPECT_LE(relative_difference(cache.final.c.col(b), cb.final.c), 1e-13) << "item " << b;
    EXPECT_LE(relative_difference(item_columns(dx, B, b, len), dxb), 1e-12) << "item " << b;
    EXPECT_LE(relative_difference(d_init.h.col(b), dib.h), 1e-12) << "item " << b;
    EXPECT_LE(relative_difference(d_init.c.col(b), dib.c), 1e-12) << "item " << b;
  }
  EXPECT_LE(relative_difference(g.flat(), g_sum.flat()), 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Both, LstmLayerDirections,
                         ::testing::Values(Case{Direction::forward, "forward"}, Case{Direction::reverse, "reverse"}),
                         [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

TEST(LstmLayer, ReverseStartsAtEachSequencesOwnLastToken) {
  // A reverse layer's output at position len-1 depends on x[len-1] only: it is
  // the first step it takes. Check against a one-step run of that token alone.
  ParamLayout layout;
  LstmLayer<double> layer(layout, "lstm", 2, 3, Direction::reverse);
  ParamBuffer<double> p(layout);
  Rng rng(1);
  init_params(layout, p, rng);
  const Lengths lengths{3, 1};
  const Mat<double> x = random_padded_batch<double>(2, lengths, 3);
  Mat<double> y(3, 6), y1(3, 1);
  LstmLayer<double>::Cache cache, c1;
  layer.forward(p, x, lengths, y, cache);
  layer.forward(p, x.col(2 * 2 + 0), {1}, y1, c1);
  EXPECT_LE(relative_difference(y.col(2 * 2 + 0), y1), 1e-15);
}

TEST(LstmLayer, BadInputNamesTheArgument) {
  ParamLayout layout;
  LstmLayer<float> layer(layout, "lstm", 3, 2);
  ParamBuffer<float> p(layout);
  LstmLayer<float>::Cache cache;
  Mat<float> x(3, 8), y(2, 8), y_bad(2, 6);
  EXPECT_EQ(invalid_argument_message([&] { layer.forward(p, Mat<float>(4, 8), {4, 4}, y, cache); }),
            "LstmLayer::forward: argument 'x' has shape 4x8, expected 3 rows (the layer's input size)");
  EXPECT_EQ(invalid_argument_message([&] { layer.forward(p, x, {5, 4}, y, cache); }),
            "LstmLayer::forward: argument 'lengths'[0] = 5 is outside 1..4 (the batch's time dimension is 4)");
  EXPECT_EQ(invalid_argument_message([&] { layer.forward(p, x, {4, 0}, y, cache); }),
            "LstmLayer::forward: argument 'lengths'[1] = 0 is outside 1..4 (the batch's time dimension is 4)");
  EXPECT_EQ(invalid_argument_message([&] { layer.forward(p, x, {-1, 2}, y, cache); }),
            "LstmLayer::forward: argument 'lengths'[0] = -1 is outside 1..4 (the batch's time dimension is 4)");
  EXPECT_EQ(invalid_argument_message([&] { layer.forward(p, x, {}, y, cache); }),
            "LstmLayer::forward: argument 'lengths' is empty: a batch needs at least one sequence");
  EXPECT_EQ(invalid_argument_message([&] { layer.forward(p, x, {2, 2, 2}, y, cache); }),
            "LstmLayer::forward: input has 8 columns, not a multiple of the batch size 3 given by 'lengths'");
  EXPECT_EQ(invalid_argument_message([&] { layer.forward(p, x, {4, 4}, y_bad, cache); }),
            "LstmLayer::forward: argument 'y' has shape 2x6, expected 2x8");
  const LstmState<float> bad_init{Mat<float>::Zero(2, 3), Mat<float>::Zero(2, 2)};
  EXPECT_EQ(invalid_argument_message([&] { layer.forward(p, x, {4, 4}, y, cache, &bad_init); }),
            "LstmLayer::forward: argument 'init.h' has shape 2x3, expected 2x2");
  LstmLayer<float>::Cache fresh;
  ParamBuffer<float> g(layout);
  Mat<float> none;
  EXPECT_EQ(invalid_argument_message([&] { layer.backward(p, g, x, fresh, none, nullptr, none); }),
            "LstmLayer::backward: called before forward");
}

// With a float pack (decoding), the layer gives the bits of the unpacked
// forward (the same products, the same order) while keeping only one step's
// values; backward after it is refused, not run on missing values.
TEST_P(LstmLayerDirections, PackedForwardKeepsOneStepAndTheSameOutputs) {
  ParamLayout layout;
  LstmLayer<float> layer(layout, "lstm", 5, 4, GetParam().direction);
  ParamBuffer<float> p(layout), g(layout);
  Rng rng(3);
  init_params(layout, p, rng);
  const Lengths lengths{6, 2, 4};
  const Mat<float> x = random_padded_batch<float>(5, lengths, 6);
  typename LstmLayer<float>::Packed packed;
  layer.pack(p, packed);
  Mat<float> y(4, 18), y_packed(4, 18);
  LstmLayer<float>::Cache cache, decoding;
  layer.forward(p, x, lengths, y, cache);
  layer.forward(p, x, lengths, y_packed, decoding, nullptr, &packed);
  EXPECT_EQ(y_packed, y);
  EXPECT_EQ(decoding.final.h, cache.final.h);
  EXPECT_EQ(decoding.final.c, cache.final.c);
  EXPECT_EQ(decoding.h_prev.size() + decoding.c_prev.size(), 0);
  EXPECT_EQ(decoding.tanh_c.cols(), 3);
  Mat<float> no_dx;
  EXPECT_EQ(invalid_argument_message([&] { layer.backward(p, g, x, decoding, y, nullptr, no_dx); }),
            "LstmLayer::backward: forward ran with packed weights (decoding), which keeps no values for backward");
}
