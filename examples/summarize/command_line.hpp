// examples/summarize/command_line.hpp: the summarizer's command line (CLI11):
// every subcommand, its options and where they land.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "average_command.hpp"
#include "config_reader.hpp"
#include "eval_command.hpp"
#include "quantize_command.hpp"
#include "search_options.hpp"
#include "serve_command.hpp"
#include "summarize_command.hpp"
#include "train_command.hpp"
#include "validators.hpp"

namespace summarize {

struct CommandLine {
  CLI::App app{"genattn summarizer: Debian package descriptions to synopses"};
  std::string translation, prepare_out;
  TrainOptions t;
  EvalOptions e;
  SummarizeOptions s;
  ServeOptions v;
  QuantizeOptions q;
  AverageOptions a;
  std::string hyp, ref;
  bool stem = false, per_line = false;
  CLI::App *prepare = nullptr, *train = nullptr, *eval = nullptr, *summ = nullptr, *serve = nullptr, *score = nullptr,
           *quantize = nullptr, *average = nullptr;

  CommandLine(const CommandLine&) = delete;  // the app points into this object
  CommandLine& operator=(const CommandLine&) = delete;

  CommandLine() {
    app.require_subcommand(1);
    // a name in --config that no option has is an error (the subcommands,
    // added below, inherit this)
    app.allow_config_extras(CLI::config_extras_mode::error);
    // an error is one line, as the commands' own are (CLI11 adds a second)
    app.failure_message([](const CLI::App*, const CLI::Error& error) {
      return "summarize: " + std::string(error.what()) + " (see --help)\n";
    });
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // a repeated flag: the last wins
    // before the subcommand: `summarize --config run.toml train ...`; the file's
    // [train] (or [eval], ...) section holds `name = value` lines named like the
    // long flags; flags on the command line win
    app.set_config("--config", "", "read options from a TOML/INI file: a [train] section of `name = value` lines");
    app.config_formatter(std::make_shared<ConfigReader>(app));

    prepare = app.add_subcommand("prepare", "Translation-en (plain or .lz4) to train/valid/test.tsv");
    prepare->add_option("translation", translation, "a Debian Translation-en index")->required()->check(CLI::ExistingFile);
    prepare->add_option("--out", prepare_out, "output directory")->required();

    train = app.add_subcommand("train", "Train a summarizer on corpus TSV files");
    train->add_option("--train", t.train_path, "training pairs (TSV)")->required()->check(CLI::ExistingFile);
    train->add_option("--valid", t.valid_path, "validation pairs (TSV)")->required()->check(CLI::ExistingFile);
    train->add_option("--model", t.model_dir, "model directory to write")->required();
    auto* resume = train->add_flag("--resume", t.resume, "continue the run saved in the model directory");
    train->add_flag("--restart", t.restart,
                    "start the run in the model directory again, from scratch (its checkpoints are deleted first)")
        ->excludes(resume);
    train->add_option("--embedding", t.embedding, "word embedding size")->check(positive_count)->capture_default_str();
    train->add_option("--hidden", t.hidden, "encoder LSTM units per direction")->check(positive_count)->capture_default_str();
    train->add_option("--decoder-hidden", t.decoder_hidden, "decoder LSTM units (0: 2 x --hidden)")->check(non_negative_count);
    train->add_option("--layers", t.layers, "encoder layers")->check(CLI::Range(1, 8))->capture_default_str();
    train->add_option("--dropout", t.dropout, "dropout on embeddings and the attentional hidden")->check(number_in(0.0, 0.9))->capture_default_str();
    train->add_option("--source-vocab", t.source_vocab, "document words kept (specials included)")->check(CLI::Range(5, 10000000))->capture_default_str();
    train->add_option("--target-vocab", t.target_vocab, "summary words kept (specials included)")->check(CLI::Range(5, 10000000))->capture_default_str();
    train->add_option("--min-count", t.min_count, "a word needs this many occurrences")->check(positive_count)->capture_default_str();
    train->add_option("--max-source", t.text.max_source, "document tokens read (the rest is cut and counted)")->check(positive_count)->capture_default_str();
    train->add_flag("--package-name", t.text.titled, "read each document after its package's name (the TSV's first column; eval reads it there, summarize and serve as PACKAGE<TAB>DESCRIPTION)");
    train->add_option("--max-target", t.text.max_target, "summary tokens, </s> included")->check(CLI::Range(2, 100000))->capture_default_str();
    train->add_option("--batch-size", t.batch_size, "pairs per batch")->check(positive_count)->capture_default_str();
    train->add_option("--lr", t.lr, "Adam learning rate")->check(positive_finite)->capture_default_str();
    train->add_option("--clip", t.clip, "global gradient norm limit (0: none)")->check(non_negative)->capture_default_str();
    train->add_option("--label-smoothing", t.label_smoothing, "label smoothing")->check(number_in(0.0, 0.99));
    train->add_option("--epochs", t.epochs, "epochs at most")->check(positive_count)->capture_default_str();
    train->add_option("--patience", t.patience, "stop after this many validations without a ROUGE-L gain")->check(positive_count)->capture_default_str();
    train->add_option("--max-minutes", t.max_minutes, "stop training after this many minutes (0: no limit)")->check(non_negative);
    train->add_option("--checkpoint-minutes", t.checkpoint_minutes, "save last.ckpt this often")->check(positive)->capture_default_str();
    train->add_option("--threads", t.threads, "threads (0: one per core)")->check(thread_count)->capture_default_str();
    train->add_option("--seed", t.seed, "initialization, shuffling and dropout seed")->check(seed_number)->capture_default_str();
    train->add_option("--noise", t.noise, "corrupt the training documents anew each epoch: word drop, adjacent swaps and typos, each at this rate (seeded by --seed)")->check(unit_rate)->capture_default_str();
    train->add_option_function<std::uint64_t>("--bootstrap", [this](std::uint64_t seed) { t.bootstrap = seed; }, "bagging: train on a bootstrap resample of the training pairs drawn with this seed (the vocabularies come from all of them, so the members of an ensemble share them)")->check(seed_number);
    train->add_option("--keep-checkpoints", t.keep_checkpoints, "keep the last K saved networks in the model directory's checkpoints/ (for summarize average)")->check(non_negative_count)->capture_default_str();
    train->add_option("--valid-limit", t.valid_limit, "validation pairs decoded for ROUGE (0: all)")->check(non_negative_count);
    train->add_option("--log-every", t.log_every, "steps between log lines when stderr is not a terminal")->check(non_negative_count);
    train->add_flag("!--no-progress", t.progress, "plain log lines even on a terminal");
    train->add_flag("--copy", t.copy, "pointer-generator: copy document words, unknown ones too (See et al. 2017)");
    train->add_flag("--coverage", t.coverage, "coverage vector in the attention and coverage loss from the start");
    train->add_option("--coverage-weight", t.coverage_weight, "weight lambda of the coverage loss")->check(non_negative_finite)->capture_default_str();
    train->add_option("--coverage-steps", t.coverage_steps, "two phases: train without coverage, then fine-tune this many updates with it")->check(non_negative_count);

    eval = app.add_subcommand("eval", "Summarize a corpus file and score it (ROUGE-1/2/L, BLEU)");
    eval->add_option("--model", e.model_dirs, "model directory; repeated: an ensemble (the mean of the models' probabilities)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    eval->add_option("--lead", e.lead, "no model: summarize by the first N words (the lead baseline)")->check(positive_count);
    eval->add_option("--data", e.data, "pairs to evaluate (TSV)")->required()->check(CLI::ExistingFile);
    eval->add_option("--out", e.out, "write the summaries here, one a line");
    eval->add_option("--show", e.show, "print this many documents with their reference and summary")->check(non_negative_count);
    eval->add_option("--noise", e.noise, "corrupt the documents first: word drop, adjacent swaps and typos, each at this rate")->check(unit_rate)->capture_default_str();
    eval->add_option("--noise-seed", e.noise_seed, "the corruption's seed")->check(seed_number)->capture_default_str();
    add_search_options(eval, e.decode);

    summ = app.add_subcommand("summarize", "Summarize documents, one a line");
    summ->add_option("--model", s.model_dirs, "model directory; repeated: an ensemble (the mean of the models' probabilities)")
        ->required()
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    summ->add_option("--input", s.input, "documents, one a line (- for stdin)")->capture_default_str();
    summ->add_option("--output", s.output, "write the summaries here (default: stdout)");
    summ->add_option("--attention", s.attention, "draw the alignments into this SVG file");
    add_search_options(summ, s.decode);

    serve = app.add_subcommand("serve", "Serve summaries over HTTP and JSON (POST /v1/summarize, GET /health, GET /metrics)");
    serve->add_option("--model", v.model_dirs, "model directory; repeated: an ensemble (the mean of the models' probabilities)")
        ->required()
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    serve->add_option("--host", v.host, "address to listen on")->capture_default_str();
    serve->add_option("--port", v.port, "port (0: any free one, printed)")->check(CLI::Range(0, 65535))->capture_default_str();
    serve->add_option("--max-batch", v.max_batch, "documents decoded together, at most (1: no batching across requests)")
        ->check(CLI::Range(1, 4096))->capture_default_str();
    serve->add_option("--min-batch", v.min_batch, "documents a batch waits for, up to --max-wait-ms")
        ->check(CLI::Range(1, 4096))->capture_default_str();
    serve->add_option("--max-wait-ms", v.max_wait_ms, "how long a batch waits for requests being read and --min-batch")
        ->check(number_in(0.0, 10000.0))->capture_default_str();
    serve->add_option("--max-queue", v.max_queue, "documents waiting, at most (then 503)")->check(positive_count)->capture_default_str();
    serve->add_option("--max-body-bytes", v.max_body_bytes, "request body size limit (then 413)")->check(positive_count)->capture_default_str();
    serve->add_option("--max-documents", v.max_documents, "documents a request, at most (then 413)")->check(positive_count)->capture_default_str();
    serve->add_option("--max-document-bytes", v.max_document_bytes, "bytes a document, at most (then 413)")->check(positive_count)->capture_default_str();
    serve->add_option("--http-threads", v.http_threads, "connections served at once")->check(CLI::Range(1, 1024))->capture_default_str();
    add_search_options(serve, v.decode);
    serve->remove_option(serve->get_option("--batch-size"));  // --max-batch is the server's

    quantize = app.add_subcommand("quantize", "Store a model's weights at bf16 or int8, in another directory");
    quantize->add_option("--model", q.model_dir, "model directory (float)")->required();
    quantize->add_option_function<std::string>(
                "--to", [this](const std::string& name) { q.to = genattn::parse_precision(name); },
                "bf16 (half the file) or int8 (a quarter: a scale per row, per word for embeddings)")
        ->required()
        ->check(CLI::IsMember({"bf16", "int8"}));
    quantize->add_option("--out", q.out_dir, "directory to write (not --model's)")->required();

    average = app.add_subcommand("average", "Average the weights of a run's last kept checkpoints (train --keep-checkpoints K) into another directory");
    average->add_option("--model", a.model_dir, "model directory trained with --keep-checkpoints")->required();
    average->add_option("--last", a.last, "the newest K kept checkpoints (0: all kept)")->check(non_negative_count)->capture_default_str();
    average->add_option("--out", a.out_dir, "directory to write (not --model's)")->required();

    score = app.add_subcommand("score", "Score hypotheses against references (BLEU, ROUGE-1/2/L) as JSON");
    score->add_option("--hyp", hyp, "hypotheses, one per line")->required()->check(CLI::ExistingFile);
    score->add_option("--ref", ref, "references, one per line")->required()->check(CLI::ExistingFile);
    score->add_flag("--stem", stem, "Porter-stem tokens longer than 3 characters (rouge_score's use_stemmer)");
    score->add_flag("--per-line", per_line, "also print each line's ROUGE scores");
  }
};

}  // namespace summarize
