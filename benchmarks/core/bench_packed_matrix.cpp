// core/packed_matrix.hpp: y = A x for the decoder's output layer (A: 20,000 x
// 512) and an LSTM's recurrence (A: 1,024 x 256) with few columns, packed
// once, beside Eigen's product (which repacks A per call), on 1 and 2
// threads. Counter: GFLOP/s (2 M K N per product).
#include <benchmark/benchmark.h>

#include <genattn/genattn.hpp>

namespace {

using genattn::Index;
using genattn::Mat;

void counters(benchmark::State& state, Index M, Index K, Index N) {
  const double flops = 2.0 * static_cast<double>(M) * static_cast<double>(K) * static_cast<double>(N);
  state.counters["GFLOP"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Packed(benchmark::State& state) {
  const Index M = state.range(0), K = state.range(1), N = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  const genattn::PackedMatrix<float> A(Mat<float>::Random(M, K));
  const Mat<float> x = Mat<float>::Random(K, N);
  Mat<float> y(M, N);
  for (auto _ : state) {
    A.multiply(x, y, false, threads);
    benchmark::DoNotOptimize(y.data());
  }
  counters(state, M, K, N);
}

void BM_Eigen(benchmark::State& state) {
  const Index M = state.range(0), K = state.range(1), N = state.range(2);
  const Mat<float> A = Mat<float>::Random(M, K), x = Mat<float>::Random(K, N);
  Mat<float> y(M, N);
  for (auto _ : state) {
    y.noalias() = A * x;
    benchmark::DoNotOptimize(y.data());
  }
  counters(state, M, K, N);
}

}  // namespace

BENCHMARK(BM_Packed)
    ->ArgNames({"M", "K", "N", "threads"})
    ->ArgsProduct({{20000}, {512}, {1, 32}, {1, 2}})
    ->Args({1024, 256, 32, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_Eigen)
    ->ArgNames({"M", "K", "N"})
    ->Args({20000, 512, 1})
    ->Args({20000, 512, 32})
    ->Args({1024, 256, 32})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
