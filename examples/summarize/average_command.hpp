// examples/summarize/average_command.hpp: `summarize average`, the mean of
// the last networks a run kept (train --keep-checkpoints K) written as a
// model directory of its own (genattn::average_model).
#pragma once

#include <cstddef>
#include <string>

namespace summarize {

struct AverageOptions {
  std::string model_dir, out_dir;
  std::size_t last = 0;  ///< the newest this many kept checkpoints (0: all kept)
};

/// Writes the averaged model and says which checkpoints it averaged;
/// returns the exit status.
int average_command(const AverageOptions& o);

}  // namespace summarize
