// core/packed_matrix.hpp: y = A x for the decoder's output layer (A: 20,000 x
// 512) and an LSTM's recurrence (A: 1,024 x 256) with few columns, packed
// once, beside Eigen's product (which repacks A per call), on 1 and 2
// threads; and the same with A in int8 (core/int8_matrix.hpp) and bf16
// (core/bf16_matrix.hpp), each kernel the processor can run (last argument:
// the kernel, as in Int8Kernel / Bf16Kernel). Counters: GFLOP/s (2 M K N
// per product) and GB/s of weights read.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

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

template <class Packed, class Kernel>
void run_reduced(benchmark::State& state, void (*force)(Kernel), const std::vector<Kernel>& supported) {
  const Index M = state.range(0), K = state.range(1), N = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  const auto kernel = static_cast<Kernel>(state.range(4));
  if (std::find(supported.begin(), supported.end(), kernel) == supported.end()) {
    state.SkipWithError("this processor lacks the kernel");
    return;
  }
  force(kernel);
  const Packed A(Mat<float>::Random(M, K));
  const Mat<float> x = Mat<float>::Random(K, N);
  Mat<float> y(M, N);
  for (auto _ : state) {
    A.multiply(x, y, false, threads);
    benchmark::DoNotOptimize(y.data());
  }
  genattn::unforce_kernels();
  counters(state, M, K, N);
  state.counters["GB"] =
      benchmark::Counter(static_cast<double>(A.bytes()) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Int8(benchmark::State& state) {
  run_reduced<genattn::Int8Matrix<float>>(state, genattn::force_int8_kernel, genattn::supported_int8_kernels());
}

void BM_Bf16(benchmark::State& state) {
  run_reduced<genattn::Bf16Matrix<float>>(state, genattn::force_bf16_kernel, genattn::supported_bf16_kernels());
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
// The reduced products' shapes: the output layer on 1 and 2 threads, the
// recurrence on 1; each kernel.
static void reduced_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "K", "N", "threads", "kernel"})
      ->ArgsProduct({{20000}, {512}, {1, 32}, {1, 2}, {0, 1, 2}})
      ->ArgsProduct({{1024}, {256}, {1, 32}, {1}, {0, 1, 2}})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}
BENCHMARK(BM_Int8)->Apply(reduced_shapes);
BENCHMARK(BM_Bf16)->Apply(reduced_shapes);
BENCHMARK(BM_Eigen)
    ->ArgNames({"M", "K", "N"})
    ->Args({20000, 512, 1})
    ->Args({20000, 512, 32})
    ->Args({1024, 256, 32})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
