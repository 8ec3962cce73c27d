// genattn/pipeline/text_model.hpp: a trained text-to-text model (a network,
// its two vocabularies, its tokenizer and text settings), loaded from a model
// directory, and turning documents into summaries: text in, text out.
//
//   const genattn::TextModel m = genattn::TextModel::load("model-dir");
//   genattn::SearchConfig search;
//   search.beam = 5;
//   for (const auto& s : m.summarize({"first document ...", "second ..."}, search))
//     std::cout << s.texts.front() << "  (" << s.hypotheses.front().score << ")\n";
//
// A model directory (what `summarize train` writes) holds
//   model.ckpt     the best network so far (config, weights) and the words
//                  below: the text settings and both vocabularies' hashes
//   last.ckpt      the newest training state (for resuming)
//   source.vocab   the document vocabulary; target.vocab  the summary one
//   checkpoints/   with `train --keep-checkpoints K`: the last K saved
//                  networks, model-000001.ckpt, ... (kept_checkpoints.hpp)
// A model never decodes with a vocabulary other than its own: model.ckpt
// stores the FNV-1a hash of each vocabulary file and load() compares them.
//
// For each document, summarize(): tokenizes it (the model's tokenizer and
// lower-casing), cuts it at the model's max_source tokens, encodes it with
// the source vocabulary (a copy model: also its own words past the target
// vocabulary), decodes in batches of similar length (greedy, beam or
// sampling; batches on threads at once), maps a copied id back to the
// document's word, replaces <unk> from the attention when the search asks,
// and detokenizes. Results come back in input order.
//
// Threads: a loaded TextModel is immutable, and summarize() keeps its state
// in its own call, so one model serves many threads at once.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "genattn/core/file.hpp"
#include "genattn/core/parallel.hpp"
#include "genattn/decode/ensemble.hpp"
#include "genattn/decode/search.hpp"
#include "genattn/pipeline/extended_vocabulary.hpp"
#include "genattn/seq2seq/batch.hpp"
#include "genattn/text/tokenizer.hpp"
#include "genattn/text/utf8.hpp"
#include "genattn/text/vocabulary.hpp"
#include "genattn/train/checkpoint.hpp"
#include "genattn/train/trainer.hpp"

GENATTN_NAMESPACE_BEGIN

/// A model directory, its files, or a document a text model cannot take;
/// the message names the file or the document.
class TextModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The files of a model directory.
namespace model_files {
inline std::string model(const std::string& dir) { return dir + "/model.ckpt"; }
inline std::string last(const std::string& dir) { return dir + "/last.ckpt"; }
inline std::string source_vocab(const std::string& dir) { return dir + "/source.vocab"; }
inline std::string target_vocab(const std::string& dir) { return dir + "/target.vocab"; }
/// The last checkpoints training keeps (pipeline/kept_checkpoints.hpp).
inline std::string checkpoints(const std::string& dir) { return dir + "/checkpoints"; }
}  // namespace model_files

/// Text settings saved with the model.
struct TextSettings {
  Index max_source = 100;  ///< document tokens kept (the rest is cut and counted)
  Index max_target = 24;   ///< summary tokens, </s> included
  bool lowercase = true;
  /// Documents begin with a title and " | " (summarize train --package-name:
  /// the package's name). The library reads a document as given; the flag,
  /// saved with the model, tells a caller to build documents so. Saved only
  /// when set: other models' files are as before, and a file without it
  /// reads as untitled.
  bool titled = false;
};

/// The words model.ckpt stores besides the network.
inline std::vector<std::pair<std::string, std::uint64_t>> text_model_words(const TextSettings& t,
                                                                           std::uint64_t source_hash,
                                                                           std::uint64_t target_hash) {
  std::vector<std::pair<std::string, std::uint64_t>> words{{"text.max_source", static_cast<std::uint64_t>(t.max_source)},
                                                             {"text.max_target", static_cast<std::uint64_t>(t.max_target)},
                                                             {"text.lowercase", t.lowercase ? 1u : 0u},
                                                             {"source_vocab_hash", source_hash},
                                                             {"target_vocab_hash", target_hash}};
  if (t.titled) words.emplace_back("text.titled", 1u);
  return words;
}

/// The FNV-1a hash of a file's bytes (a vocabulary's, for model.ckpt).
inline std::uint64_t file_hash(const std::string& path) { return fnv1a64(read_file(path)); }

/// What summarize() cut of the documents it read.
struct TruncationCount {
  std::size_t documents = 0, tokens = 0;
};

