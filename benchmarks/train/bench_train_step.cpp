// One training step of the performance issue's workload (a): forward,
// backward, global-norm clipping and Adam on a batch of 32 sources of 64
// tokens and targets of 12 (V 20000, E 128, H 256), on 1 and 2 threads
// (the trainer's data-parallel shards). Counter: target tokens/s.
#include <benchmark/benchmark.h>

#include "../workloads.hpp"

namespace {

using namespace genattn_bench;

void BM_TrainStep(benchmark::State& state) {
  TrainWorkload w;
  TrainerConfig tc;
  tc.threads = static_cast<int>(state.range(0));
  tc.clip_norm = 5.0;
  Trainer<float> trainer(w.model, w.params, tc);
  const Seq2SeqBatch& batch = w.batch;
  // untimed: the first step sizes the caches and the shards' gradient buffers
  // (hundreds of MB of fresh pages), once in a training run of many steps;
  // torch_workloads.py warms PyTorch up the same way
  trainer.train_batch(batch);
  for (auto _ : state) benchmark::DoNotOptimize(trainer.train_batch(batch).loss.loss);
  state.counters["tgt_tokens"] = benchmark::Counter(32.0 * 12.0, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_TrainStep)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
