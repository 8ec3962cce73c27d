// The machine's single-precision matrix-multiply rate with Eigen (one
// thread): C = A B for square n x n matrices. It is the ceiling the other
// benchmarks' GFLOP/s are compared with (benchmarks/compare also measures
// PyTorch's and takes the higher). Counter: GFLOP/s (2 n^3 per product).
#include <benchmark/benchmark.h>

#include <genattn/genattn.hpp>

namespace {

void BM_Sgemm(benchmark::State& state) {
  const auto n = static_cast<genattn::Index>(state.range(0));
  const genattn::Mat<float> a = genattn::Mat<float>::Random(n, n), b = genattn::Mat<float>::Random(n, n);
  genattn::Mat<float> c(n, n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  state.counters["GFLOP"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_Sgemm)->Arg(512)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
