#include <gtest/gtest.h>

#include "support/scalars.hpp"

#include <genattn/rnn/lstm.hpp>
#include <genattn/core/init.hpp>

#include "support/batch.hpp"
#include "support/fixture.hpp"
#include "support/errors.hpp"
#include "support/gradcheck.hpp"

using namespace genattn;
using namespace genattn_test;

GENATTN_SCALAR_TEST_SUITE(LstmTyped);

namespace {
template <class T>
double state_loss(const Lstm<T>& lstm, const typename Lstm<T>::Cache& cache,
                  const std::vector<LstmState<T>>& d_final) {
  double s = 0;
  for (Index l = 0; l < lstm.config().layers; ++l)
    for (Index d = 0; d < lstm.directions(); ++d) {
      const auto& st = lstm.final_state(cache, l, d);
      const auto& r = d_final[static_cast<std::size_t>(l * lstm.directions() + d)];
      s += static_cast<double>((r.h.array() * st.h.array()).sum() + (r.c.array() * st.c.array()).sum());
    }
  return s;
}
}  // namespace

// torch.nn.LSTM(5, 4, num_layers=2, bidirectional=True) on a packed batch of
// lengths {4, 6, 1}: outputs, final states and every gradient.
TYPED_TEST(LstmTyped, MatchesTorchBidirectionalTwoLayersPacked) {
  using T = TypeParam;
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-10;
  const Fixture f("rnn/lstm_torch.txt");
  const Mat<double> len = f.mat("lengths");
  Lengths lengths;
  for (Index i = 0; i < len.rows(); ++i) lengths.push_back(static_cast<Index>(len(i, 0)));
  ParamLayout layout;
  BiLstm<T> lstm(layout, "enc", 5, 4, 2);
  ParamBuffer<T> p(layout), g(layout);
  for (const char* name : {"l0.fwd", "l0.bwd", "l1.fwd", "l1.bwd"})
    for (const char* w : {"W_x", "W_h", "b"}) {
      const std::string slot = std::string(name) + "." + w;
      p[layout.find("enc." + slot)->param] = f.mat<T>(slot);
    }
  std::vector<LstmState<T>> init, d_final;
  for (int k = 0; k < 4; ++k) {
    init.push_back({f.mat<T>("h0." + std::to_string(k)), f.mat<T>("c0." + std::to_string(k))});
    d_final.push_back({f.mat<T>("dh_n." + std::to_string(k)), f.mat<T>("dc_n." + std::to_string(k))});
  }
  const Mat<T> x = f.mat<T>("x");
  typename Lstm<T>::Cache cache;
  lstm.forward(p, x, lengths, cache, &init);
  EXPECT_LE(relative_difference(Lstm<T>::output(cache), f.mat("y")), tol);
  for (int k = 0; k < 4; ++k) {
    const auto& st = lstm.final_state(cache, k / 2, k % 2);
    EXPECT_LE(relative_difference(st.h, f.mat("h_n." + std::to_string(k))), tol) << "h_n " << k;
    EXPECT_LE(relative_difference(st.c, f.mat("c_n." + std::to_string(k))), tol) << "c_n " << k;
  }
  Mat<T> dx = Mat<T>::Zero(x.rows(), x.cols());
  std::vector<LstmState<T>> d_init;
  lstm.backward(p, g, x, cache, f.mat<T>("dy"), &d_final, dx, &d_init);
  for (const auto& slot : layout.slots()) {
    const std::string ref = "grad." + slot.name.substr(4);  // drop "enc."
    EXPECT_LE(relative_difference(g[slot.param], f.mat(ref)), tol) << slot.name;
  }
  EXPECT_LE(relative_difference(dx, f.mat("grad.x")), tol);
  for (int k = 0; k < 4; ++k) {
    EXPECT_LE(relative_difference(d_init[static_cast<std::size_t>(k)].h, f.mat("grad.h0." + std::to_string(k))), tol);
    EXPECT_LE(relative_difference(d_init[static_cast<std::size_t>(k)].c, f.mat("grad.c0." + std::to_string(k))), tol);
  }
}

