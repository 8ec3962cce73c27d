// examples/summarize/average_command.cpp: `summarize average` (see
// average_command.hpp).
#include "average_command.hpp"

#include <cstdio>
#include <filesystem>

#include <genattn/pipeline/kept_checkpoints.hpp>

namespace summarize {

int average_command(const AverageOptions& o) {
  const auto used = genattn::average_model(o.model_dir, o.last, o.out_dir);
  std::printf("%s: the mean of %zu checkpoints of %s (%s to %s)\n", genattn::model_files::model(o.out_dir).c_str(),
              used.size(), o.model_dir.c_str(), std::filesystem::path(used.front()).filename().c_str(),
              std::filesystem::path(used.back()).filename().c_str());
  return 0;
}

}  // namespace summarize
