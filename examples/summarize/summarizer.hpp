// examples/summarize/summarizer.hpp: the summarizer's model, the library's
// text model (genattn/pipeline/text_model.hpp: the model directory, loading
// with its checks, documents in and summaries out), with the command line's
// own wording where it names a flag.
#pragma once

#include <string>
#include <vector>

#include <genattn/genattn.hpp>
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

/// Loads a model directory (TextModel::load); its errors are the user's.
inline Summarizer load_summarizer(const std::string& dir) { return genattn::TextModel::load(dir); }

/// TextModel::summarize, after the command line's own check of --min-length
/// (which names the flags: --max-length, --max-target).
template <class Where>
std::vector<Summaries> summarize_documents(const Summarizer& s, const std::vector<std::string>& documents,
                                           const DecodeOptions& options, TruncationCount& cut, Where where) {
  const genattn::SearchConfig& search = options.search;
  const genattn::Index cap = s.longest_summary();
  if (search.min_length > std::min(search.max_length, cap))
    throw InputError("--min-length " + std::to_string(search.min_length) + " is above the longest summary allowed, " +
                     (search.max_length <= cap ? "--max-length " + std::to_string(search.max_length)
                                               : "the model's limit of " + std::to_string(cap) +
                                                     " tokens (it was trained with --max-target " +
                                                     std::to_string(s.text.max_target) + ", </s> included)"));
  return s.summarize(documents, options, &cut, where);
}

}  // namespace summarize