/// Token ids of a document's tokens, cut at `max` tokens (counted in `cut`
/// when given).
inline TokenIds encode_tokens(const Vocabulary& vocab, const std::vector<std::string>& tokens, Index max,
                              TruncationCount* cut) {
  const auto n = std::min(tokens.size(), static_cast<std::size_t>(max));
  if (cut != nullptr && tokens.size() > n) {
    ++cut->documents;
    cut->tokens += tokens.size() - n;
  }
  return vocab.encode(std::vector<std::string>(tokens.begin(), tokens.begin() + static_cast<long>(n)));
}

/// How summarize() decodes.
struct DecodeOptions {
  SearchConfig search;
  bool sample = false;     ///< sampling instead of greedy or beam
  Index batch_size = 32;   ///< documents decoded together (fewer with a wide beam: see max_hypotheses)
  int threads = 0;         ///< decoding threads: batches at once, fewer batches split (0: one per core)
  /// The weights' number format (core/precision.hpp), quantized when
  /// summarize() packs them (not when `packed` is given: its own holds);
  /// unset: the model's own (TextModel::precision).
  std::optional<Precision> precision;
  /// The model's weights packed once (TextModel::pack), for a caller that
  /// summarizes again and again (a server); null: each call packs them.
  const Seq2Seq<float>::Packed* packed = nullptr;
};

/// A document's summaries (best first) with their alignments.
struct Summaries {
  std::vector<std::string> source_tokens;   ///< as the model saw them (after the cut)
  std::vector<Hypothesis<float>> hypotheses;  ///< tokens, score, log P and the alignment of each
  std::vector<std::vector<std::string>> words;  ///< per hypothesis: its tokens, <unk> replaced when asked
  std::vector<std::string> texts;               ///< the words detokenized
};

struct TextModel;

namespace detail {
/// What TextModel::summarize and TextEnsemble::summarize run: the documents
/// decoded by `members` as one (one member: that model; more: an
/// EnsembleDecoder over them, decode/ensemble.hpp), with `search` resolved
/// already. packs[m]: member m's packed weights (null: packed here, at
/// options.precision or the member's own).
inline std::vector<Summaries> summarize_members(const std::vector<const TextModel*>& members,
                                                const std::vector<const Seq2Seq<float>::Packed*>& packs,
                                                const SearchConfig& search, const std::vector<std::string>& documents,
                                                const DecodeOptions& options, TruncationCount* cut,
                                                const std::function<std::string(std::size_t)>& where);
}  // namespace detail

/// A trained network with its vocabularies, text settings and tokenizer.
/// Its members are public so that a trainer can assemble one around the
/// parameters it trains (and decode a validation set with them); load()
/// reads one from a model directory with every check.
struct TextModel {
  Seq2Seq<float> model;
  ParamBuffer<float> params;
  Vocabulary source, target;
  TextSettings text;
  Tokenizer tokenizer;
  /// The precision the checkpoint stores its weights at (summarize
  /// quantize): decoding's default.
  Precision precision = Precision::float32;

  /// Hypotheses decoded at once, at most: a batch holds batch x beam of them
  /// (their states, and the alignments of the n-best kept).
  static constexpr Index max_hypotheses = 512;

