// examples/summarize/train_command.hpp: `summarize train`.
//
// Reads the train and validation TSV files, builds both vocabularies (or
// reuses the model directory's on --resume), and trains a Seq2Seq<float>
// (BiLSTM encoder, LSTM decoder with additive attention and input feeding)
// with Adam on length-bucketed batches, each cut into one shard per thread.
//
// Each epoch (and when a time limit ends the run) it reports the validation
// loss and greedy ROUGE-1/2/L F1 (rouge_score, stemmed), writes model.ckpt
// when ROUGE-L improves, and stops after `patience` epochs without
// improvement. last.ckpt, the whole training state, is written at the end of
// each epoch, every `checkpoint-minutes`, and on Ctrl-C (SIGINT) or SIGTERM;
// --resume continues from it exactly. Every file is written atomically.
//
// --copy trains a pointer-generator, --coverage adds coverage (See et al.
// 2017). --coverage-steps N is the paper's two-phase recipe in one command:
// train without coverage until the run ends (early stop, epochs or
// --max-minutes), keep that best model as model.phase1.ckpt, then switch
// coverage on (w_c starts at 0, so the model starts out unchanged) and
// fine-tune N more updates with the coverage loss from the best phase-1
// weights, at phase 1's final learning rate; model.ckpt is then the best
// fine-tuned model. A resumed run knows its phase from last.ckpt.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "progress.hpp"
#include "summarizer.hpp"

namespace summarize {

struct TrainOptions {
  std::string train_path, valid_path, model_dir;
  bool resume = false;
  bool restart = false;  ///< start the run in model_dir again (its checkpoints are deleted first)
  // network
  genattn::Index embedding = 128, hidden = 256, decoder_hidden = 0, layers = 1;
  double dropout = 0.2;
  // text
  genattn::Index source_vocab = 30000, target_vocab = 10000;
  long min_count = 2;
  TextSettings text;
  // optimization
  genattn::Index batch_size = 32;
  double lr = 1e-3, clip = 5.0, label_smoothing = 0.0;
  int epochs = 20, patience = 3;
  double max_minutes = 0.0, checkpoint_minutes = 10.0;
  int threads = 0;  ///< 0: one per core
  std::uint64_t seed = 1;
  genattn::Index valid_limit = 0;  ///< validation pairs decoded for ROUGE (0: all)
  double noise = 0.0;  ///< > 0: each epoch corrupts the training documents (genattn/text/noise.hpp), each kind at this rate
  /// --bootstrap SEED: train on a bootstrap resample of the training pairs
  /// (genattn/train/bootstrap.hpp), the vocabularies still built from all of them
  std::optional<std::uint64_t> bootstrap;
  genattn::Index keep_checkpoints = 0;  ///< > 0: keep the last this many saved networks (checkpoints/)
  // pointer-generator
  bool copy = false, coverage = false;
  double coverage_weight = 1.0;      ///< lambda of the coverage loss
  std::int64_t coverage_steps = 0;   ///< > 0: two phases, the second this many updates with coverage
  int log_every = 200;             ///< steps between log lines when not on a terminal
  bool progress = true;            ///< a progress bar on a terminal
};

/// Runs the command; returns the exit status. Throws on bad input (one line).
int train_command(const TrainOptions& o);

}  // namespace summarize
