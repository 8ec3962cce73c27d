// Decoding, the performance issue's workloads (c) and (d): greedy decoding of
// 32 sources of 64 tokens for 12 output tokens, one source alone (latency),
// and beam search (beam 5) of 16 sources. The model: V 20000, E 128, H 256.
// Second argument: threads; third: the weights' precision (0 float, 1 bf16,
// 2 int8; core/precision.hpp). The weights are packed once, outside the
// timing, as a program loading a model does (Seq2Seq::pack). Counters:
// sentences/s, and for greedy GFLOP/s of its matrix products (workloads.hpp).
#include <benchmark/benchmark.h>

#include "../workloads.hpp"

namespace {

using namespace genattn_bench;

struct Fixture {
  ModelSize m;
  Seq2Seq<float> model{model_config(m)};
  ParamBuffer<float> p = model.init_params(1);
  Seq2Seq<float>::Packed packed[3] = {model.pack(p), model.pack(p, Precision::bf16), model.pack(p, Precision::int8)};
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// exactly 12 steps: no early </s> (random weights would end at random)
SearchConfig twelve_steps(Index beam) {
  SearchConfig c;
  c.beam = beam;
  c.min_length = 12;
  c.max_length = 12;
  return c;
}

// Decodes `state.range(0)` sources of 64 tokens with beam `beam` (1: greedy).
void run_search(benchmark::State& state, Index beam) {
  Fixture& f = fixture();
  const Index B = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const auto& packed = f.packed[state.range(2)];
  const Seq2SeqBatch batch = random_batch(B, 64, 1, f.m.vocab);
  const SearchConfig config = twelve_steps(beam);
  for (auto _ : state) {
    Seq2SeqDecoder<float> dec(f.model, f.p, batch.src, batch.src_lengths, {}, &packed, threads);
    benchmark::DoNotOptimize(beam == 1 ? greedy_search(dec, config).size() : beam_search(dec, config).size());
  }
  state.counters["sentences"] = benchmark::Counter(static_cast<double>(B), benchmark::Counter::kIsIterationInvariantRate);
  if (beam == 1)
    state.counters["GFLOP"] =
        benchmark::Counter(greedy_flops(f.m, B, 64, 12) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Greedy(benchmark::State& state) { run_search(state, 1); }
void BM_Beam(benchmark::State& state) { run_search(state, 5); }

}  // namespace

BENCHMARK(BM_Greedy)
    ->ArgNames({"sources", "threads", "precision"})
    ->ArgsProduct({{32, 1}, {1, 2}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_Beam)
    ->ArgNames({"sources", "threads", "precision"})
    ->ArgsProduct({{16}, {1, 2}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