  /// Loads a model directory for decoding; TextModelError saying what is
  /// wrong (no
  /// directory, a corrupt or truncated file, another format version, another
  /// vocabulary). A quantized model's weights stay at their precision:
  /// `params` holds them encoded (core/params.hpp), packs them for int8 or
  /// bf16 products with no float copy and widens them for float ones, and
  /// does not train (its flat() is refused).
  static TextModel load(const std::string& dir) {
    if (!std::filesystem::is_directory(dir))
      throw TextModelError(dir + " is not a model directory (summarize train --model " + dir + " makes one)");
    const std::string path = model_files::model(dir);
    if (!std::filesystem::exists(path))
      throw TextModelError(dir + " holds no model.ckpt yet (training writes it after the first validation)");
    try {
      Checkpoint c;  // the config and trainer state
      auto loaded = [&] {
        std::string bytes;
        try {
          bytes = read_file(path, "checkpoint");
        } catch (const FileError& e) {
          throw CheckpointError(e.what());
        }
        return load_model_for_decoding<float>(bytes, path, c);
      }();
      const std::string sv = model_files::source_vocab(dir), tv = model_files::target_vocab(dir);
      Vocabulary source = Vocabulary::load(sv), target = Vocabulary::load(tv);
      if (c.state_word("source_vocab_hash") != file_hash(sv))
        throw TextModelError(path + " was trained with another source vocabulary than " + sv);
      if (c.state_word("target_vocab_hash") != file_hash(tv))
        throw TextModelError(path + " was trained with another target vocabulary than " + tv);
      if (source.size() != loaded.model.config().src_vocab || target.size() != loaded.model.config().tgt_vocab)
        throw TextModelError(path + ": the vocabulary sizes do not match the network's");
      TextSettings text;
      text.max_source = static_cast<Index>(c.state_word("text.max_source"));
      text.max_target = static_cast<Index>(c.state_word("text.max_target"));
      text.lowercase = c.state_word("text.lowercase") != 0;
      text.titled = c.find_state_word("text.titled").value_or(0) != 0;
      if (text.max_source < 1 || text.max_target < 2) throw TextModelError(path + ": invalid text settings");
      TokenizerConfig tc;
      tc.lowercase = text.lowercase;
      return {std::move(loaded.model), std::move(loaded.params), std::move(source), std::move(target), text,
              Tokenizer(tc), checkpoint_precision(c)};
    } catch (const TextModelError&) {
      throw;
    } catch (const CheckpointError& e) {
      // the reader's own errors name the file; a missing trainer word does not
      const std::string what = e.what();
      throw TextModelError(what.find(path) == std::string::npos ? path + ": " + what : what);
    } catch (const std::exception& e) {  // file and vocabulary errors (they name their file)
      throw TextModelError(e.what());
    }
  }

  /// The longest summary the model can give, in tokens: it was trained on
  /// summaries of at most max_target - 1 tokens and </s>.
  Index longest_summary() const { return text.max_target - 1; }

  /// The weights packed for decoding, to pass in DecodeOptions::packed: a
  /// caller that summarizes many times packs them once (the output layer's
  /// V x H alone is megabytes), at precision `at` (bf16 and int8: about a
  /// half and a quarter of the bytes; unset: the model's own). They hold the
  /// parameters' version, so decoding refuses them once the parameters have
  /// been written since.
  Seq2Seq<float>::Packed pack(std::optional<Precision> at = {}) const {
    return model.pack(params, at.value_or(precision));
  }

  /// The search summarize() runs for `search`: max_length capped at
  /// longest_summary(), UnknownPolicy::automatic made this model's (ban
  /// for a copy model, else replace), then validated. TextModelError for a min_length
  /// above the cap; std::invalid_argument for an invalid search.
  SearchConfig search_for(const SearchConfig& search) const {
    return resolve_search(search, longest_summary(), model.config().copy);
  }

  /// resolve_search for a decoder whose longest summary is `cap` tokens and
  /// that can copy (`copy`) or not.
  static SearchConfig resolve_search(const SearchConfig& search, Index cap, bool copy) {
    SearchConfig s = search;
    if (s.min_length > std::min(s.max_length, cap))
      throw TextModelError("min_length " + std::to_string(s.min_length) + " is above the longest summary allowed, " +
                           (s.max_length <= cap ? "max_length " + std::to_string(s.max_length)
                                                : "the model's limit of " + std::to_string(cap) + " tokens"));
    s.max_length = std::min(s.max_length, cap);
    if (s.unknown == UnknownPolicy::automatic) s.unknown = copy ? UnknownPolicy::ban : UnknownPolicy::replace;
    s.validate();
    return s;
  }

  /// A document's tokens as the model reads them, before the cut at
  /// max_source. TextModelError "`name`: ..." for invalid UTF-8 or a
  /// document with no words.
  std::vector<std::string> document_tokens(const std::string& document, const std::string& name) const {
    try {
      utf8_decode(document, InvalidUtf8::reject);
    } catch (const std::invalid_argument& e) {
      throw TextModelError(name + ": " + e.what());
    }
    auto tokens = tokenizer.tokenize(document);
    if (tokens.empty()) throw TextModelError(name + ": the document has no words");
    return tokens;
  }

  /// Summarizes documents (plain UTF-8 text each; see the file comment).
  /// The search is search_for(options.search). TextModelError for a
  /// document with no words, invalid UTF-8 or a min_length above the cap;
  /// `where(i)` names document i in it (default: "document i+1").
  std::vector<Summaries> summarize(const std::vector<std::string>& documents, const DecodeOptions& options,
                                   TruncationCount* cut = nullptr,
                                   const std::function<std::string(std::size_t)>& where = {}) const {
    return detail::summarize_members({this}, {options.packed}, search_for(options.search), documents, options, cut,
                                     where);
  }

