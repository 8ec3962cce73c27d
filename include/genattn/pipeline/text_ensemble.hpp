// genattn/pipeline/text_ensemble.hpp: several trained text models that
// summarize as one (decode/ensemble.hpp: at every step the mean of their
// probabilities, over the extended vocabulary when a member copies).
//
//   const genattn::TextEnsemble e = genattn::TextEnsemble::load({"run-1", "run-2", "run-3"});
//   genattn::SearchConfig search;
//   search.beam = 5;
//   for (const auto& s : e.summarize({"first document ...", "second ..."}, search))
//     std::cout << s.texts.front() << "\n";
//
// The members must read documents alike and write the same words: the same
// target vocabulary (word for word), the same cut (max_source) and the same
// lower-casing. Each encodes a document with its own source vocabulary. The
// ensemble's longest summary is its members' shortest limit; its
// UnknownPolicy::automatic is ban when a member copies (the ensemble then
// copies), else replace. An ensemble of one summarizes bit for bit as its
// model alone.
//
// Threads: as a TextModel, a TextEnsemble is immutable once built, and one
// serves many threads at once.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "genattn/pipeline/text_model.hpp"

GENATTN_NAMESPACE_BEGIN

class TextEnsemble {
 public:
  /// The members' weights packed for decoding, one pack each (TextModel::pack).
  using Packs = std::vector<Seq2Seq<float>::Packed>;

  /// `names` (default "member 1", ...) name the members in errors.
  /// TextModelError, in one line, when there is no member or when a member's
  /// target vocabulary, max_source, lower-casing or titles (TextSettings::titled)
  /// differ from the first's.
  explicit TextEnsemble(std::vector<TextModel> members, std::vector<std::string> names = {})
      : members_(std::move(members)), names_(std::move(names)) {
    if (members_.empty()) throw TextModelError("an ensemble needs at least one model");
    for (std::size_t m = names_.size(); m < members_.size(); ++m) names_.push_back("member " + std::to_string(m + 1));
    const TextModel& a = members_.front();
    for (std::size_t m = 1; m < members_.size(); ++m) {
      const TextModel& b = members_[m];
      const std::string pair = names_[m] + " and " + names_.front();
      if (!same_words(a.target, b.target))
        throw TextModelError("ensemble: " + pair + " have different target vocabularies (" +
                             std::to_string(b.target.size()) + " and " + std::to_string(a.target.size()) +
                             " words): the members must share one, e.g. trained on the same --train file with "
                             "the same --target-vocab");
      auto yes = [](bool on) { return on ? "yes" : "no"; };
      if (a.text.max_source != b.text.max_source || a.text.lowercase != b.text.lowercase ||
          a.text.titled != b.text.titled)
        throw TextModelError("ensemble: " + pair + " read documents differently (max_source " +
                             std::to_string(b.text.max_source) + " and " + std::to_string(a.text.max_source) +
                             ", lowercase " + yes(b.text.lowercase) + " and " + yes(a.text.lowercase) +
                             ", titled " + yes(b.text.titled) + " and " + yes(a.text.titled) + ")");
    }
  }

  /// Loads each model directory (TextModel::load) and makes them one
  /// ensemble; errors name the directories.
  static TextEnsemble load(const std::vector<std::string>& dirs) {
    std::vector<TextModel> members;
    for (const auto& d : dirs) members.push_back(TextModel::load(d));
    return TextEnsemble(std::move(members), dirs);
  }

  const std::vector<TextModel>& members() const { return members_; }
  Index size() const { return static_cast<Index>(members_.size()); }

  /// A document's tokens, as summarize() cuts them into each member's
  /// source (TextModel::document_tokens): the members share the tokenizer
  /// and lower-casing (the constructor checks), so the first one's serve.
  std::vector<std::string> document_tokens(const std::string& document, const std::string& name) const {
    return members_.front().document_tokens(document, name);
  }

  /// The longest summary every member can give, in tokens.
  Index longest_summary() const {
    Index cap = members_.front().longest_summary();
    for (const auto& m : members_) cap = std::min(cap, m.longest_summary());
    return cap;
  }

  /// Whether a member copies (the ensemble's output then covers the
  /// documents' own words).
  bool copies() const {
    for (const auto& m : members_)
      if (m.model.config().copy) return true;
    return false;
  }

  /// Each member's weights packed, at precision `at` (unset: each its own).
  Packs pack(std::optional<Precision> at = {}) const {
    Packs p;
    for (const auto& m : members_) p.push_back(m.pack(at));
    return p;
  }

  /// The search summarize() runs (TextModel::resolve_search with the
  /// ensemble's limit and copy).
  SearchConfig search_for(const SearchConfig& search) const {
    return TextModel::resolve_search(search, longest_summary(), copies());
  }

  /// Summarizes documents as TextModel::summarize does, the members decoding
  /// as one. `packs`: pack()'s result, for a caller that summarizes again
  /// and again (null: packed by each call); options.packed is one model's
  /// and is read only by an ensemble of one.
  std::vector<Summaries> summarize(const std::vector<std::string>& documents, const DecodeOptions& options,
                                   TruncationCount* cut = nullptr,
                                   const std::function<std::string(std::size_t)>& where = {},
                                   const Packs* packs = nullptr) const {
    if (packs != nullptr && packs->size() != members_.size())
      throw TextModelError("ensemble: " + std::to_string(packs->size()) + " packs for " +
                           std::to_string(members_.size()) + " members");
    std::vector<const TextModel*> members;
    std::vector<const Seq2Seq<float>::Packed*> packed;
    for (std::size_t m = 0; m < members_.size(); ++m) {
      members.push_back(&members_[m]);
      packed.push_back(packs != nullptr ? &(*packs)[m] : members_.size() == 1 ? options.packed : nullptr);
    }
    return detail::summarize_members(members, packed, search_for(options.search), documents, options, cut, where);
  }

  /// The same with the search alone (batches of 32, one thread per core).
  std::vector<Summaries> summarize(const std::vector<std::string>& documents, const SearchConfig& search) const {
    DecodeOptions options;
    options.search = search;
    return summarize(documents, options);
  }

 private:
  static bool same_words(const Vocabulary& a, const Vocabulary& b) {
    if (a.size() != b.size()) return false;
    for (Index i = 0; i < a.size(); ++i)
      if (a.token(static_cast<TokenId>(i)) != b.token(static_cast<TokenId>(i))) return false;
    return true;
  }

  std::vector<TextModel> members_;
  std::vector<std::string> names_;
};

GENATTN_NAMESPACE_END
