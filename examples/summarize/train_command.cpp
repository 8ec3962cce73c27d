// examples/summarize/train_command.cpp: `summarize train` (see train_command.hpp).
#include "train_command.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "model_dir.hpp"
#include "number_text.hpp"
#include "progress.hpp"
#include "score_command.hpp"
#include "summarizer.hpp"

#ifdef SUMMARIZE_MPI
#include <genattn/distributed/mpi.hpp>
#endif

namespace summarize {

namespace detail {
inline volatile std::sig_atomic_t stop_requested = 0;
inline void on_stop_signal(int) { stop_requested = 1; }

}  // namespace detail

/// Validation figures of one evaluation.
struct Validation {
  double loss = 0.0;
  genattn::RougeScores rouge;
};

/// The pairs with their documents corrupted as epoch `epoch` of a run seeded
/// `seed` sees them (--noise RATE: each kind of noise at RATE).
inline std::vector<Pair> noisy_pairs(const std::vector<Pair>& pairs, double rate, std::uint64_t seed,
                                     std::uint64_t epoch) {
  std::vector<std::string> documents;
  documents.reserve(pairs.size());
  for (const auto& p : pairs) documents.push_back(p.document);
  documents = genattn::corrupt_all(documents, genattn::NoiseRates::all(rate), seed, epoch);
  std::vector<Pair> out = pairs;
  for (std::size_t i = 0; i < out.size(); ++i) out[i].document = std::move(documents[i]);
  return out;
}

/// Token ids of the pairs; for a copy model also each document's extended
/// ids and the summary in that extended vocabulary. The batcher cuts
/// documents at max_source (and counts it); numbering by first appearance
/// keeps the ids of the words before the cut what decoding the cut document
/// gives them, and a summary word found only after the cut is scored as
/// <unk> (copy/copy_loss.hpp).
inline std::vector<genattn::Example> encode_pairs(const std::vector<Pair>& pairs, const Summarizer& s) {
  std::vector<genattn::Example> out;
  out.reserve(pairs.size());
  for (const auto& p : pairs) {
    const auto doc = s.tokenizer.tokenize(p.document), sum = s.tokenizer.tokenize(p.summary);
    if (!s.model.config().copy) {
      out.emplace_back(s.source.encode(doc), s.target.encode(sum));
      continue;
    }
    const genattn::ExtendedVocabulary ext(s.target, doc);
    out.emplace_back(s.source.encode(doc), ext.encode(sum), ext.source_ids());
  }
  return out;
}

namespace files {
inline std::string phase1_model(const std::string& dir) { return dir + "/model.phase1.ckpt"; }
}  // namespace files

/// The threads of one rank when --threads is 0: the cores, shared among the
/// ranks that mpirun started on this machine.
inline int default_threads() {
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE"))
    cores = std::max(1, cores / std::max(1, std::atoi(local)));
  return cores;
}

/// Checks the model directory for this run, creates it, and locks it into
/// `lock` (one writer at a time); --restart then deletes the old run's
/// checkpoints. Throws InputError with the reason.
static void take_model_dir(const TrainOptions& o, std::optional<ModelDirLock>& lock) {
  namespace fs = std::filesystem;
  const std::string& dir = o.model_dir;
  if (o.resume && !fs::exists(files::last(dir)))
    throw InputError("--resume: " + files::last(dir) + " does not exist" +
                     (fs::exists(files::model(dir))
                          ? " (the run stopped before it saved its training state: --restart starts it again)"
                          : ""));
  if (o.restart && !is_genattn_run(dir))
    throw InputError("--restart: " + dir + " holds no genattn run (no train.lock, model.ckpt or last.ckpt)");
  // a directory that is not genattn's is refused before anything is written into it
  if (!o.resume && !o.restart && fs::is_directory(dir) && !fs::exists(files::lock(dir)))
    check_fresh_model_dir(dir, false);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) throw InputError("cannot create the model directory " + dir + (ec ? ": " + ec.message() : ""));
  if (::access(dir.c_str(), W_OK) != 0) throw InputError("cannot write into the model directory " + dir);
  // one writer at a time; the checks below then cannot race another run's writes
  const bool had_lock = fs::exists(files::lock(dir));
  lock.emplace(dir);
  if (!o.resume && !o.restart) check_fresh_model_dir(dir, had_lock);
  if (o.restart) {  // under the lock: the old run's checkpoints would not match the new vocabularies
    for (const std::string& old : {files::model(dir), files::last(dir), files::phase1_model(dir)}) fs::remove(old);
    genattn::remove_kept_checkpoints(dir);
  }
}

