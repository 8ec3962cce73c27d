// The consumer program each packaging test builds: it checks that a BiLSTM
// runs and learns a little. It includes the module headers it uses (the
// umbrella header, which compiles the whole float model at -O0 in 18 s, is
// the find_package test's text-model program's).
#include <genattn/core/init.hpp>
#include <genattn/rnn/lstm.hpp>
#include <genattn/version.hpp>

#include <cstdio>

int main() {
  using namespace genattn;
  static_assert(GENATTN_VERSION_MAJOR >= 0, "version header reachable");
  ParamLayout layout;
  BiLstm<float> encoder(layout, "encoder", 4, 8);
  ParamBuffer<float> params(layout), grads(layout);
  Rng rng(42);
  init_params(layout, params, rng);
  const Mat<float> x = Mat<float>::Random(4, 3 * 2);
  const Lengths lengths{3, 2};
  Lstm<float>::Cache cache;
  float first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {  // push every output towards 0.5
    encoder.forward(params, x, lengths, cache);
    Mat<float> dy = Lstm<float>::output(cache).array() - 0.5f;
    for (Index c = 0; c < dy.cols(); ++c)
      if (c / 2 >= lengths[static_cast<std::size_t>(c % 2)]) dy.col(c).setZero();
    const float loss = 0.5f * dy.squaredNorm();
    if (step == 0) first = loss;
    last = loss;
    grads.set_zero();
    encoder.backward(params, grads, x, cache, dy, nullptr, nullptr);  // no dL/dx
    params.flat() -= 0.1f * grads.flat();
  }
  std::printf("genattn %s consumer: loss %.4f -> %.4f\n", GENATTN_VERSION_STRING, static_cast<double>(first),
              static_cast<double>(last));
  return last < first ? 0 : 1;
}