TYPED_TEST(LstmTyped, GradientsOfStackedBidirectional) {
  using T = TypeParam;
  const GradTolerance tol = std::is_same_v<T, float> ? kFloat : kDouble;
  const Index In = 2, H = 2, time = 3;
  const Lengths lengths{3, 1};
  const Index B = 2;
  ParamLayout layout;
  Lstm<T> lstm(layout, "enc", LstmConfig{In, H, 2, true});
  ParamBuffer<T> p(layout), g(layout);
  Rng rng(17);
  init_params(layout, p, rng);
  Mat<T> x = Mat<T>::Random(In, time * B);
  zero_padding(x, lengths);
  std::vector<LstmState<T>> init, d_final;
  for (int k = 0; k < 4; ++k) {
    init.push_back({Mat<T>::Random(H, B), Mat<T>::Random(H, B)});
    d_final.push_back({Mat<T>::Random(H, B), Mat<T>::Random(H, B)});
  }
  const Mat<T> r = Mat<T>::Random(2 * H, time * B);
  typename Lstm<T>::Cache cache;
  auto loss = [&] {
    lstm.forward(p, x, lengths, cache, &init);
    return static_cast<double>((r.array() * Lstm<T>::output(cache).array()).sum()) +
           state_loss(lstm, cache, d_final);
  };
  loss();
  Mat<T> dx = Mat<T>::Zero(In, time * B);
  std::vector<LstmState<T>> d_init;
  lstm.backward(p, g, x, cache, r, &d_final, dx, &d_init);
  auto vars = parameter_variables(layout, p, g);
  vars.push_back({"x", x.data(), dx.data(), x.size()});
  for (std::size_t k = 0; k < 4; ++k) {
    vars.push_back({"h0." + std::to_string(k), init[k].h.data(), d_init[k].h.data(), init[k].h.size()});
    vars.push_back({"c0." + std::to_string(k), init[k].c.data(), d_init[k].c.data(), init[k].c.size()});
  }
  expect_gradients_match<T>(vars, loss, tol);
}

TEST(Lstm, UnidirectionalStackOutputIsTheTopLayer) {
  ParamLayout layout;
  Lstm<double> lstm(layout, "dec", LstmConfig{3, 4, 2, false});
  EXPECT_EQ(lstm.output_size(), 4);
  EXPECT_EQ(layout.slots().size(), 6u);
  EXPECT_EQ(layout.slots()[3].name, "dec.l1.fwd.W_x");
  EXPECT_EQ(layout.slots()[3].param.cols, 4);
}

TEST(Lstm, PaddingNeverLeaksThroughTheStack) {
  using T = double;
  const Index In = 3, H = 4, time = 5;
  const Lengths lengths{2, 5, 3};
  const Index B = 3;
  ParamLayout layout;
  BiLstm<T> lstm(layout, "enc", In, H, 2);
  ParamBuffer<T> p(layout), g(layout), g_sum(layout);
  Rng rng(2);
  init_params(layout, p, rng);
  const Mat<T> x = random_padded_batch<T>(In, lengths, time);
  const Mat<T> dy = Mat<T>::Random(2 * H, time * B);
  std::vector<LstmState<T>> d_final;
  for (int k = 0; k < 4; ++k) d_final.push_back({Mat<T>::Random(H, B), Mat<T>::Random(H, B)});
  typename Lstm<T>::Cache cache;
  lstm.forward(p, x, lengths, cache);
  Mat<T> dx = Mat<T>::Zero(In, time * B);
  lstm.backward(p, g, x, cache, dy, &d_final, dx);
  for (Index b = 0; b < B; ++b) {
    const Index len = lengths[static_cast<std::size_t>(b)];
    std::vector<LstmState<T>> dfb;
    for (const auto& s : d_final) dfb.push_back({s.h.col(b), s.c.col(b)});
    typename Lstm<T>::Cache cb;
    const Mat<T> xb = item_columns(x, B, b, len);
    lstm.forward(p, xb, {len}, cb);
    Mat<T> dxb = Mat<T>::Zero(In, len);
    lstm.backward(p, g_sum, xb, cb, item_columns(dy, B, b, len), &dfb, dxb);
    EXPECT_LE(relative_difference(item_columns(Lstm<T>::output(cache), B, b, len), Lstm<T>::output(cb)), 1e-13);
    for (Index k = 0; k < 4; ++k) {
      EXPECT_LE(relative_difference(lstm.final_state(cache, k / 2, k % 2).h.col(b), lstm.final_state(cb, k / 2, k % 2).h),
                1e-13)
          << "item " << b << " state " << k;
    }
    EXPECT_LE(relative_difference(item_columns(dx, B, b, len), dxb), 1e-12) << "item " << b;
  }
  EXPECT_LE(relative_difference(g.flat(), g_sum.flat()), 1e-12);
}

