// examples/copy_task: the smallest complete program on genattn's public API.
// Define a Seq2Seq model, train it to copy random token sequences, save it,
// load it back, and decode held-out sequences greedily.
//
//   copy_task [--steps N] [--model FILE]
#include <genattn/genattn.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace genattn;

namespace {

constexpr TokenId kFirst = 4, kSymbols = 10;  // ids 0..3 are <pad> <unk> <s> </s>

TokenIds random_sequence(Rng& rng) {
  TokenIds s(5 + rng.below(6));
  for (auto& w : s) w = kFirst + static_cast<TokenId>(rng.below(kSymbols));
  return s;
}

std::string show(const TokenIds& s) {
  std::string out;
  for (TokenId w : s) out += static_cast<char>('a' + (w - kFirst));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 800;
  std::string path = "copy_task.ckpt";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--steps") == 0) steps = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--model") == 0) path = argv[i + 1];
  }

  if (steps < 1) {
    std::fprintf(stderr, "copy_task: --steps must be 1 or more\n");
    return 2;
  }

  // 1. Define.
  Seq2SeqConfig config;
  config.src_vocab = config.tgt_vocab = kFirst + kSymbols;
  config.embedding = 32;
  config.encoder_hidden = 64;
  config.decoder_hidden = 64;
  Seq2Seq<float> model(config);
  ParamBuffer<float> params = model.init_params(/*seed=*/11);
  std::printf("model: %lld parameters\n", static_cast<long long>(model.layout().parameter_count()));

  // 2. Train.
  TrainerConfig training;
  training.optimizer.kind = OptimizerKind::adam;
  training.schedule.base = 2e-3;
  // then linearly down to 5% of it from 3/8 of the way (300 of 800 updates)
  // to the end: at a constant rate, Adam's late spikes can undo what it learned
  training.schedule.decay_start = steps * 3 / 8;
  training.schedule.decay_steps = steps - training.schedule.decay_start;
  training.schedule.decay_final = 0.05;
  Trainer<float> trainer(model, params, training);
  Rng data(1);
  for (int step = 1; step <= steps; ++step) {
    std::vector<TokenIds> batch;
    for (int b = 0; b < 32; ++b) batch.push_back(random_sequence(data));
    const TrainStep s = trainer.train_batch(make_batch(batch, batch));
    if (!s.message.empty()) std::printf("%s\n", s.message.c_str());
    if (step % 100 == 0) std::printf("step %4d  loss %.4f  accuracy %.3f\n", step, s.loss.loss,
                                     static_cast<double>(s.loss.correct) / static_cast<double>(s.loss.tokens));
  }

  // 3. Save, and 4. load into a fresh model.
  LoadedModel<float> loaded{model, params};
  try {
    save_model(path, model, params);
    loaded = load_model<float>(path);
  } catch (const CheckpointError& e) {
    std::fprintf(stderr, "copy_task: %s\n", e.what());
    return 1;
  }
  std::printf("saved and reloaded %s\n", path.c_str());

  // 5. Decode held-out sequences.
  Rng held_out(777);
  std::vector<TokenIds> sources;
  for (int b = 0; b < 100; ++b) sources.push_back(random_sequence(held_out));
  const Seq2SeqBatch batch = make_batch(sources, sources);
  SearchConfig search;
  search.max_length = 20;
  const auto outputs = greedy_search(loaded.model, loaded.params, batch.src, batch.src_lengths, search);
  int exact = 0;
  for (std::size_t b = 0; b < sources.size(); ++b) {
    exact += outputs[b].tokens == sources[b];
    if (b < 5) std::printf("  %-10s -> %s\n", show(sources[b]).c_str(), show(outputs[b].tokens).c_str());
  }
  std::printf("held-out sequences copied exactly: %d / %zu\n", exact, sources.size());
  return exact >= 90 ? 0 : 1;
}
