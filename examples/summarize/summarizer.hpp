// examples/summarize/summarizer.hpp: the summarizer's model, the library's
// text model (genattn/pipeline/text_model.hpp: the model directory, loading
// with its checks, documents in and summaries out), with the command line's
// own wording where it names a flag.
#pragma once

#include <string>
#include <vector>

#include <genattn/genattn.hpp>
#include <genattn/pipeline/text_ensemble.hpp>
#include <genattn/pipeline/text_model.hpp>

#include "corpus.hpp"

namespace summarize {

namespace files {
using genattn::model_files::last;
using genattn::model_files::model;
using genattn::model_files::source_vocab;
using genattn::model_files::target_vocab;
}  // namespace files

using genattn::DecodeOptions;
using genattn::file_hash;  // of a vocabulary file, as model.ckpt stores it
using genattn::Summaries;
using genattn::TextSettings;
using genattn::TruncationCount;
using Summarizer = genattn::TextModel;
using Ensemble = genattn::TextEnsemble;

/// Loads a model directory (TextModel::load); its errors are the user's.
inline Summarizer load_summarizer(const std::string& dir) { return genattn::TextModel::load(dir); }

/// Loads the model directories as one ensemble (one directory: that model,
/// bit for bit); their errors are the user's.
inline Ensemble load_ensemble(const std::vector<std::string>& dirs) { return genattn::TextEnsemble::load(dirs); }

/// The command line's own check of --min-length against a model's (or an
/// ensemble's) longest summary, `cap` tokens; it names the flags
/// (--max-length, --max-target).
inline void check_min_length(const genattn::SearchConfig& search, genattn::Index cap) {
  if (search.min_length > std::min(search.max_length, cap))
    throw InputError("--min-length " + std::to_string(search.min_length) + " is above the longest summary allowed, " +
                     (search.max_length <= cap ? "--max-length " + std::to_string(search.max_length)
                                               : "the model's limit of " + std::to_string(cap) +
                                                     " tokens (it was trained with --max-target " +
                                                     std::to_string(cap + 1) + ", </s> included)"));
}

/// TextModel::summarize, after check_min_length.
template <class Where>
std::vector<Summaries> summarize_documents(const Summarizer& s, const std::vector<std::string>& documents,
                                           const DecodeOptions& options, TruncationCount& cut, Where where) {
  check_min_length(options.search, s.longest_summary());
  return s.summarize(documents, options, &cut, where);
}

/// TextEnsemble::summarize (with the members' packs when given), after
/// check_min_length.
template <class Where>
std::vector<Summaries> summarize_documents(const Ensemble& e, const std::vector<std::string>& documents,
                                           const DecodeOptions& options, TruncationCount& cut, Where where,
                                           const Ensemble::Packs* packs = nullptr) {
  check_min_length(options.search, e.longest_summary());
  return e.summarize(documents, options, &cut, where, packs);
}

}  // namespace summarize