  /// The same with the search alone (batches of 32, one thread per core).
  std::vector<Summaries> summarize(const std::vector<std::string>& documents, const SearchConfig& search) const {
    DecodeOptions options;
    options.search = search;
    return summarize(documents, options);
  }
};

namespace detail {

inline std::vector<Summaries> summarize_members(const std::vector<const TextModel*>& members,
                                                const std::vector<const Seq2Seq<float>::Packed*>& packs,
                                                const SearchConfig& search, const std::vector<std::string>& documents,
                                                const DecodeOptions& options, TruncationCount* cut,
                                                const std::function<std::string(std::size_t)>& where) {
  auto name = [&](std::size_t i) { return where ? where(i) : "document " + std::to_string(i + 1); };
  const std::size_t M = members.size();
  check_arg(M >= 1 && packs.size() == M, "summarize", "expected one pack (or null) per member");
  const TextModel& first = *members.front();
  // the members share the tokenizer, the cut and the target vocabulary
  // (TextEnsemble checks); each encodes the tokens with its own source
  // vocabulary. Any member that copies makes the documents' own words ids.
  bool copy = false;
  for (const TextModel* m : members) copy = copy || m->model.config().copy;
  std::vector<Summaries> out(documents.size());
  std::vector<std::vector<TokenIds>> ids(M, std::vector<TokenIds>(documents.size()));  // per member
  std::vector<ExtendedVocabulary> extended;  // copy: each document's own words after the vocabulary
  for (std::size_t i = 0; i < documents.size(); ++i) {
    auto tokens = first.document_tokens(documents[i], name(i));
    for (std::size_t m = 0; m < M; ++m)
      ids[m][i] = encode_tokens(members[m]->source, tokens, first.text.max_source, m == 0 ? cut : nullptr);
    tokens.resize(ids[0][i].size());
    out[i].source_tokens = std::move(tokens);
    if (copy) extended.emplace_back(first.target, out[i].source_tokens);
  }
  std::vector<std::size_t> order(documents.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return ids[0][a].size() < ids[0][b].size(); });
  // A generic build decodes the same bits in any batch
  // (decode/search_test: BatchedEqualsEachSentenceAlone); a -march=native
  // one (FMA) can round differently with another batch size: measured, the
  // 4th decimal of a score and the order of tied hypotheses.
  const Index beam = options.sample ? 1 : std::max<Index>(1, search.beam);
  const auto bs = static_cast<std::size_t>(
      std::max<Index>(1, std::min<Index>(options.batch_size, TextModel::max_hypotheses / beam)));
  const std::size_t batches = (order.size() + bs - 1) / bs;
  // Batch k: one decoder (memory and workspace) per batch and member; the
  // models, their parameters and their packed copies are shared read-only,
  // so batches decode on threads at once. Fewer batches than threads: each
  // decoder splits its steps among the threads left over.
  std::vector<Seq2Seq<float>::Packed> own(M);
  std::vector<const Seq2Seq<float>::Packed*> packed(M);
  for (std::size_t m = 0; m < M; ++m) {
    if (packs[m] == nullptr) own[m] = members[m]->pack(options.precision);
    packed[m] = packs[m] != nullptr ? packs[m] : &own[m];
  }
  const std::size_t threads = options.threads > 0 ? static_cast<std::size_t>(options.threads)
                                                  : std::max(1u, std::thread::hardware_concurrency());
  const std::size_t workers = std::min(batches, threads);
  const int decoder_threads = static_cast<int>(std::max<std::size_t>(1, threads / std::max<std::size_t>(1, workers)));
  auto run = [&](auto& dec, std::size_t k) {
    std::vector<std::vector<Hypothesis<float>>> found;
    if (options.sample) {
      SearchConfig seeded = search;
      seeded.seed = search.seed + k;  // each batch its own stream, whatever thread runs it
      for (auto& h : sample(dec, seeded)) found.push_back({std::move(h)});
    } else if (search.beam == 1) {
      for (auto& h : greedy_search(dec, search)) found.push_back({std::move(h)});
    } else {
      found = beam_search(dec, search);
    }
    return found;
  };
  auto decode_batch = [&](std::size_t k) {
    const std::size_t start = k * bs, end = std::min(order.size(), start + bs);
    std::vector<Seq2SeqBatch> batch;  // per member
    for (std::size_t m = 0; m < M; ++m) {
      const bool copies = members[m]->model.config().copy;
      std::vector<TokenIds> src, src_ext;
      for (std::size_t i = start; i < end; ++i) {
        src.push_back(ids[m][order[i]]);
        if (copies) src_ext.push_back(extended[order[i]].source_ids());
      }
      const std::vector<TokenIds> no_targets(src.size());
      batch.push_back(copies ? make_copy_batch(src, src_ext, no_targets, members[m]->target.size())
                             : make_batch(src, no_targets));
    }
    auto decoder = [&](std::size_t m) {
      const Seq2SeqBatch& b = batch[m];
      return std::make_unique<Seq2SeqDecoder<float>>(members[m]->model, members[m]->params, b.src, b.src_lengths,
                                                     b.src_ext, packed[m], decoder_threads);
    };
    std::vector<std::vector<Hypothesis<float>>> found;
    if (M == 1) {
      found = run(*decoder(0), k);
    } else {
      std::vector<std::unique_ptr<Seq2SeqDecoder<float>>> decoders;
      for (std::size_t m = 0; m < M; ++m) decoders.push_back(decoder(m));
      EnsembleDecoder<Seq2SeqDecoder<float>> dec(std::move(decoders));
      found = run(dec, k);
    }
    for (std::size_t i = start; i < end; ++i) out[order[i]].hypotheses = std::move(found[i - start]);
  };
  std::atomic<std::size_t> next{0};
  parallel_for(static_cast<Index>(workers), [&](Index) {
    for (std::size_t k; (k = next++) < batches;) decode_batch(k);
  });
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& d = out[i];
    for (const auto& h : d.hypotheses) {
      // a copy model's ids above the vocabulary are the document's own words
      std::vector<std::string> words = copy ? extended[i].decode(h.tokens) : first.target.decode(h.tokens);
      if (search.unknown == UnknownPolicy::replace)
        words = replace_unknown(words, h, d.source_tokens, Vocabulary::specials[1]);
      d.texts.push_back(Tokenizer::detokenize(words));
      d.words.push_back(std::move(words));
    }
  }
  return out;
}

}  // namespace detail

