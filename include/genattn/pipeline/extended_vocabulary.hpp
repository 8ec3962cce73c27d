// genattn/pipeline/extended_vocabulary.hpp: a source's extended vocabulary, for
// the pointer-generator (copy_distribution.hpp).
//
// The target vocabulary keeps ids 0..V-1; each distinct source word it lacks
// gets the next id V, V+1, ... in order of first appearance. Targets then map
// a word to its vocabulary id, else to its extended id when the source holds
// it, else to <unk>; decoded ids map back the same way, so a copied
// out-of-vocabulary word comes out as its source text.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "genattn/core/check.hpp"
#include "genattn/text/vocabulary.hpp"

GENATTN_NAMESPACE_BEGIN

class ExtendedVocabulary {
 public:
  /// The extended vocabulary of `source` over the target vocabulary `vocab`
  /// (kept by reference: it must outlive this object).
  ExtendedVocabulary(const Vocabulary& vocab, const std::vector<std::string>& source) : vocab_(vocab) {
    for (const auto& w : source) {
      TokenId id = vocab_.contains(w) ? vocab_.id(w) : -1;
      if (id < 0) {
        auto it = extra_index_.find(w);
        if (it == extra_index_.end()) {
          it = extra_index_.emplace(w, static_cast<TokenId>(vocab_.size() + static_cast<Index>(extra_.size()))).first;
          extra_.push_back(w);
        }
        id = it->second;
      }
      source_ids_.push_back(id);
    }
  }

  /// The source's words as extended ids.
  const TokenIds& source_ids() const { return source_ids_; }
  /// The source's out-of-vocabulary words, in id order (id V + k).
  const std::vector<std::string>& extra_words() const { return extra_; }
  Index extra() const { return static_cast<Index>(extra_.size()); }
  Index size() const { return vocab_.size() + extra(); }

  /// A word's id: the vocabulary's, else the source's extended id, else <unk>.
  TokenId id(const std::string& w) const {
    if (vocab_.contains(w)) return vocab_.id(w);
    const auto it = extra_index_.find(w);
    return it != extra_index_.end() ? it->second : Vocabulary::unk_id;
  }
  TokenIds encode(const std::vector<std::string>& words) const {
    TokenIds out;
    for (const auto& w : words) out.push_back(id(w));
    return out;
  }

  /// The text of an id; throws for an id outside 0..size()-1.
  const std::string& token(TokenId id) const {
    if (id >= 0 && id < vocab_.size()) return vocab_.token(id);
    const Index k = static_cast<Index>(id) - vocab_.size();
    check_arg(k >= 0 && k < extra(), "ExtendedVocabulary::token",
              "id " + std::to_string(id) + " is outside the extended vocabulary 0.." + std::to_string(size() - 1));
    return extra_[static_cast<std::size_t>(k)];
  }
  std::vector<std::string> decode(const TokenIds& ids) const {
    std::vector<std::string> out;
    for (TokenId t : ids) out.push_back(token(t));
    return out;
  }

 private:
  const Vocabulary& vocab_;
  TokenIds source_ids_;
  std::vector<std::string> extra_;
  std::unordered_map<std::string, TokenId> extra_index_;
};

GENATTN_NAMESPACE_END
