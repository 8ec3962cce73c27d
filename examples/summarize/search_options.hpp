// examples/summarize/search_options.hpp: the decoding flags `eval`,
// `summarize` and `serve` share (every option of genattn::SearchConfig, the
// batching, threads and the weights' precision).
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <string>

#include "summarizer.hpp"
#include "validators.hpp"

namespace summarize {

inline void add_search_options(CLI::App* app, DecodeOptions& o) {
  using genattn::CoveragePenalty;
  using genattn::LengthPenalty;
  using genattn::UnknownPolicy;
  auto& s = o.search;
  // beam search's defaults, chosen on the validation split (README,
  // "Search defaults"): average length penalty, no repeated trigram, and
  // <unk> banned for a copy model (it copies the word instead), replaced
  // by the most attended source word otherwise
  s.beam = 1;
  s.max_length = 30;
  s.length_penalty = LengthPenalty::average;
  s.block_ngram = 3;
  s.unknown = UnknownPolicy::automatic;
  app->add_option("--beam", s.beam, "beam size (1: greedy)")->check(CLI::Range(1, 1000))->capture_default_str();
  app->add_option("--n-best", s.n_best, "summaries per document (at most --beam)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app->add_option("--groups", s.groups, "diverse beam search: groups of --beam / --groups hypotheses (1: plain beam)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app->add_option("--diversity", s.diversity, "diverse beam search's penalty per earlier group that chose a word")
      ->check(non_negative_finite)
      ->capture_default_str();
  app->add_option("--length-penalty", s.length_penalty, "none, average or gnmt")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, LengthPenalty>{{"none", LengthPenalty::none},
                                               {"average", LengthPenalty::average},
                                               {"gnmt", LengthPenalty::gnmt}}))
      ->default_str("average");
  app->add_option("--alpha", s.alpha, "GNMT length penalty exponent")->check(finite_number)->capture_default_str();
  app->add_option("--coverage-penalty", s.coverage_penalty, "none, gnmt or summary")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, CoveragePenalty>{{"none", CoveragePenalty::none},
                                                 {"gnmt", CoveragePenalty::gnmt},
                                                 {"summary", CoveragePenalty::summary}}))
      ->default_str("none");
  app->add_option("--beta", s.beta, "coverage penalty weight")->check(finite_number)->capture_default_str();
  app->add_option("--min-length", s.min_length, "tokens before </s> may end a summary")
      ->check(non_negative_count)
      ->capture_default_str();
  app->add_option("--max-length", s.max_length, "tokens at most (also capped by the model's training maximum)")
      ->check(positive_count)
      ->capture_default_str();
  app->add_option("--min-ratio", s.min_ratio, "at least ceil(ratio * source tokens) (0: off)")
      ->check(non_negative_finite);
  app->add_option("--max-ratio", s.max_ratio, "at most ceil(ratio * source tokens) (0: off)")
      ->check(non_negative_finite);
  app->add_option("--block-ngram", s.block_ngram, "no n-gram of this size repeats in a summary (0: off)")
      ->check(non_negative_count)
      ->capture_default_str();
  app->add_option("--unknown", s.unknown,
                  "allow, ban, or replace <unk> by the most attended source word; auto: ban for a copy model, else replace")
      ->transform(CLI::CheckedTransformer(std::map<std::string, UnknownPolicy>{{"allow", UnknownPolicy::allow},
                                                                              {"ban", UnknownPolicy::ban},
                                                                              {"replace", UnknownPolicy::replace},
                                                                              {"auto", UnknownPolicy::automatic}}))
      ->default_str("auto");
  app->add_flag("--sample", o.sample, "sample instead of greedy or beam search");
  app->add_option("--temperature", s.temperature, "sampling temperature")->check(positive);
  app->add_option("--top-k", s.top_k, "sample from the k likeliest words (0: all)")->check(non_negative_count);
  app->add_option("--top-p", s.top_p, "sample from the smallest set reaching this probability")
      ->check(number_in(0.0, 1.0));
  app->add_option("--seed", s.seed, "sampling seed")->check(seed_number)->capture_default_str();
  app->add_option("--batch-size", o.batch_size, "documents decoded together")
      ->check(positive_count)
      ->capture_default_str();
  app->add_option("--threads", o.threads,
                  "decoding threads: batches at once, and a batch split when batches are fewer (0: one per core)")->check(thread_count);
  app->add_option_function<std::string>(
         "--precision", [&o](const std::string& name) { o.precision = genattn::parse_precision(name); },
         "the weights' number format while decoding: float, bf16 or int8 (quantized when the model loads; "
         "default: the model's own, float unless `summarize quantize` wrote it)")
      ->check(CLI::IsMember({"float", "bf16", "int8"}));
}

}  // namespace summarize
