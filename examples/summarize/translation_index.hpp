// examples/summarize/translation_index.hpp: Debian's Translation-en index to
// the corpus splits (`summarize prepare`).
//
// A record is a run of lines ended by a blank line:
//   Package: NAME
//   Description-md5: ...
//   Description-en: SYNOPSIS
//    long description lines, each starting with a space (or a tab)
//    .                      <- a line holding only "." separates paragraphs
// The rules (../shared/data/debian-descriptions/README.md):
//   summary  = collapse(synopsis); paragraph = collapse(its lines joined by " ")
//   document = the non-empty paragraphs joined by " "
//   drop: no paragraph, summary < 2 words, document < 8 words, an exact repeat
//   of an earlier (summary, document); split = split_of(first paragraph).
// The input may be plain or an LZ4 frame (as apt stores it), detected by its
// magic number, not its name.
#pragma once

#include <lz4frame.h>

#include <array>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corpus.hpp"

namespace summarize {

/// Decompresses an LZ4 frame; InputError naming `name` when it is corrupt or
/// truncated.
inline std::string lz4_decompress(std::string_view in, const std::string& name) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION)))
    throw InputError("cannot create an LZ4 decompression context");
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(raw, &LZ4F_freeDecompressionContext);
  std::string out;
  std::array<char, 1 << 16> buf{};
  std::size_t pos = 0, hint = 1;
  while (hint != 0) {
    if (pos == in.size()) throw InputError(name + ": truncated LZ4 data");
    std::size_t out_size = buf.size(), in_size = in.size() - pos;
    hint = LZ4F_decompress(ctx.get(), buf.data(), &out_size, in.data() + pos, &in_size, nullptr);
    if (LZ4F_isError(hint)) throw InputError(name + ": corrupt LZ4 data (" + LZ4F_getErrorName(hint) + ")");
    out.append(buf.data(), out_size);
    pos += in_size;
    // a frame may end before the input does (concatenated frames): go on
    if (hint == 0 && pos < in.size()) hint = 1;
  }
  return out;
}

/// True when `bytes` starts with the LZ4 frame magic number 0x184D2204.
inline bool is_lz4_frame(std::string_view bytes) {
  return bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0x04 &&
         static_cast<unsigned char>(bytes[1]) == 0x22 && static_cast<unsigned char>(bytes[2]) == 0x4D &&
         static_cast<unsigned char>(bytes[3]) == 0x18;
}

/// One Translation-en record, as far as the corpus needs it.
struct TranslationRecord {
  std::string package;
  std::string synopsis;                ///< the Description-en line's value
  std::vector<std::string> long_lines; ///< continuation lines, the first space removed
  std::size_t line = 0;                ///< where the record starts (1-based)
};

/// The records of an index. Lines that are neither a field, a continuation
/// nor blank are errors, with the line number. Invalid UTF-8 is an error.
inline std::vector<TranslationRecord> parse_translation_index(std::string_view text, const std::string& name) {
  check_utf8(text, name);
  std::vector<TranslationRecord> records;
  TranslationRecord cur;
  bool open = false;
  bool in_description = false;  // continuation lines belong to Description-en
  auto close = [&] {
    if (open) records.push_back(std::move(cur));
    cur = TranslationRecord{};
    open = false;
    in_description = false;
  };
  genattn::for_each_line(text, false, [&](std::string_view line, std::size_t line_no) {
    if (line.empty()) {
      close();
      return;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      if (!open)
        throw InputError(name + ":" + std::to_string(line_no) + ": a continuation line outside a record");
      if (in_description) cur.long_lines.emplace_back(line.substr(1));
      return;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      throw InputError(name + ":" + std::to_string(line_no) + ": expected 'Field: value', found '" +
                       std::string(line.substr(0, 60)) + "'");
    if (!open) cur.line = line_no;
    open = true;
    const std::string_view field = line.substr(0, colon);
    const std::string_view value = line.substr(colon + 1);
    in_description = field == "Description-en";
    if (field == "Package") cur.package = std::string(value);
    if (in_description) cur.synopsis = std::string(value);
  });
  close();
  return records;
}

struct PrepareStats {
  std::size_t records = 0, no_package = 0, no_paragraph = 0, too_short = 0, repeats = 0;
  std::size_t per_split[3] = {0, 0, 0};
};

/// The three split files' text (train, valid, test), in index order.
struct PreparedCorpus {
  std::string files[3];
  PrepareStats stats;
};

inline PreparedCorpus prepare_corpus(const std::vector<TranslationRecord>& records) {
  PreparedCorpus out;
  out.stats.records = records.size();
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& r : records) {
    const std::string package = collapse_space(r.package);
    if (package.empty()) {
      ++out.stats.no_package;
      continue;
    }
    // paragraphs: lines between separators (a line that is "." after trimming)
    std::vector<std::string> paragraphs(1);
    for (const auto& l : r.long_lines) {
      if (collapse_space(l) == ".") {
        paragraphs.emplace_back();
        continue;
      }
      paragraphs.back() += ' ';
      paragraphs.back() += l;
    }
    std::string document;
    std::string first;
    for (const auto& p : paragraphs) {
      const std::string c = collapse_space(p);
      if (c.empty()) continue;
      if (first.empty()) first = c;
      if (!document.empty()) document += ' ';
      document += c;
    }
    if (document.empty()) {
      ++out.stats.no_paragraph;
      continue;
    }
    std::string summary = collapse_space(r.synopsis);
    if (count_words(summary) < 2 || count_words(document) < 8) {
      ++out.stats.too_short;
      continue;
    }
    if (!seen.emplace(summary, document).second) {
      ++out.stats.repeats;
      continue;
    }
    const auto s = static_cast<std::size_t>(split_of(first));
    ++out.stats.per_split[s];
    out.files[s] += package + '\t' + summary + '\t' + document + '\n';
  }
  return out;
}

/// Reads a Translation-en file (plain or LZ4) and prepares the splits.
inline PreparedCorpus prepare_file(const std::string& path) {
  std::string bytes = read_bytes(path);
  if (is_lz4_frame(bytes)) bytes = lz4_decompress(bytes, path);
  return prepare_corpus(parse_translation_index(bytes, path));
}

}  // namespace summarize
