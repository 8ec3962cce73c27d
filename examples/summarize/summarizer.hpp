// examples/summarize/summarizer.hpp: a trained summarizer on disk and in
// memory, and turning documents into summaries.
//
// A model directory holds
//   model.ckpt     the best network so far (config, weights) and the words
//                  below: the text settings and both vocabularies' hashes
//   last.ckpt      the newest training state (for --resume)
//   source.vocab   the document vocabulary; target.vocab  the summary one
// A model never decodes with a vocabulary other than its own: model.ckpt
// stores the FNV-1a hash of each vocabulary file and loading compares them.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <numeric>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <genattn/genattn.hpp>

#include "corpus.hpp"

namespace summarize {

namespace files {
inline std::string model(const std::string& dir) { return dir + "/model.ckpt"; }
inline std::string last(const std::string& dir) { return dir + "/last.ckpt"; }
inline std::string source_vocab(const std::string& dir) { return dir + "/source.vocab"; }
inline std::string target_vocab(const std::string& dir) { return dir + "/target.vocab"; }
}  // namespace files

/// Text settings saved with the model.
struct TextSettings {
  genattn::Index max_source = 100;  ///< document tokens kept (the rest is cut and counted)
  genattn::Index max_target = 24;   ///< summary tokens, </s> included
  bool lowercase = true;
};

/// A loaded summarizer.
struct Summarizer {
  genattn::Seq2Seq<float> model;
  genattn::ParamBuffer<float> params;
  genattn::Vocabulary source, target;
  TextSettings text;
  genattn::Tokenizer tokenizer;
};

/// The words model.ckpt stores besides the network.
inline std::vector<std::pair<std::string, std::uint64_t>> model_words(const TextSettings& t, std::uint64_t source_hash,
                                                                      std::uint64_t target_hash) {
  return {{"text.max_source", static_cast<std::uint64_t>(t.max_source)},
          {"text.max_target", static_cast<std::uint64_t>(t.max_target)},
          {"text.lowercase", t.lowercase ? 1u : 0u},
          {"source_vocab_hash", source_hash},
          {"target_vocab_hash", target_hash}};
}

/// The FNV-1a hash of a vocabulary file's bytes.
inline std::uint64_t file_hash(const std::string& path) { return genattn::fnv1a64(read_bytes(path)); }

/// Loads a model directory; InputError saying what is wrong (no directory, a
/// corrupt or truncated file, another format version, another vocabulary).
inline Summarizer load_summarizer(const std::string& dir) {
  if (!std::filesystem::is_directory(dir))
    throw InputError(dir + " is not a model directory (train one with: summarize train --model " + dir + " ...)");
  const std::string path = files::model(dir);
  if (!std::filesystem::exists(path))
    throw InputError(dir + " holds no model.ckpt yet (training writes it after the first validation)");
  try {
    const genattn::Checkpoint c = genattn::load_checkpoint(path);
    auto loaded = genattn::load_model<float>(c, path);
    const std::string sv = files::source_vocab(dir), tv = files::target_vocab(dir);
    genattn::Vocabulary source = genattn::Vocabulary::load(sv), target = genattn::Vocabulary::load(tv);
    if (c.state_word("source_vocab_hash") != file_hash(sv))
      throw InputError(path + " was trained with another source vocabulary than " + sv);
    if (c.state_word("target_vocab_hash") != file_hash(tv))
      throw InputError(path + " was trained with another target vocabulary than " + tv);
    if (source.size() != loaded.model.config().src_vocab || target.size() != loaded.model.config().tgt_vocab)
      throw InputError(path + ": the vocabulary sizes do not match the network's");
    TextSettings text;
    text.max_source = static_cast<genattn::Index>(c.state_word("text.max_source"));
    text.max_target = static_cast<genattn::Index>(c.state_word("text.max_target"));
    text.lowercase = c.state_word("text.lowercase") != 0;
    if (text.max_source < 1 || text.max_target < 2) throw InputError(path + ": invalid text settings");
    genattn::TokenizerConfig tc;
    tc.lowercase = text.lowercase;
    return {std::move(loaded.model), std::move(loaded.params), std::move(source), std::move(target), text,
            genattn::Tokenizer(tc)};
  } catch (const InputError&) {
    throw;
  } catch (const genattn::CheckpointError& e) {
    // the reader's own errors name the file; a missing trainer word does not
    const std::string what = e.what();
    throw InputError(what.find(path) == std::string::npos ? path + ": " + what : what);
  } catch (const std::exception& e) {  // vocabulary errors (they name their file)
    throw InputError(e.what());
  }
}

/// What encoding a set of documents cut.
struct TruncationCount {
  std::size_t documents = 0, tokens = 0;
};

/// Token ids of a document, cut at `max` tokens (counted in `cut`).
inline genattn::TokenIds encode_text(const genattn::Vocabulary& vocab, const std::vector<std::string>& tokens,
                                     genattn::Index max, TruncationCount* cut) {
  const auto n = std::min(tokens.size(), static_cast<std::size_t>(max));
  if (cut != nullptr && tokens.size() > n) {
    ++cut->documents;
    cut->tokens += tokens.size() - n;
  }
  return vocab.encode(std::vector<std::string>(tokens.begin(), tokens.begin() + static_cast<long>(n)));
}

/// How to decode.
/// Hypotheses decoded at once, at most (summarize_documents).
inline constexpr genattn::Index max_hypotheses = 512;

struct DecodeOptions {
  genattn::SearchConfig search;
  bool sample = false;             ///< sampling instead of greedy or beam
  genattn::Index batch_size = 32;  ///< documents decoded together
  int threads = 0;                 ///< decoding threads: batches at once, fewer batches split (0: one per core)
};

/// A document's summaries (best first) with their alignments.
struct Summaries {
  std::vector<std::string> source_tokens;  ///< as the model saw them (after the cut)
  std::vector<genattn::Hypothesis<float>> hypotheses;
  std::vector<std::vector<std::string>> words;  ///< per hypothesis: its tokens, <unk> replaced when asked
  std::vector<std::string> texts;               ///< the words detokenized
};

/// Summarizes documents (plain text each). Documents are decoded in batches of
/// similar length; results come back in input order. `where(i)` names
/// document i in errors ("stdin:3").
template <class Where>
std::vector<Summaries> summarize_documents(const Summarizer& s, const std::vector<std::string>& documents,
                                           const DecodeOptions& options, TruncationCount& cut, Where where) {
  using genattn::Index;
  genattn::SearchConfig search = options.search;
  const genattn::Index cap = s.text.max_target - 1;  // the model was trained on summaries of at most this many tokens
  if (search.min_length > std::min(search.max_length, cap))
    throw InputError("--min-length " + std::to_string(search.min_length) + " is above the longest summary allowed, " +
                     (search.max_length <= cap ? "--max-length " + std::to_string(search.max_length)
                                               : "the model's limit of " + std::to_string(cap) +
                                                     " tokens (it was trained with --max-target " +
                                                     std::to_string(s.text.max_target) + ", </s> included)"));
  search.max_length = std::min(search.max_length, cap);
  search.validate();
  std::vector<Summaries> out(documents.size());
  std::vector<genattn::TokenIds> ids(documents.size());
  const bool copy = s.model.config().copy;
  std::vector<genattn::ExtendedVocabulary> extended;  // copy: each document's own words after the vocabulary
  for (std::size_t i = 0; i < documents.size(); ++i) {
    auto tokens = s.tokenizer.tokenize(documents[i]);
    if (tokens.empty()) throw InputError(where(i) + ": the document has no words");
    ids[i] = encode_text(s.source, tokens, s.text.max_source, &cut);
    tokens.resize(ids[i].size());
    out[i].source_tokens = std::move(tokens);
    if (copy) extended.emplace_back(s.target, out[i].source_tokens);
  }
  std::vector<std::size_t> order(documents.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ids[a].size() < ids[b].size(); });
  // Memory: a batch holds batch x beam hypotheses (their states, and the
  // alignments of the n-best kept), so the batch shrinks as the beam grows:
  // at most max_hypotheses at once. A generic build decodes the same bits in
  // any batch (decode/search_test: BatchedEqualsEachSentenceAlone); a
  // -march=native one (FMA) can round differently with another batch size:
  // measured, the 4th decimal of a score and the order of tied hypotheses.
  const genattn::Index beam = options.sample ? 1 : std::max<genattn::Index>(1, search.beam);
  const auto bs = static_cast<std::size_t>(
      std::max<genattn::Index>(1, std::min<genattn::Index>(options.batch_size, max_hypotheses / beam)));
  const std::size_t batches = (order.size() + bs - 1) / bs;
  // Batch k: one decoder (memory and workspace) per batch; the model, its
  // parameters and their packed copy are shared read-only, so batches decode
  // on threads at once. Fewer batches than threads: each decoder splits its
  // steps among the threads left over.
  const auto packed = s.model.pack(s.params);
  const std::size_t threads =
      options.threads > 0 ? static_cast<std::size_t>(options.threads) : std::max(1u, std::thread::hardware_concurrency());
  const std::size_t workers = std::min(batches, threads);
  const int decoder_threads = static_cast<int>(std::max<std::size_t>(1, threads / std::max<std::size_t>(1, workers)));
  auto decode_batch = [&](std::size_t k) {
    const std::size_t start = k * bs, end = std::min(order.size(), start + bs);
    std::vector<genattn::TokenIds> src, src_ext;
    for (std::size_t i = start; i < end; ++i) {
      src.push_back(ids[order[i]]);
      if (copy) src_ext.push_back(extended[order[i]].source_ids());
    }
    const std::vector<genattn::TokenIds> no_targets(src.size());
    const genattn::Seq2SeqBatch batch = copy ? genattn::make_copy_batch(src, src_ext, no_targets, s.target.size())
                                             : genattn::make_batch(src, no_targets);
    genattn::Seq2SeqDecoder<float> dec(s.model, s.params, batch.src, batch.src_lengths, batch.src_ext, &packed,
                                       decoder_threads);
    std::vector<std::vector<genattn::Hypothesis<float>>> found;
    if (options.sample) {
      genattn::SearchConfig seeded = search;
      seeded.seed = search.seed + k;  // each batch its own stream, whatever thread runs it
      for (auto& h : genattn::sample(dec, seeded)) found.push_back({std::move(h)});
    } else if (search.beam == 1) {
      for (auto& h : genattn::greedy_search(dec, search)) found.push_back({std::move(h)});
    } else {
      found = genattn::beam_search(dec, search);
    }
    for (std::size_t i = start; i < end; ++i) out[order[i]].hypotheses = std::move(found[i - start]);
  };
  std::atomic<std::size_t> next{0};
  genattn::parallel_for(static_cast<Index>(workers), [&](Index) {
    for (std::size_t k; (k = next++) < batches;) decode_batch(k);
  });
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& d = out[i];
    for (const auto& h : d.hypotheses) {
      // a copy model's ids above the vocabulary are the document's own words
      std::vector<std::string> words = copy ? extended[i].decode(h.tokens) : s.target.decode(h.tokens);
      if (search.unknown == genattn::UnknownPolicy::replace)
        words = genattn::replace_unknown(words, h, d.source_tokens, genattn::Vocabulary::specials[1]);
      d.texts.push_back(genattn::Tokenizer::detokenize(words));
      d.words.push_back(std::move(words));
    }
  }
  return out;
}

}  // namespace summarize