/// Training on the ranks of `comm` (nullptr: alone). Every rank reads the
/// data and trains; rank 0 alone holds the model directory's lock, reads
/// the checkpoints and vocabularies (and sends them to the others), writes,
/// validates and prints. What decides the control flow is agreed on by all:
/// a stop signal on any rank, rank 0's clock, rank 0's validation.
static int train_on_ranks(const TrainOptions& o, genattn::Communicator* comm) {
  using Clock = std::chrono::steady_clock;
  using genattn::Index;
  namespace fs = std::filesystem;
  const auto started = Clock::now();
  const std::string dir = o.model_dir;
  const int rank = comm != nullptr ? comm->rank() : 0, ranks = comm != nullptr ? comm->size() : 1;
  const bool root = rank == 0;
  // rank 0's bytes of a file in the model directory, on every rank
  auto bytes_of = [&](const std::string& path) {
    std::string bytes;
    if (root) bytes = read_bytes(path);
    if (comm != nullptr) comm->broadcast(bytes, 0);
    return bytes;
  };
  if (o.copy && o.label_smoothing > 0.0)
    throw InputError("--label-smoothing is not defined for --copy: the copy distribution is trained on -log P(y) alone");
  // the data first: a file that cannot train leaves the model directory untouched
  // --package-name: each document its package's title first (corpus.hpp)
  std::vector<Pair> all_pairs = read_pairs(o.train_path, o.text.titled);
  const std::vector<Pair> valid_all = read_pairs(o.valid_path, o.text.titled);
  // --bootstrap SEED: the pairs this run trains on are a resample of the
  // file's (bagging); the vocabularies below still come from all of them
  std::vector<Pair> resampled;
  if (o.bootstrap) resampled = genattn::bootstrap_sample(all_pairs, *o.bootstrap);
  const std::vector<Pair>& train_pairs = o.bootstrap ? resampled : all_pairs;
  const std::size_t train_pair_count = train_pairs.size();
  std::optional<ModelDirLock> lock;  // rank 0's: the others never touch the directory
  if (root) take_model_dir(o, lock);

  std::vector<Pair> valid_pairs = valid_all;
  if (o.valid_limit > 0 && static_cast<std::size_t>(o.valid_limit) < valid_pairs.size())
    valid_pairs.resize(static_cast<std::size_t>(o.valid_limit));

  genattn::TokenizerConfig tc;
  tc.lowercase = o.text.lowercase;
  const genattn::Tokenizer tokenizer(tc);
  genattn::Vocabulary source, target;
  const std::string last_bytes = o.resume ? bytes_of(files::last(dir)) : std::string();
  auto last_checkpoint = [&] { return genattn::decode_checkpoint(std::string_view(last_bytes), files::last(dir)); };
  std::string source_bytes, target_bytes;
  if (o.resume) {
    source_bytes = bytes_of(files::source_vocab(dir));
    target_bytes = bytes_of(files::target_vocab(dir));
    source = genattn::Vocabulary::parse(source_bytes, files::source_vocab(dir));
    target = genattn::Vocabulary::parse(target_bytes, files::target_vocab(dir));
  } else {
    // counted a pair at a time: the corpus as token lists would be several
    // times its bytes (a std::string a token), and the freed lists would
    // stay resident for the whole run, behind what training allocates next
    genattn::TokenCounts docs, sums;
    for (const auto& p : all_pairs) {
      docs.add(tokenizer.tokenize(p.document));
      sums.add(tokenizer.tokenize(p.summary));
    }
    source = genattn::Vocabulary::build(docs, {o.source_vocab, o.min_count});
    target = genattn::Vocabulary::build(sums, {o.target_vocab, o.min_count});
    source_bytes = source.serialize();
    target_bytes = target.serialize();
    if (root) {
      source.save(files::source_vocab(dir));
      target.save(files::target_vocab(dir));
    }
  }
  // what model.ckpt records: the hash of each vocabulary file's bytes
  const std::uint64_t source_hash = genattn::fnv1a64(source_bytes), target_hash = genattn::fnv1a64(target_bytes);

  genattn::Seq2SeqConfig mc;
  mc.src_vocab = source.size();
  mc.tgt_vocab = target.size();
  mc.embedding = o.embedding;
  mc.encoder_hidden = o.hidden;
  mc.encoder_layers = o.layers;
  mc.decoder_hidden = o.decoder_hidden > 0 ? o.decoder_hidden : 2 * o.hidden;
  mc.dropout = o.dropout;
  mc.copy = o.copy;
  const bool two_phase = o.coverage_steps > 0;
  mc.coverage = o.coverage && !two_phase;  // two phases: coverage joins in phase 2
  // a resumed two-phase run may already be in phase 2 (its checkpoint has coverage on)
  std::uint64_t phase = 1;
  if (o.resume && two_phase && genattn::checkpoint_config(last_checkpoint(), files::last(dir)).coverage) {
    mc.coverage = true;
    phase = 2;
  }
  mc.validate();
  genattn::Seq2Seq<float> model(mc);
  Summarizer s{std::move(model), genattn::ParamBuffer<float>(), std::move(source), std::move(target), o.text, tokenizer};
  s.params = s.model.init_params(o.seed);

  genattn::TrainerConfig tcfg;
  tcfg.optimizer.kind = genattn::OptimizerKind::adam;
  tcfg.schedule.base = o.lr;
  tcfg.schedule.plateau = true;  // halve the rate when the validation loss stalls
  tcfg.clip_norm = o.clip;
  tcfg.loss.label_smoothing = o.label_smoothing;
  tcfg.loss.coverage_weight = o.coverage_weight;
  tcfg.seed = o.seed;
  tcfg.threads = o.threads > 0 ? o.threads : default_threads();
  tcfg.communicator = comm;
  auto trainer = std::make_unique<genattn::Trainer<float>>(s.model, s.params, tcfg);

  const auto train_examples = encode_pairs(train_pairs, s), valid_examples = encode_pairs(valid_pairs, s);
  // the training texts: --noise corrupts and encodes them again each epoch;
  // without it they are done with (the corpus's bytes again, for the run)
  if (o.noise == 0) {
    std::vector<Pair>().swap(all_pairs);
    std::vector<Pair>().swap(resampled);
  }
  genattn::BatcherConfig bc;
  bc.batch_size = o.batch_size;
  bc.max_source = o.text.max_source;
  bc.max_target = o.text.max_target;
  bc.seed = o.seed;
  if (mc.copy) bc.copy_vocab = s.target.size();
  genattn::BatcherConfig vbc = bc;
  vbc.shuffle = false;
  const genattn::BatchPlan valid_plan = genattn::make_batches(valid_examples, vbc);

  // where the run stands
  std::uint64_t epoch = 0, cursor = 0, bad = 0;
  double best = -1.0, elapsed_before = 0.0;
  if (comm != nullptr) {
    // the ranks must train one model on one corpus: one line naming what differs
    genattn::check_same_on_ranks(*comm, "training data (the hash of --train's bytes)",
                                 genattn::fnv1a64(read_bytes(o.train_path)));
    std::vector<std::pair<std::string, std::string>> settings;
    for (const auto& [k, v] : mc.fields()) settings.emplace_back("model's " + k, std::to_string(v));
    settings.insert(settings.end(), {{"--threads", std::to_string(tcfg.threads)},
                                     {"--batch-size", std::to_string(o.batch_size)},
                                     {"--lr", shortest(o.lr)},
                                     {"--clip", shortest(o.clip)},
                                     {"--label-smoothing", shortest(o.label_smoothing)},
                                     {"--coverage-weight", shortest(o.coverage_weight)},
                                     {"--coverage-steps", std::to_string(o.coverage_steps)},
                                     {"--seed", std::to_string(o.seed)},
                                     {"--noise", shortest(o.noise)},
                                     {"--bootstrap", o.bootstrap ? std::to_string(*o.bootstrap) : "none"},
                                     {"--keep-checkpoints", std::to_string(o.keep_checkpoints)},
                                     {"--max-source", std::to_string(o.text.max_source)},
                                     {"--max-target", std::to_string(o.text.max_target)},
                                     {"--lowercase", std::to_string(o.text.lowercase)},
                                     {"--package-name", std::to_string(o.text.titled)},
                                     {"--epochs", std::to_string(o.epochs)},
                                     {"--patience", std::to_string(o.patience)},
                                     {"--resume", std::to_string(o.resume)}});
    for (const auto& [what, value] : settings) genattn::check_same_on_ranks(*comm, what, value);
    genattn::check_same_on_ranks(*comm, "source vocabulary (hash)", source_hash);
    genattn::check_same_on_ranks(*comm, "target vocabulary (hash)", target_hash);
  }
  if (o.resume) {
    const genattn::Checkpoint c = trainer->resume(last_checkpoint(), files::last(dir));
    if (c.state_word("source_vocab_hash") != source_hash || c.state_word("target_vocab_hash") != target_hash)
      throw InputError(files::last(dir) + " was written with other vocabularies than the directory's");
    if (c.state_word("train_pairs") != train_pair_count)
      throw InputError(files::last(dir) + ": the run trained on " + std::to_string(c.state_word("train_pairs")) +
                       " pairs, " + o.train_path + " holds " + std::to_string(train_pair_count));
    // a run saved before --noise existed trained without it
    const double noise_before = genattn::word_double(c.find_state_word("noise").value_or(genattn::double_word(0.0)));
    if (noise_before != o.noise)
      throw InputError(files::last(dir) + ": the run trained with --noise " + shortest(noise_before) +
                       ", this call gives --noise " + shortest(o.noise) + " (a resumed run keeps its noise)");
    // its documents (a run saved before --package-name existed read none)
    const bool titled_before = c.find_state_word("package_name").value_or(0) != 0;
    if (titled_before != o.text.titled)
      throw InputError(files::last(dir) + ": the run trained " + (titled_before ? "with" : "without") +
                       " --package-name, this call " + (o.text.titled ? "gives" : "does not give") +
                       " it (a resumed run reads its documents as it began)");
    // and its resample (a run saved before --bootstrap existed had none)
    const std::optional<std::uint64_t> bootstrap_before = c.find_state_word("bootstrap_seed");
    auto says = [](const std::optional<std::uint64_t>& b) { return b ? "--bootstrap " + std::to_string(*b) : "no --bootstrap"; };
    if (bootstrap_before != o.bootstrap)
      throw InputError(files::last(dir) + ": the run trained with " + says(bootstrap_before) + ", this call gives " +
                       says(o.bootstrap) + " (a resumed run keeps its resample)");
    epoch = c.state_word("epoch");
    cursor = c.state_word("cursor");
    bad = c.state_word("bad");
    best = genattn::word_double(c.state_word("best"));
    elapsed_before = genattn::word_double(c.state_word("elapsed"));
    if (root)
      std::fprintf(stderr, "resumed %s: epoch %llu, batch %llu, %lld updates\n", files::last(dir).c_str(),
                   static_cast<unsigned long long>(epoch + 1), static_cast<unsigned long long>(cursor),
                   static_cast<long long>(trainer->updates()));
  }
  auto elapsed = [&] { return elapsed_before + std::chrono::duration<double>(Clock::now() - started).count(); };
  // keep: also as the newest kept network (--keep-checkpoints), unless it has
  // not trained in this phase
  auto save_last = [&](bool keep = true) {
    if (!root) return;
    std::vector<std::pair<std::string, std::uint64_t>> words{{"epoch", epoch},
                                    {"phase", phase},
                                    {"cursor", cursor},
                                    {"bad", bad},
                                    {"best", genattn::double_word(best)},
                                    {"elapsed", genattn::double_word(elapsed())},
                                    {"train_pairs", train_pair_count},
                                    {"noise", genattn::double_word(o.noise)},
                                    {"source_vocab_hash", source_hash},
                                    {"target_vocab_hash", target_hash}};
    if (o.bootstrap) words.emplace_back("bootstrap_seed", *o.bootstrap);
    if (o.text.titled) words.emplace_back("package_name", 1u);
    trainer->save(files::last(dir), words);
    // --keep-checkpoints K: this network too, as the newest of the last K
    if (keep && o.keep_checkpoints > 0)
      genattn::keep_checkpoint(dir, s.model, s.params, genattn::text_model_words(o.text, source_hash, target_hash),
                               static_cast<std::size_t>(o.keep_checkpoints));
  };

  if (root)
    std::fprintf(stderr,
                 "train: %zu pairs, valid: %zu pairs (ROUGE on %zu); vocabulary: %lld source, %lld target words; "
                 "%lld parameters; threads: %d%s\n",
                 train_pair_count, valid_all.size(), valid_pairs.size(), static_cast<long long>(s.source.size()),
                 static_cast<long long>(s.target.size()), static_cast<long long>(s.model.layout().parameter_count()),
                 tcfg.threads, ranks > 1 ? (" on each of " + std::to_string(ranks) + " ranks").c_str() : "");

  std::vector<std::string> valid_docs, valid_refs;  // what validation decodes, and its references
  for (const auto& p : valid_pairs) {
    valid_docs.push_back(p.document);
    valid_refs.push_back(p.summary);
  }
  auto validate = [&]() {
    Validation v;
    double weighted = 0.0;
    Index tokens = 0;
    // training's activations and shard buffers go while validation runs,
    // and the evaluation's before the decoding: each would otherwise sit
    // beside the next, and their sum was the run's peak
    trainer->release_workspaces();
    for (const auto& b : valid_plan.batches) {
      const genattn::LossValue l = trainer->evaluate(b);
      weighted += l.nll * static_cast<double>(l.tokens);
      tokens += l.tokens;
    }
    trainer->release_workspaces();
    v.loss = tokens > 0 ? weighted / static_cast<double>(tokens) : 0.0;
    std::vector<std::string> hyps;
    DecodeOptions d;
    d.search.beam = 1;
    d.search.max_length = o.text.max_target - 1;
    TruncationCount cut;
    const auto out = summarize_documents(s, valid_docs, d, cut, [&](std::size_t i) { return o.valid_path + ":" + std::to_string(i + 1); });
    for (const auto& x : out) hyps.push_back(x.texts.front());
    v.rouge = mean_rouge(valid_refs, hyps, true);
    return v;
  };
  // One validation: report, keep the best model, count epochs without gain.
  auto after_validation = [&](const char* when) {
    Validation v;
    if (root) v = validate();
    if (comm != nullptr) {  // rank 0's figures decide for every rank
      double figures[2] = {v.loss, v.rouge.rougeL.f};
      genattn::broadcast_values(*comm, figures, 2, 0);
      v.loss = figures[0];
      v.rouge.rougeL.f = figures[1];
    }
    const bool improved = v.rouge.rougeL.f > best;
    if (improved) {
      best = v.rouge.rougeL.f;
      bad = 0;
      if (root)
        genattn::save_model(files::model(dir), s.model, s.params, genattn::text_model_words(o.text, source_hash, target_hash));
    } else {
      ++bad;
    }
    const bool decayed = trainer->on_validation(v.loss);
    if (root)
      std::fprintf(stderr,
                   "%s %llu: valid loss %.4f ppl %.2f  ROUGE-1/2/L F1 %.2f/%.2f/%.2f%s%s  [%.1f min]\n", when,
                   static_cast<unsigned long long>(epoch + 1), v.loss, std::exp(v.loss), 100 * v.rouge.rouge1.f,
                   100 * v.rouge.rouge2.f, 100 * v.rouge.rougeL.f, improved ? "  (best: saved model.ckpt)" : "",
                   decayed ? "  (learning rate halved)" : "", elapsed() / 60.0);
  };

  detail::stop_requested = 0;
  std::signal(SIGINT, detail::on_stop_signal);
  std::signal(SIGTERM, detail::on_stop_signal);
  Progress progress(root && o.progress, root ? o.log_every : 0);
  auto last_save = Clock::now();
  // Trains until the epochs, the time limit, `max_updates` (> 0) or patience
  // end it; returns 130 when interrupted (last.ckpt saved), else 0.
  auto train_loop = [&](std::int64_t max_updates) {
    bool out_of_time = false;
    int skipped_in_a_row = 0;
    while (epoch < static_cast<std::uint64_t>(o.epochs) && !out_of_time) {
      // --noise: this epoch's corruption of every training document, a
      // function of (--seed, epoch, pair): a resumed run or another rank
      // sees the same
      std::vector<genattn::Example> noisy;
      if (o.noise > 0) noisy = encode_pairs(noisy_pairs(train_pairs, o.noise, o.seed, epoch), s);
      // the epoch's batches as indices, each made when its turn comes
      const genattn::BatchOrder plan = genattn::order_batches(o.noise > 0 ? noisy : train_examples, bc, epoch);
      if (root && epoch == 0 && cursor == 0 && plan.truncated_sources + plan.truncated_targets > 0)
        std::fprintf(stderr, "truncated: %lld documents at %lld tokens, %lld summaries at %lld tokens (%lld tokens cut)\n",
                     static_cast<long long>(plan.truncated_sources), static_cast<long long>(o.text.max_source),
                     static_cast<long long>(plan.truncated_targets), static_cast<long long>(o.text.max_target - 1),
                     static_cast<long long>(plan.dropped_tokens));
      progress.start_epoch(epoch + 1, plan.size(), cursor);
      for (; cursor < plan.size(); ++cursor) {
        const genattn::Seq2SeqBatch b = plan.batch(cursor);
        const genattn::TrainStep st = trainer->train_batch(b);
        if (st.skipped) {
          if (root) std::fprintf(stderr, "\n%s\n", st.message.c_str());
          if (++skipped_in_a_row >= 20)
            throw std::runtime_error("training diverged: 20 updates in a row were non-finite; lower --lr or --clip");
        } else {
          skipped_in_a_row = 0;
        }
        progress.step(st.loss.nll, static_cast<std::size_t>(b.batch * (b.src_time + b.tgt_time)));
        bool out_of_minutes = phase == 1 && o.max_minutes > 0 && elapsed() >= o.max_minutes * 60.0;
        bool stop = detail::stop_requested != 0;
        if (comm != nullptr) {  // a signal on any rank stops all; rank 0's clock ends the time
          double flags[2] = {stop ? 1.0 : 0.0, root && out_of_minutes ? 1.0 : 0.0};
          comm->sum(flags, 2);
          stop = flags[0] > 0.0;
          out_of_minutes = flags[1] > 0.0;
        }
        const bool timed_out = out_of_minutes || (max_updates > 0 && trainer->updates() >= max_updates);
        if (stop || timed_out ||
            std::chrono::duration<double>(Clock::now() - last_save).count() >= o.checkpoint_minutes * 60.0) {
          ++cursor;  // this batch is done
          progress.pause();
          if (timed_out) {
            out_of_time = true;
            if (root && max_updates > 0 && trainer->updates() >= max_updates)
              std::fprintf(stderr, "%lld coverage updates done\n", static_cast<long long>(max_updates));
            else if (root)
              std::fprintf(stderr, "time limit of %.1f minutes reached\n", o.max_minutes);
            break;
          }
          save_last();
          last_save = Clock::now();
          if (stop) {
            if (root) std::fprintf(stderr, "interrupted: saved %s; continue with --resume\n", files::last(dir).c_str());
            return 130;
          }
          --cursor;
        }
      }
      progress.pause();
      after_validation(out_of_time ? "stopped in epoch" : "epoch");
      if (!out_of_time) {
        ++epoch;
        cursor = 0;
      }
      save_last();
      last_save = Clock::now();
      if (bad >= static_cast<std::uint64_t>(o.patience)) {
        if (root) std::fprintf(stderr, "early stop: no ROUGE-L gain in %llu validations\n", static_cast<unsigned long long>(bad));
        break;
      }
    }
    return 0;
  };
  if (phase == 1) {
    if (const int rc = train_loop(0); rc != 0) return rc;
  }
  if (two_phase) {
    if (phase == 1) {
      // phase 2: the best phase-1 weights, coverage switched on (w_c = 0: the
      // same function to start with), a fresh optimizer at phase 1's last rate
      const double rate = trainer->schedule().current_base();
      std::string best_bytes = bytes_of(files::model(dir));
      if (root) genattn::write_file_atomically(files::phase1_model(dir), best_bytes, "model");
      // phase 1's kept networks have no coverage weights: they do not average with phase 2's
      if (root) genattn::remove_kept_checkpoints(dir);
      // phase 1's trainer and weights go before phase 2's are made: its
      // optimizer state and gradient buffers are several times the weights,
      // and held beside the best model read back and phase 2's new
      // weights, they made this switch the run's peak of memory
      trainer.reset();
      s.params = genattn::ParamBuffer<float>();
      genattn::Seq2SeqConfig cc = s.model.config();
      cc.coverage = true;
      s.model = genattn::Seq2Seq<float>(cc);
      {
        // streamed into floats (no copy of the file as doubles); the file is
        // save_model's, so no slot is held quantized
        genattn::Checkpoint header;
        const auto best1 = genattn::load_model_for_decoding<float>(best_bytes, files::model(dir), header);
        std::string().swap(best_bytes);
        s.params = s.model.init_params(o.seed);
        for (const auto& slot : best1.model.layout().slots())
          s.params[s.model.layout().find(slot.name)->param] = best1.params[slot.param];
      }
      tcfg.schedule.base = rate;
      trainer = std::make_unique<genattn::Trainer<float>>(s.model, s.params, tcfg);
      phase = 2;
      best = -1.0;  // the first fine-tuned model replaces phase 1's model.ckpt (kept as model.phase1.ckpt)
      bad = 0;
      epoch = 0;
      cursor = 0;
      if (root) std::fprintf(stderr, "phase 2: coverage on, %lld updates at learning rate %g (phase 1's model: %s)\n",
                   static_cast<long long>(o.coverage_steps), rate, files::phase1_model(dir).c_str());
      // last.ckpt for --resume, but not a kept network: it is phase 1's best
      // with the coverage weights at 0, and would pull phase 2's average back
      // towards phase 1 (summarize average)
      save_last(false);
    }
    if (const int rc = train_loop(o.coverage_steps); rc != 0) return rc;
  }
  if (root)
    std::fprintf(stderr, "done: best validation ROUGE-L F1 %.2f in %s (%.1f min)\n", 100 * best,
                 files::model(dir).c_str(), elapsed() / 60.0);
  return 0;
}

int train_command(const TrainOptions& o) {
#ifdef SUMMARIZE_MPI
  // under mpirun: one rank of a data-parallel run
  if (genattn::MpiSession::launched()) {
    genattn::MpiSession session(nullptr, nullptr);
    genattn::MpiCommunicator world;
    if (world.size() > 1) {
      try {
        return train_on_ranks(o, &world);
      } catch (const genattn::RanksDiffer& e) {
        // every rank found it at the same point: rank 0 says it, all end
        if (world.rank() == 0) std::fprintf(stderr, "summarize: %s\n", e.what());
        return 1;
      } catch (const std::exception& e) {
        // the other ranks may wait for this one in a collective call: end them all
        std::fprintf(stderr, "summarize: rank %d of %d: %s\n", world.rank(), world.size(), e.what());
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 1);
      }
    }
  }
#else
  if (const char* size = std::getenv("OMPI_COMM_WORLD_SIZE"); size != nullptr && std::atoi(size) > 1)
    throw InputError("this summarize was built without MPI (libopenmpi-dev was not found): each of the " +
                     std::string(size) + " processes would train a model of its own; rebuild with MPI or run one process");
#endif
  return train_on_ranks(o, nullptr);
}

}  // namespace summarize
