// examples/summarize/config_reader.hpp: the `--config FILE` reader. It is
// CLI11's TOML/INI reader behind a strict check of the file, so that a file
// that does not say what its writer meant is refused (one line, with the line
// number) before any option is set, never half read:
//  - only blank lines, comments (# or ;), `[section]` headers and
//    `name = value` lines (a value may be an array over several lines);
//  - a section or a name given twice (in CLI11 the first section and the last
//    name would win);
//  - an array still open at the end of the file (`dropout = [0.3`): CLI11
//    drops its last character and reads `0.`, or, for `[t`, no value at all;
//  - an item with no value (`name = []`): App then reads the last input of
//    an empty list, undefined behaviour (found by the fuzzer, now tests/fuzz/fuzz_command_line);
//  - bytes that are not UTF-8 text, or control characters.
// A UTF-8 byte-order mark at the start is skipped. A section that names no
// command, and a name that is not one of its section's long options, are
// refused too (CLI11 would say only "INI was not able to parse train.hiden").
#pragma once

#include <CLI/CLI.hpp>

#include <istream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <genattn/text/utf8.hpp>

namespace summarize {

class ConfigReader : public CLI::ConfigTOML {
 public:
  /// `app`: the command line whose sections and options the file may name.
  explicit ConfigReader(const CLI::App& app) : app_(app) {}

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::stringstream raw;
    raw << input.rdbuf();
    std::string text = raw.str();
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);  // a UTF-8 byte-order mark
    check_syntax(text);
    std::istringstream checked(text);
    std::vector<CLI::ConfigItem> parsed = CLI::ConfigTOML::from_config(checked);
    for (const CLI::ConfigItem& item : parsed) {
      // "++" and "--" are CLI11's own markers where a section opens and
      // closes, without inputs
      if (item.inputs.empty() && item.name != "++" && item.name != "--")
        throw CLI::ConfigError("config file: '" + item.fullname() + "' has no value");
    }
    return parsed;
  }

 private:
  /// The command a section names ("": the top level), or null.
  const CLI::App* command(const std::string& section) const {
    if (section.empty()) return &app_;
    for (const CLI::App* sub : app_.get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == section) return sub;
    return nullptr;
  }

  std::string command_names() const {
    std::string names;
    for (const CLI::App* sub : app_.get_subcommands([](const CLI::App*) { return true; }))
      names += (names.empty() ? "" : ", ") + sub->get_name();
    return names;
  }

  [[noreturn]] static void refuse(int line, const std::string& what) {
    throw CLI::ConfigError("config file:" + std::to_string(line) + ": " + what);
  }

  // Follows ConfigBase::from_config's reading of a line: trimmed; a value is
  // what follows the first '=', trimmed and cut at the comment character; a
  // value of two or more characters that starts with the array's opening
  // bracket goes on over the next lines until it ends with the closing one.
  void check_syntax(const std::string& text) const {
    try {
      genattn::utf8_decode(text, genattn::InvalidUtf8::reject);
    } catch (const std::invalid_argument& e) {
      throw CLI::ConfigError(std::string("config file: not UTF-8 text (") + e.what() + ")");
    }
    std::istringstream in(text);
    std::string line, section;
    std::map<std::string, int> sections;  // section -> its line
    std::map<std::string, int> names;     // section + "\n" + name -> its line
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF files
      for (char c : line)
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F)
          refuse(number, "a control character (byte " + std::to_string(static_cast<unsigned char>(c)) + ")");
      CLI::detail::trim(line);
      if (line.empty() || line.front() == ';' || line.front() == '#' || line.front() == commentChar) continue;
      if (line.front() == '[') {
        if (line.back() != ']') refuse(number, "the section header '" + line + "' is not closed with ']'");
        std::string name = line.substr(1, line.size() - 2);
        if (name.size() >= 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
        CLI::detail::trim(name);
        if (name.empty()) refuse(number, "a section with no name");
        if (command(name) == nullptr)
          refuse(number, "[" + name + "] is not a command (the sections are " + command_names() + ")");
        const auto [at, fresh] = sections.emplace(name, number);
        if (!fresh) refuse(number, "section [" + name + "] again (first at line " + std::to_string(at->second) + ")");
        section = name;
        continue;
      }
      const std::size_t eq = line.find(valueDelimiter);
      if (eq == std::string::npos)
        refuse(number, "expected `name = value`, a [section] or a comment, got '" + line + "'");
      const std::string name = CLI::detail::trim_copy(line.substr(0, eq));
      if (name.empty()) refuse(number, "a value with no name");
      if (name.find('.') == std::string::npos && command(section)->get_option_no_throw("--" + name) == nullptr)
        refuse(number, (section.empty() ? "there is no option --" : "[" + section + "] has no option --") + name);
      const auto [at, fresh] = names.emplace(section + "\n" + name, number);
      if (!fresh)
        refuse(number, "'" + name + "' again" + (section.empty() ? "" : " in [" + section + "]") +
                           " (first at line " + std::to_string(at->second) + ")");
      std::string item = CLI::detail::trim_copy(line.substr(eq + 1));
      const std::size_t comment = item.find(commentChar);
      if (comment != std::string::npos) CLI::detail::trim(item.erase(comment));
      if (item.size() < 2 || item.front() != arrayStart) continue;
      const int opened = number;
      for (std::string more; item.back() != arrayEnd && std::getline(in, more); ++number) item += CLI::detail::trim(more);
      if (item.back() != arrayEnd)
        refuse(opened, "the array of '" + name + "' is not closed with '" + std::string(1, arrayEnd) + "'");
    }
  }

  const CLI::App& app_;
};

}  // namespace summarize