/// The sizes quantize_model() saw: model.ckpt before and after, in bytes.
struct QuantizedSizes {
  std::uintmax_t before = 0, after = 0;
};

namespace detail {
/// Writes model directory `out` (made if missing) from model directory
/// `dir`: the network `make()` returns and `dir`'s two vocabularies, each
/// file to a temporary and renamed. `dir` is loaded with every check first;
/// `out` being `dir` is refused ("... is the model directory itself: " +
/// `advice`). TextModelError in one line (make()'s own pass as they are;
/// checkpoint and file errors name their file).
template <class Make>
void derive_model_dir(const std::string& dir, const std::string& out, const std::string& advice, Make&& make) {
  namespace fs = std::filesystem;
  (void)TextModel::load(dir);  // a model that loads, with its vocabularies
  std::error_code ec;
  if (fs::exists(out, ec) && fs::equivalent(dir, out, ec))
    throw TextModelError(out + " is the model directory itself: " + advice);
  try {
    const Checkpoint c = make();
    fs::create_directories(out);
    for (const auto& [from, to] : {std::pair{model_files::source_vocab(dir), model_files::source_vocab(out)},
                                   std::pair{model_files::target_vocab(dir), model_files::target_vocab(out)}})
      write_file_atomically(to, read_file(from, "vocabulary"), "vocabulary");
    save_checkpoint(model_files::model(out), c);
  } catch (const fs::filesystem_error& e) {
    throw TextModelError(out + ": " + e.code().message());
  } catch (const TextModelError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw TextModelError(e.what());
  }
}
}  // namespace detail

/// Writes the model directory `dir` to `out` with its weights stored at
/// `precision` (quantize_checkpoint: model.ckpt about a half (bf16) or a
/// quarter (int8) of the float file, without the optimizer's state) and its
/// two vocabularies; TextModel::load(out) then decodes at that precision by
/// default. Each file is written to a temporary and renamed. `dir` is
/// loaded with every check first; `out` must not be `dir` (the float model
/// is kept). TextModelError saying what is wrong.
inline QuantizedSizes quantize_model(const std::string& dir, const std::string& out, Precision precision) {
  const std::string path = model_files::model(dir);
  detail::derive_model_dir(dir, out, "quantize into another one (the float model is kept)", [&] {
    Checkpoint c = load_checkpoint(path);
    quantize_checkpoint(c, precision);
    return c;
  });
  return {std::filesystem::file_size(path), std::filesystem::file_size(model_files::model(out))};
}

GENATTN_NAMESPACE_END
