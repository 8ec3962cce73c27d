// LSTM and BiLSTM forward, and forward+backward, over a full batch.
// Arguments: batch B, time T, input E, hidden H. Counters (rates): GFLOP/s of the
// matrix products (elementwise work not counted) and tokens/s (B*T per pass).
//
// FLOPs of one direction's forward: 2*4H*E*T*B (input projection) +
// 2*4H*H*T*B (recurrence). Backward does three products of each size
// (dW_x, dX; dW_h, dh), so forward+backward is 3x forward.
#include <benchmark/benchmark.h>

#include <genattn/genattn.hpp>

namespace {

using namespace genattn;
using T = float;

struct Setup {
  Index B, time, E, H;
  explicit Setup(const benchmark::State& s) : B(s.range(0)), time(s.range(1)), E(s.range(2)), H(s.range(3)) {}
  double forward_flops(Index directions) const {
    return static_cast<double>(directions) * 2.0 * 4.0 * static_cast<double>(H) *
           static_cast<double>(E + H) * static_cast<double>(time * B);
  }
};

void set_counters(benchmark::State& state, const Setup& s, double flops) {
  state.counters["GFLOP"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["tokens"] =
      benchmark::Counter(static_cast<double>(s.B * s.time), benchmark::Counter::kIsIterationInvariantRate);
}

void run(benchmark::State& state, bool bidirectional, bool with_backward) {
  const Setup s(state);
  ParamLayout layout;
  Lstm<T> lstm(layout, "lstm", LstmConfig{s.E, s.H, 1, bidirectional});
  ParamBuffer<T> p(layout), g(layout);
  Rng rng(1);
  init_params(layout, p, rng);
  const Mat<T> x = Mat<T>::Random(s.E, s.time * s.B);
  const Lengths lengths(static_cast<std::size_t>(s.B), s.time);
  const Mat<T> dy = Mat<T>::Random(lstm.output_size(), s.time * s.B);
  Mat<T> dx = Mat<T>::Zero(s.E, s.time * s.B);
  typename Lstm<T>::Cache cache;
  auto pass = [&] {
    lstm.forward(p, x, lengths, cache);
    if (with_backward) lstm.backward(p, g, x, cache, dy, nullptr, dx);
  };
  pass();  // untimed: the first pass sizes the cache, as the first batch of a training run does
  for (auto _ : state) {
    pass();
    benchmark::DoNotOptimize(Lstm<T>::output(cache).data());
    benchmark::ClobberMemory();
  }
  set_counters(state, s, s.forward_flops(lstm.directions()) * (with_backward ? 3.0 : 1.0));
}

void BM_LstmForward(benchmark::State& st) { run(st, false, false); }
void BM_LstmForwardBackward(benchmark::State& st) { run(st, false, true); }
void BM_BiLstmForward(benchmark::State& st) { run(st, true, false); }
void BM_BiLstmForwardBackward(benchmark::State& st) { run(st, true, true); }

// {B, T, E, H}: the performance issue's two BiLSTM workloads, and a tiny one.
#define GENATTN_LSTM_SIZES ->Args({32, 50, 128, 256})->Args({64, 25, 512, 512})->Args({4, 8, 16, 16})->Unit(benchmark::kMillisecond)
BENCHMARK(BM_LstmForward) GENATTN_LSTM_SIZES;
BENCHMARK(BM_LstmForwardBackward) GENATTN_LSTM_SIZES;
BENCHMARK(BM_BiLstmForward) GENATTN_LSTM_SIZES;
BENCHMARK(BM_BiLstmForwardBackward) GENATTN_LSTM_SIZES;

}  // namespace

BENCHMARK_MAIN();
