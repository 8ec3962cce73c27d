// genattn/text/vocabulary.hpp: token <-> id, built from counts, saved as text.
//
// Ids 0..3 are the specials <pad> <unk> <s> </s> (SpecialIds' defaults); then
// the tokens seen at least min_frequency times, most frequent first (ties in
// byte order), up to max_size ids in all. Unknown tokens map to <unk>.
//
// File format (UTF-8 text): the line "genattn-vocabulary 1", then one line per
// id: token <TAB> count. Loading checks the header, that the specials come
// first, that no token repeats or is empty or holds white space, and that
// every count is a number, naming the line of the first problem.
#pragma once

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <iterator>
#include <unordered_map>
#include <utility>
#include <vector>

#include "genattn/core/file.hpp"
#include "genattn/core/types.hpp"
#include "genattn/text/lines.hpp"

GENATTN_NAMESPACE_BEGIN

struct VocabularyConfig {
  Index max_size = 50000;   ///< ids in all, specials included
  long min_frequency = 1;
};

/// How often each token occurs, a text at a time: a corpus is counted as it
/// is tokenized, and need not be held as token lists to build a vocabulary.
class TokenCounts {
 public:
  void add(const std::vector<std::string>& tokens) {
    for (const auto& w : tokens) ++counts_[w];
  }
  const std::unordered_map<std::string, long>& counts() const { return counts_; }

 private:
  std::unordered_map<std::string, long> counts_;
};

class Vocabulary {
 public:
  static constexpr const char* specials[4] = {"<pad>", "<unk>", "<s>", "</s>"};
  static constexpr TokenId unk_id = 1;

  Vocabulary() {
    for (const char* s : specials) add(s, 0);
  }

  /// Builds from counts (TokenCounts below).
  static Vocabulary build(const TokenCounts& counts, const VocabularyConfig& config = {});
  /// Builds from token lists (documents, summaries, ...): their counts.
  static Vocabulary build(const std::vector<std::vector<std::string>>& texts, const VocabularyConfig& config = {});

  Index size() const { return static_cast<Index>(tokens_.size()); }
  TokenId id(const std::string& token) const {
    const auto it = index_.find(token);
    return it == index_.end() ? unk_id : it->second;
  }
  bool contains(const std::string& token) const { return index_.count(token) != 0; }
  const std::string& token(TokenId id) const {
    if (id < 0 || id >= size())
      throw std::invalid_argument("Vocabulary::token: id " + std::to_string(id) + " is outside 0.." + std::to_string(size() - 1));
    return tokens_[static_cast<std::size_t>(id)];
  }
  long count(TokenId id) const { return counts_[static_cast<std::size_t>(token_index(id))]; }

  TokenIds encode(const std::vector<std::string>& tokens) const {
    TokenIds ids;
    ids.reserve(tokens.size());
    for (const auto& t : tokens) ids.push_back(id(t));
    return ids;
  }
  std::vector<std::string> decode(const TokenIds& ids) const {
    std::vector<std::string> out;
    for (TokenId i : ids) out.push_back(token(i));
    return out;
  }

  /// The file text: a header line, then `token<TAB>count` per id.
  std::string serialize() const {
    std::string out = "genattn-vocabulary 1\n";
    for (std::size_t i = 0; i < tokens_.size(); ++i) out += tokens_[i] + '\t' + std::to_string(counts_[i]) + '\n';
    return out;
  }

  /// Writes serialize() atomically (core/file.hpp); FileError on failure.
  void save(const std::string& path) const { write_file_atomically(path, serialize(), "vocabulary"); }

  /// Reads a file save() wrote; errors name the file and line.
  static Vocabulary load(const std::string& path) {
    return parse(read_file(path, "vocabulary"), path);
  }

  /// Parses serialize()'s text; `name` prefixes errors ("v.txt:3: ...").
  static Vocabulary parse(std::string_view text, const std::string& name) {
    Vocabulary v;
    v.tokens_.clear();
    v.counts_.clear();
    v.index_.clear();
    std::size_t n = 0;
    for_each_line(text, false, [&](std::string_view line_view, std::size_t line_no) {
      n = line_no;
      const std::string line(line_view);
      if (n == 1) {
        if (line != "genattn-vocabulary 1")
          throw std::runtime_error(name + ":1: not a genattn vocabulary (expected the header 'genattn-vocabulary 1')");
        return;
      }
      const std::string where = name + ":" + std::to_string(n) + ": ";
      const auto tab = line.find('\t');
      if (tab == std::string::npos || tab == 0) throw std::runtime_error(where + "expected 'token<TAB>count'");
      const std::string tok = line.substr(0, tab), num = line.substr(tab + 1);
      if (tok.find_first_of(" \t\r\n") != std::string::npos) throw std::runtime_error(where + "the token holds white space");
      if (num.empty() || num.size() > 18 || num.find_first_not_of("0123456789") != std::string::npos)
        throw std::runtime_error(where + "count '" + num + "' is not a number");
      if (v.index_.count(tok) != 0) throw std::runtime_error(where + "token '" + tok + "' repeats");
      const auto id = static_cast<std::size_t>(v.size());
      if (id < 4 && tok != specials[id])
        throw std::runtime_error(where + "expected the special '" + std::string(specials[id]) + "', found '" + tok + "'");
      v.add(tok, std::stol(num));
    });
    if (n == 0)
      throw std::runtime_error(name + ":1: not a genattn vocabulary (expected the header 'genattn-vocabulary 1')");
    if (v.size() < 4) throw std::runtime_error(name + ": truncated: fewer than the 4 special tokens");
    return v;
  }

 private:
  void add(const std::string& w, long c) {
    index_.emplace(w, static_cast<TokenId>(tokens_.size()));
    tokens_.push_back(w);
    counts_.push_back(c);
  }
  Index token_index(TokenId id) const {
    token(id);  // bounds check
    return id;
  }

  std::vector<std::string> tokens_;
  std::vector<long> counts_;
  std::unordered_map<std::string, TokenId> index_;
};

inline Vocabulary Vocabulary::build(const TokenCounts& counts, const VocabularyConfig& config) {
  if (config.max_size < 4) throw std::invalid_argument("Vocabulary::build: max_size must be at least 4 (the specials)");
  std::vector<std::pair<std::string, long>> items(counts.counts().begin(), counts.counts().end());
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); });
  Vocabulary v;
  for (const auto& [w, c] : items) {
    if (v.size() >= config.max_size || c < config.min_frequency) break;
    if (v.index_.count(w) == 0) v.add(w, c);
  }
  return v;
}

inline Vocabulary Vocabulary::build(const std::vector<std::vector<std::string>>& texts, const VocabularyConfig& config) {
  TokenCounts counts;
  for (const auto& t : texts) counts.add(t);
  return build(counts, config);
}

GENATTN_NAMESPACE_END
