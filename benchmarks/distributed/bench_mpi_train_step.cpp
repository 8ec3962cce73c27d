// The training step of workload (a) (train/bench_train_step.cpp: a batch of
// 32 sources of 64 tokens and targets of 12, V 20000, E 128, H 256, Adam,
// clipping) over MPI ranks. Run it as one process and under
// `mpirun -np 2` (benchmarks/distributed/run.sh compares them): every rank
// trains its shards of the same global batch of 32, and the ranks sum the
// gradient once an update. Iteration counts are fixed, since every rank must
// make the same collective calls; rank 0 reports.
//   BM_MpiTrainStep/threads:T   one update, T threads a rank; counter: the
//                               global batch's target tokens/s
//   BM_GradientAllreduce        the update's only traffic: one sum over the
//                               ranks of the float gradient (bytes/s)
//   BM_SmallAllreduce           a sum of 64 KB: the collective's latency
//   BM_ForwardBackward/threads:T  the step without its update (nor the sum
//                               over ranks): forward and backward alone
//   BM_Forward                  the forward pass alone (Trainer::evaluate)
// The last two split the step for the scaling model (run.sh): backward is
// the part a sum over ranks could overlap, the update the part it cannot.
#include <benchmark/benchmark.h>

#include <genattn/distributed/mpi.hpp>

#include <vector>

#include "../workloads.hpp"

namespace {

using namespace genattn_bench;

genattn::MpiCommunicator* world = nullptr;

void BM_MpiTrainStep(benchmark::State& state) {
  TrainWorkload w;
  TrainerConfig tc;
  tc.threads = static_cast<int>(state.range(0));
  tc.clip_norm = 5.0;
  tc.communicator = world;
  Trainer<float> trainer(w.model, w.params, tc);
  const Seq2SeqBatch& batch = w.batch;
  trainer.train_batch(batch);  // untimed, as in bench_train_step: it sizes the caches and buffers
  for (auto _ : state) benchmark::DoNotOptimize(trainer.train_batch(batch).loss.loss);
  state.counters["ranks"] = world->size();
  state.counters["parameters"] = static_cast<double>(w.model.layout().parameter_count());
  state.counters["tgt_tokens"] = benchmark::Counter(32.0 * 12.0, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_GradientAllreduce(benchmark::State& state) {
  const Seq2Seq<float> model(model_config(ModelSize{}));
  std::vector<float> g(static_cast<std::size_t>(model.layout().size()), 1.0f);
  world->sum(g.data(), g.size());  // untimed: the first touch of the pages
  for (auto _ : state) world->sum(g.data(), g.size());
  state.counters["ranks"] = world->size();
  state.counters["bytes"] =
      benchmark::Counter(static_cast<double>(g.size() * sizeof(float)), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ForwardBackward(benchmark::State& state) {
  TrainWorkload w;
  TrainerConfig tc;
  tc.threads = static_cast<int>(state.range(0));
  tc.accumulate = 1 << 30;  // no update: each call is forward, backward and the shards' sum
  Trainer<float> trainer(w.model, w.params, tc);
  trainer.train_batch(w.batch);
  for (auto _ : state) benchmark::DoNotOptimize(trainer.train_batch(w.batch).loss.loss);
}

void BM_Forward(benchmark::State& state) {
  TrainWorkload w;
  Trainer<float> trainer(w.model, w.params, TrainerConfig{});
  trainer.evaluate(w.batch);
  for (auto _ : state) benchmark::DoNotOptimize(trainer.evaluate(w.batch).loss);
}

void BM_SmallAllreduce(benchmark::State& state) {
  std::vector<float> g(16384, 1.0f);
  for (auto _ : state) world->sum(g.data(), g.size());
  state.counters["ranks"] = world->size();
}

/// The other ranks run the same benchmarks, silently.
class Silent : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace

BENCHMARK(BM_MpiTrainStep)->ArgName("threads")->Arg(1)->Arg(2)->Iterations(8)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_GradientAllreduce)->Iterations(20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SmallAllreduce)->Iterations(1000)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ForwardBackward)->ArgName("threads")->Arg(1)->Arg(2)->Iterations(8)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Forward)->Iterations(8)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
  genattn::MpiSession session(&argc, &argv);
  genattn::MpiCommunicator comm;
  world = &comm;
  benchmark::Initialize(&argc, argv);
  if (comm.rank() == 0) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    Silent silent;
    benchmark::RunSpecifiedBenchmarks(&silent);
  }
  benchmark::Shutdown();
  world = nullptr;
  return 0;
}
