// tests/support/fixture.hpp: reads the reference fixtures that
// scripts/make_torch_fixtures.py writes (`name rows cols` then the values in
// column-major order; `#` starts a comment line).
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include <genattn/core/types.hpp>

#ifndef GENATTN_FIXTURE_DIR
#error "GENATTN_FIXTURE_DIR must name tests/fixtures"
#endif

namespace genattn_test {

class Fixture {
 public:
  /// `relative` is a path below tests/fixtures.
  explicit Fixture(const std::string& relative) : path_(std::string(GENATTN_FIXTURE_DIR) + "/" + relative) {
    std::ifstream in(path_);
    if (!in) throw std::runtime_error("cannot open fixture " + path_);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream head(line);
      std::string name;
      genattn::Index rows = 0, cols = 0;
      if (!(head >> name >> rows >> cols)) throw std::runtime_error(path_ + ": bad header line: " + line);
      genattn::Mat<double> m(rows, cols);
      for (genattn::Index i = 0; i < rows * cols; ++i)
        if (!(in >> m.data()[i])) throw std::runtime_error(path_ + ": " + name + " is truncated");
      in.ignore(1);
      mats_[name] = std::move(m);
    }
  }

  /// A matrix of ids, in column-major order.
  genattn::TokenIds ids(const std::string& name) const {
    const genattn::Mat<double> m = mat(name);
    genattn::TokenIds out;
    for (genattn::Index i = 0; i < m.size(); ++i) out.push_back(static_cast<genattn::TokenId>(m.data()[i]));
    return out;
  }

  template <class T = double>
  genattn::Mat<T> mat(const std::string& name) const {
    const auto it = mats_.find(name);
    if (it == mats_.end()) throw std::runtime_error(path_ + " has no matrix '" + name + "'");
    return it->second.cast<T>();
  }

 private:
  std::string path_;
  std::map<std::string, genattn::Mat<double>> mats_;
};

}  // namespace genattn_test