// Two threads run the directions at once: the same bits as one thread.
TEST(Lstm, DirectionsOnTwoThreadsGiveTheSameBits) {
  using T = float;
  const Index In = 6, H = 9, time = 7;
  const Lengths lengths{2, 7, 3, 5};
  ParamLayout layout;
  BiLstm<T> lstm(layout, "enc", In, H, 2);
  ParamBuffer<T> p(layout);
  Rng rng(4);
  init_params(layout, p, rng);
  const Mat<T> x = random_padded_batch<T>(In, lengths, time);
  typename Lstm<T>::Cache one, two;
  lstm.forward(p, x, lengths, one);
  lstm.forward(p, x, lengths, two, nullptr, 2);
  EXPECT_EQ(Lstm<T>::output(one), Lstm<T>::output(two));
  for (Index k = 0; k < 4; ++k) {
    EXPECT_EQ(lstm.final_state(one, k / 2, k % 2).h, lstm.final_state(two, k / 2, k % 2).h);
    EXPECT_EQ(lstm.final_state(one, k / 2, k % 2).c, lstm.final_state(two, k / 2, k % 2).c);
  }
}

TEST(Lstm, BadInputNamesTheArgument) {
  ParamLayout layout;
  BiLstm<float> lstm(layout, "enc", 3, 2, 2);
  ParamBuffer<float> p(layout), g(layout);
  Lstm<float>::Cache cache;
  EXPECT_EQ(invalid_argument_message([&] { lstm.forward(p, Mat<float>(2, 6), {3, 3}, cache); }),
            "Lstm::forward: argument 'x' has shape 2x6, expected 3 rows (the input size)");
  EXPECT_EQ(invalid_argument_message([&] { lstm.forward(p, Mat<float>::Zero(3, 6), {3, 4}, cache); }),
            "Lstm::forward: argument 'lengths'[1] = 4 is outside 1..3 (the batch's time dimension is 3)");
  const std::vector<LstmState<float>> two(2);
  EXPECT_EQ(invalid_argument_message([&] { lstm.forward(p, Mat<float>::Zero(3, 6), {3, 3}, cache, &two); }),
            "Lstm::forward: argument 'init' holds 2 states, expected layers x directions = 4");
  Mat<float> none;
  EXPECT_EQ(invalid_argument_message([&] { lstm.backward(p, g, Mat<float>::Zero(3, 6), cache, none, nullptr, none); }),
            "Lstm::backward: called before forward");
  lstm.forward(p, Mat<float>::Zero(3, 6), {3, 3}, cache);
  EXPECT_EQ(invalid_argument_message([&] { lstm.backward(p, g, Mat<float>::Zero(3, 6), cache, Mat<float>::Zero(2, 6), nullptr, nullptr); }),
            "Lstm::backward: argument 'dy' has shape 2x6, expected 4x6");
  // an output passed is filled or refused, never skipped: nullptr skips dL/dx
  EXPECT_EQ(invalid_argument_message([&] { lstm.backward(p, g, Mat<float>::Zero(3, 6), cache, none, nullptr, none); }),
            "Lstm::backward: argument 'dx' has shape 0x0, expected 3x6 (pass nullptr to skip dL/dx)");
  EXPECT_EQ(invalid_argument_message([] {
              ParamLayout l2;
              Lstm<float>(l2, "x", LstmConfig{3, 2, 0, false});
            }),
            "Lstm: layers = 0, expected at least 1");
}
