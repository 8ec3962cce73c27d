// genattn/seq2seq/config.hpp: a model's sizes and switches (Seq2SeqConfig),
// as one table that checkpoints store, restore and validate.
//
// Each field: its name in checkpoints, the member, and the rule validate()
// applies (sizes 1..2^24, layers 1..64, lengths 0 or more, the dropout in
// [0, 1), special ids inside both vocabularies); then the rules between
// fields (shared embeddings need one vocabulary size, coverage the additive
// attention).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "genattn/attention/attention.hpp"
#include "genattn/core/check.hpp"
#include "genattn/core/types.hpp"

GENATTN_NAMESPACE_BEGIN

struct Seq2SeqConfig {
  Index src_vocab = 0;
  Index tgt_vocab = 0;
  Index embedding = 64;
  Index encoder_hidden = 64;  ///< per direction
  Index encoder_layers = 1;
  Index decoder_hidden = 128;
  Index decoder_layers = 1;
  AttentionKind attention = AttentionKind::additive;
  Index attention_hidden = 0;   ///< additive score size (0: decoder_hidden)
  double dropout = 0.0;         ///< on embeddings and the attentional hidden, training only
  bool shared_embeddings = false;
  Index max_source_length = 0;  ///< 0: unlimited
  Index max_target_length = 0;  ///< 0: unlimited (counts </s>)
  SpecialIds ids;
  bool copy = false;            ///< pointer-generator: copy source words (See et al. 2017)
  bool coverage = false;        ///< coverage vector in the attention score, coverage loss

  static constexpr Index max_size = Index{1} << 24;
  static constexpr Index max_layers = 64;

  /// What validate() requires of a field.
  enum class Rule {
    size,          ///< 1..max_size
    layers,        ///< 1..max_layers
    size_or_zero,  ///< 0..max_size (0: a default)
    length,        ///< 0 (unlimited) or more
    fraction,      ///< [0, 1)
    any,           ///< any value of its type (flags, the attention kind)
    special_id     ///< an id inside both vocabularies
  };

  /// The config's one table: each field's name in checkpoints, the member and
  /// its rule, in checkpoint order. fields(), set_field() and validate() read
  /// it; a field added here is stored, restored and checked.
  /// f(name, member, rule) for every field; `c` const or not.
  template <class Config, class F>
  static void for_each_field(Config& c, F&& f) {
    f("src_vocab", c.src_vocab, Rule::size);
    f("tgt_vocab", c.tgt_vocab, Rule::size);
    f("embedding", c.embedding, Rule::size);
    f("encoder_hidden", c.encoder_hidden, Rule::size);
    f("encoder_layers", c.encoder_layers, Rule::layers);
    f("decoder_hidden", c.decoder_hidden, Rule::size);
    f("decoder_layers", c.decoder_layers, Rule::layers);
    f("attention", c.attention, Rule::any);
    f("attention_hidden", c.attention_hidden, Rule::size_or_zero);
    f("dropout", c.dropout, Rule::fraction);  // stored as dropout_ppm
    f("shared_embeddings", c.shared_embeddings, Rule::any);
    f("max_source_length", c.max_source_length, Rule::length);
    f("max_target_length", c.max_target_length, Rule::length);
    f("pad", c.ids.pad, Rule::special_id);
    f("unk", c.ids.unk, Rule::special_id);
    f("bos", c.ids.bos, Rule::special_id);
    f("eos", c.ids.eos, Rule::special_id);
    f("copy", c.copy, Rule::any);
    f("coverage", c.coverage, Rule::any);
  }

  /// Every field as (name, value), in a fixed order: checkpoints store and
  /// compare configs through this.
  std::vector<std::pair<std::string, std::int64_t>> fields() const {
    std::vector<std::pair<std::string, std::int64_t>> out;
    for_each_field(*this, [&](const char* name, const auto& member, Rule) {
      out.emplace_back(stored_name(name, member), encode(member));
    });
    return out;
  }

