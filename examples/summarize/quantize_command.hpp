// examples/summarize/quantize_command.hpp: `summarize quantize`, a model
// directory's weights stored at bf16 or int8 in another directory
// (genattn::quantize_model).
#pragma once

#include <string>

#include <genattn/core/precision.hpp>

namespace summarize {

struct QuantizeOptions {
  std::string model_dir, out_dir;
  genattn::Precision to = genattn::Precision::int8;
};

/// Writes the quantized model and prints its size beside the float one's;
/// returns the exit status.
int quantize_command(const QuantizeOptions& o);

}  // namespace summarize
