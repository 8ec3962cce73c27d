// examples/summarize/config_reader.hpp: the `--config FILE` reader. It is
// CLI11's TOML/INI reader with two guards added, for what CLI11 2.1 (Debian
// bookworm) gets wrong:
//  - an array still open at the end of the file (`dropout = [0.3`): CLI11
//    drops its last character and reads `0.`, or, for `[t`, no value at all;
//  - an item with no value (`name = []`, or the open `[t`): App then reads the
//    last input of an empty list, undefined behaviour (found by
//    tests/fuzz/fuzz_config).
// Both are refused with the option's name, before any option is set.
#pragma once

#include <CLI/CLI.hpp>

#include <istream>
#include <sstream>
#include <string>
#include <vector>

namespace summarize {

class ConfigReader : public CLI::ConfigTOML {
 public:
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::stringstream text;
    text << input.rdbuf();
    check_arrays_closed(text.str());
    std::vector<CLI::ConfigItem> parsed = CLI::ConfigTOML::from_config(text);
    for (const CLI::ConfigItem& item : parsed) {
      // "++" and "--" are CLI11's own markers where a section opens and
      // closes, without inputs
      if (item.inputs.empty() && item.name != "++" && item.name != "--")
        throw CLI::ConfigError("config file: '" + item.fullname() + "' has no value");
    }
    return parsed;
  }

 private:
  // Follows ConfigBase::from_config's reading of a value: after the first
  // '=', trimmed, cut at the comment character; a value of two or more
  // characters that starts with the array's opening bracket goes on over the
  // next lines until it ends with the closing one.
  void check_arrays_closed(const std::string& text) const {
    std::istringstream in(text);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      CLI::detail::trim(line);
      if (line.size() < 3 || (line.front() == '[' && line.back() == ']')) continue;  // blank or a section
      if (line.front() == ';' || line.front() == '#' || line.front() == commentChar) continue;
      const std::size_t eq = line.find(valueDelimiter);
      if (eq == std::string::npos) continue;
      std::string item = CLI::detail::trim_copy(line.substr(eq + 1));
      const std::size_t comment = item.find(commentChar);
      if (comment != std::string::npos) CLI::detail::trim(item.erase(comment));
      if (item.size() < 2 || item.front() != arrayStart) continue;
      const int opened = number;
      for (std::string more; item.back() != arrayEnd && std::getline(in, more); ++number) item += CLI::detail::trim(more);
      if (item.back() != arrayEnd)
        throw CLI::ConfigError("config file:" + std::to_string(opened) + ": the array of '" +
                               CLI::detail::trim_copy(line.substr(0, eq)) + "' is not closed with '" +
                               std::string(1, arrayEnd) + "'");
    }
  }
};

}  // namespace summarize
