// tests/support/tsv.hpp: reads a tab-separated fixture, keeping empty fields.
#pragma once

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace genattn_test {

inline std::vector<std::vector<std::string>> read_tsv(const std::string& relative) {
  const std::string path = std::string(GENATTN_FIXTURE_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields(1);
    for (char c : line) {
      if (c == '\t')
        fields.emplace_back();
      else
        fields.back() += c;
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

}  // namespace genattn_test
