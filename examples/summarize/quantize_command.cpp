// examples/summarize/quantize_command.cpp: `summarize quantize` (see
// quantize_command.hpp).
#include "quantize_command.hpp"

#include <cstdio>

#include <genattn/genattn.hpp>

namespace summarize {

int quantize_command(const QuantizeOptions& o) {
  const genattn::QuantizedSizes sizes = genattn::quantize_model(o.model_dir, o.out_dir, o.to);
  std::printf("%s: %s weights, %.2f MB (%.1f%% of %s's %.2f MB)\n", genattn::model_files::model(o.out_dir).c_str(),
              genattn::precision_name(o.to), static_cast<double>(sizes.after) / 1e6,
              100.0 * static_cast<double>(sizes.after) / static_cast<double>(sizes.before),
              genattn::model_files::model(o.model_dir).c_str(), static_cast<double>(sizes.before) / 1e6);
  return 0;
}

}  // namespace summarize
