// The machine's ceilings, one thread unless said: the single-precision
// matrix-multiply rate with Eigen (C = A B for square n x n matrices; the
// ceiling the other benchmarks' GFLOP/s are compared with, benchmarks/compare
// also measures PyTorch's and takes the higher), and the rate at which 1 or
// 2 threads read memory (a 256 MB buffer, far past the caches): the ceiling
// of decoding one source, which reads every weight at every step.
// Counters: GFLOP/s (2 n^3 per product), GB/s.
#include <benchmark/benchmark.h>

#include <genattn/genattn.hpp>

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wignored-attributes"  // Eigen's packet types as template arguments
#endif

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

// Sums a range (n a multiple of 4 packets) with four independent packet
// accumulators, so that the loads, not the additions' latency, set the pace.
float stream_sum(const float* p, genattn::Index n) {
  using Packet = Eigen::internal::packet_traits<float>::type;
  constexpr genattn::Index L = Eigen::internal::packet_traits<float>::size;
  using namespace Eigen::internal;
  Packet a0 = pset1<Packet>(0.f), a1 = a0, a2 = a0, a3 = a0;
  for (genattn::Index i = 0; i < n; i += 4 * L) {
    a0 = padd(a0, ploadu<Packet>(p + i));
    a1 = padd(a1, ploadu<Packet>(p + i + L));
    a2 = padd(a2, ploadu<Packet>(p + i + 2 * L));
    a3 = padd(a3, ploadu<Packet>(p + i + 3 * L));
  }
  return predux(padd(padd(a0, a1), padd(a2, a3)));
}

// Reads `MB` megabytes (1e6 bytes) over and over on `threads` threads. At
// 256 MB the reads come from memory (or a last-level cache that large); at
// 54, 27 and 14 MB, one decoding step's weights in float, bf16 and int8
// (benchmarks/compare), they come from wherever those weights stay from one
// step to the next.
void BM_ReadBandwidth(benchmark::State& state) {
  const auto threads = static_cast<genattn::Index>(state.range(1));
  const genattn::Index n = state.range(0) * 250000 / 64 * 64;  // floats, whole lines of four packets
  const genattn::Vec<float> a = genattn::Vec<float>::Ones(n);
  std::vector<float> sums(static_cast<std::size_t>(threads));
  for (auto _ : state) {
    genattn::parallel_for(threads, [&](genattn::Index k) {
      const genattn::Index b = n * k / threads / 64 * 64, e = n * (k + 1) / threads / 64 * 64;
      sums[static_cast<std::size_t>(k)] = stream_sum(a.data() + b, k + 1 == threads ? n - b : e - b);
    });
    benchmark::DoNotOptimize(sums.data());
  }
  state.counters["GB"] = benchmark::Counter(static_cast<double>(n) * 4e-9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_Sgemm)->Arg(512)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadBandwidth)
    ->ArgNames({"MB", "threads"})
    ->ArgsProduct({{256, 54, 27, 14}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
