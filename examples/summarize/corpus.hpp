// examples/summarize/corpus.hpp: the summarization corpus as (package,
// summary, document) pairs, and the rules that make and check it.
//
// A corpus file is UTF-8 text, one pair a line, three tab-separated columns:
//   package <TAB> summary <TAB> document
// (../shared/data/debian-descriptions/README.md). read_pairs() rejects, with
// the file name and line number: an empty line, a line without exactly three
// columns, invalid UTF-8, and a summary or document with no words.
#pragma once

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <genattn/genattn.hpp>

namespace summarize {

/// An error in the user's input: the command prints it and exits with 1.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Pair {
  std::string package, summary, document;
};

/// Every run of ASCII white space becomes one space; leading and trailing
/// spaces are removed.
inline std::string collapse_space(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending = false;
  for (char c : s) {
    if (genattn::is_ascii_space(c)) {
      pending = !out.empty();
      continue;
    }
    if (pending) out += ' ';
    pending = false;
    out += c;
  }
  return out;
}

/// `s` (UTF-8) with each control character made a space: C0 (NUL, ESC, ...;
/// tab and the line ends are spaces already), DEL and C1 (U+0080-U+009F).
/// Documents and summaries are read so, so no control byte reaches a token,
/// a summary, the terminal, the SVG or the JSON.
inline std::string controls_as_spaces(std::string_view s) {
  std::string out(s);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    if (c < 0x20 || c == 0x7F) {
      out[i] = ' ';
    } else if (c == 0xC2 && i + 1 < out.size() && static_cast<unsigned char>(out[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(out[i + 1]) <= 0x9F) {
      out.replace(i, 2, " ");
    }
  }
  return out;
}

/// Words of a collapsed text: pieces between single spaces.
inline std::size_t count_words(std::string_view collapsed) {
  if (collapsed.empty()) return 0;
  std::size_t n = 1;
  for (char c : collapsed) n += c == ' ';
  return n;
}

enum class Split { train = 0, valid = 1, test = 2 };

/// The split of a pair whose document's first paragraph (collapsed) is
/// `first_paragraph`: FNV-1a of its ASCII-lower-cased bytes, modulo 100;
/// 0-89 train, 90-94 valid, 95-99 test.
inline Split split_of(std::string_view first_paragraph) {
  std::string key(first_paragraph);
  for (char& c : key)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  const std::uint64_t bucket = genattn::fnv1a64(key) % 100;
  return bucket < 90 ? Split::train : bucket < 95 ? Split::valid : Split::test;
}

/// Throws InputError("where: invalid UTF-8 at byte K") when `s` is not UTF-8.
inline void check_utf8(std::string_view s, const std::string& where) {
  try {
    genattn::utf8_decode(s, genattn::InvalidUtf8::reject);
  } catch (const std::invalid_argument& e) {
    throw InputError(where + ": " + e.what());
  }
}

/// Splits a line at tabs.
inline std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return out;
    start = tab + 1;
  }
}

/// Parses corpus text; `name` prefixes every error ("train.tsv:12: ...").
inline std::vector<Pair> parse_pairs(std::string_view text, const std::string& name) {
  std::vector<Pair> pairs;
  genattn::for_each_line(text, true, [&](std::string_view line, std::size_t line_no) {
    const std::string where = name + ":" + std::to_string(line_no);
    if (line.empty()) throw InputError(where + ": empty line (expected package, summary and document)");
    check_utf8(line, where);
    const auto cols = split_tabs(line);
    if (cols.size() != 3)
      throw InputError(where + ": expected 3 tab-separated columns (package, summary, document), found " +
                       std::to_string(cols.size()));
    Pair p{std::string(cols[0]), collapse_space(controls_as_spaces(cols[1])),
           collapse_space(controls_as_spaces(cols[2]))};
    if (p.summary.empty()) throw InputError(where + ": the summary has no words");
    if (p.document.empty()) throw InputError(where + ": the document has no words");
    pairs.push_back(std::move(p));
  });
  return pairs;
}

/// The title a package's name gives a titled model (train --package-name):
/// "lib" split off a name that begins with it and a letter, then each run of
/// - . + _ and white space one space (libfoo-dev -> "lib foo dev",
/// python3-aiofiles -> "python3 aiofiles", r-cran-abind -> "r cran abind"),
/// so that the name's parts are words the model knows.
inline std::string package_title(std::string_view package) {
  std::string s = controls_as_spaces(package);
  if (s.size() > 3 && s.compare(0, 3, "lib") == 0 && s[3] >= 'a' && s[3] <= 'z') s.insert(3, 1, ' ');
  for (char& c : s)
    if (c == '-' || c == '.' || c == '+' || c == '_') c = ' ';
  return collapse_space(s);
}

/// What a titled model reads: the title, " | ", the description.
inline std::string titled_document(std::string_view title, std::string_view description) {
  std::string out;
  out.reserve(title.size() + 3 + description.size());
  return out.append(title).append(" | ").append(description);
}

/// The document a model reads for `p`: titled, its package's title first.
inline std::string source_document(const Pair& p, bool titled) {
  return titled ? titled_document(package_title(p.package), p.document) : p.document;
}

/// A titled model's document from one PACKAGE<TAB>DESCRIPTION input (a line
/// of `summarize summarize`, a document of a request to `serve`): the
/// package's title, " | ", the description with its control characters as
/// spaces. InputError, `where` first, for an input without a tab, an empty
/// package name or a description without words.
inline std::string titled_input(std::string_view input, const std::string& where) {
  const std::size_t tab = input.find('\t');
  if (tab == std::string_view::npos)
    throw InputError(where + ": the model reads each document after its package's name (train --package-name): "
                             "expected PACKAGE<TAB>DESCRIPTION");
  const std::string title = package_title(input.substr(0, tab)), description = controls_as_spaces(input.substr(tab + 1));
  if (title.empty()) throw InputError(where + ": the package name is empty");
  if (collapse_space(description).empty()) throw InputError(where + ": the description after the package name has no words");
  return titled_document(title, description);
}

/// The whole file's bytes; InputError when it cannot be read.
inline std::string read_bytes(const std::string& path) {
  try {
    return genattn::read_file(path);
  } catch (const genattn::FileError& e) {
    throw InputError(e.what());
  }
}

/// The documents of `text`, one a line (`name` prefixes errors: "stdin:3:
/// ..."); control characters are read as spaces. `titled` (a model trained
/// with --package-name): each line is PACKAGE<TAB>DESCRIPTION, and its
/// document the package's title, " | " and the description.
inline std::vector<std::string> read_documents(const std::string& text, const std::string& name, bool titled = false) {
  std::vector<std::string> docs;
  genattn::for_each_line(text, true, [&](std::string_view d, std::size_t line) {
    const std::string where = name + ":" + std::to_string(line);
    check_utf8(d, where);
    if (titled) {
      docs.push_back(titled_input(d, where));
      return;
    }
    std::string doc = controls_as_spaces(d);
    if (collapse_space(doc).empty()) throw InputError(where + ": empty line (expected one document a line)");
    docs.push_back(std::move(doc));
  });
  if (docs.empty()) throw InputError(name + ": no documents");
  return docs;
}

/// The pairs of a corpus file; an empty file is an error. `titled`: each
/// document is source_document(pair, true), its package's title first.
inline std::vector<Pair> read_pairs(const std::string& path, bool titled = false) {
  auto pairs = parse_pairs(read_bytes(path), path);
  if (pairs.empty()) throw InputError(path + ": no pairs");
  if (titled)
    for (Pair& p : pairs) p.document = source_document(p, true);
  return pairs;
}

}  // namespace summarize