  /// Sets the field `name`; false when there is no such field or `v` is not
  /// a value of its type.
  bool set_field(const std::string& name, std::int64_t v) {
    bool found = false, ok = false;
    for_each_field(*this, [&](const char* field, auto& member, Rule) {
      if (found || name != stored_name(field, member)) return;
      found = true;
      ok = decode(v, member);
    });
    return ok;
  }

  /// Throws std::invalid_argument naming the first bad field.
  void validate() const {
    static constexpr const char* where = "Seq2SeqConfig";
    // sizes up to 2^24 (layers up to 64): every slot's rows * cols, and their
    // sum, then fit an Index with room to spare, whatever a file claims
    for_each_field(*this, [&](const char* name, const auto& member, Rule rule) { check(where, name, member, rule); });
    check_arg(!shared_embeddings || src_vocab == tgt_vocab, where,
              "shared_embeddings needs src_vocab (" + std::to_string(src_vocab) + ") == tgt_vocab (" +
                  std::to_string(tgt_vocab) + ")");
    check_arg(!coverage || attention == AttentionKind::additive, where,
              std::string("coverage needs the additive attention, not ") + to_string(attention));
  }

 private:
  // A member's checkpoint name and integer value, and back (false: not a
  // value of the member's type). A fraction is stored in parts per million.
  static std::string stored_name(const char* name, double) { return std::string(name) + "_ppm"; }
  template <class V>
  static std::string stored_name(const char* name, const V&) { return name; }
  static std::int64_t encode(Index v) { return v; }
  static std::int64_t encode(TokenId v) { return v; }
  static std::int64_t encode(bool v) { return v ? 1 : 0; }
  static std::int64_t encode(double v) { return static_cast<std::int64_t>(v * 1e6 + 0.5); }
  static std::int64_t encode(AttentionKind v) { return static_cast<std::int64_t>(v); }
  static bool decode(std::int64_t v, Index& m) { return m = v, true; }
  static bool decode(std::int64_t v, TokenId& m) {
    if (v < std::numeric_limits<TokenId>::min() || v > std::numeric_limits<TokenId>::max()) return false;
    return m = static_cast<TokenId>(v), true;
  }
  static bool decode(std::int64_t v, bool& m) { return m = v != 0, true; }
  static bool decode(std::int64_t v, double& m) { return m = static_cast<double>(v) * 1e-6, true; }
  static bool decode(std::int64_t v, AttentionKind& m) {
    if (v < 0 || v > 2) return false;
    return m = static_cast<AttentionKind>(v), true;
  }

  template <class V>
  void check(const char* where, const char* name, V v, Rule rule) const {
    if constexpr (std::is_arithmetic_v<V> && !std::is_same_v<V, bool>) {
      const double x = static_cast<double>(v);
      const std::string field = std::string(name) + " = " + std::to_string(v);
      const std::string sizes = std::to_string(max_size);
      switch (rule) {
        case Rule::size:
          check_arg(x > 0 && x <= static_cast<double>(max_size), where, field + ", expected a size in 1.." + sizes);
          break;
        case Rule::layers:
          check_arg(x >= 1 && x <= static_cast<double>(max_layers), where,
                    field + ", expected 1.." + std::to_string(max_layers));
          break;
        case Rule::size_or_zero:
          check_arg(x >= 0 && x <= static_cast<double>(max_size), where, field + " is outside 0.." + sizes);
          break;
        case Rule::length:
          check_arg(x >= 0, where, field + " is negative (0: unlimited)");
          break;
        case Rule::fraction:
          check_arg(x >= 0 && x < 1, where, field + " is outside [0, 1)");
          break;
        case Rule::special_id:
          check_arg(x >= 0 && x < static_cast<double>(std::min(src_vocab, tgt_vocab)), where,
                    "special id " + std::to_string(v) + " is outside the vocabularies");
          break;
        case Rule::any:
          break;
      }
    }
  }
};

GENATTN_NAMESPACE_END
