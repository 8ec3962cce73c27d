// genattn/train/average.hpp: checkpoint averaging, the mean of a run's last
// weights (Polyak averaging over checkpoints, as Marian and fairseq's
// average_checkpoints.py do it).
//
// For checkpoints 1..k of one network (the same configuration and parameter
// table), every parameter becomes
//   theta = (1/k) sum_i theta_i
// summed in double in the given order, then divided once (the mean of a
// checkpoint and itself is that checkpoint, bit for bit). The result keeps
// the last checkpoint's configuration, scalar size and trainer state words,
// and drops the optimizer's state: it is a model to decode or to fine-tune
// from, not a run to resume.
#pragma once

#include <string>
#include <vector>

#include "genattn/train/checkpoint.hpp"

GENATTN_NAMESPACE_BEGIN

/// The mean of the checkpoints at `paths` (see the file comment); reads one
/// at a time. CheckpointError naming the file for a file that does not load,
/// or whose configuration, scalar size or parameter table differs from the
/// first's.
inline Checkpoint average_checkpoints(const std::vector<std::string>& paths) {
  if (paths.empty()) throw CheckpointError("average_checkpoints: no checkpoint to average");
  Checkpoint sum = load_checkpoint(paths.front());
  for (std::size_t i = 1; i < paths.size(); ++i) {
    Checkpoint c = load_checkpoint(paths[i]);
    const std::string& path = paths[i];
    const std::string against = " than " + paths.front() + ": only checkpoints of one network average";
    if (c.config != sum.config) throw CheckpointError(path + " has another model configuration" + against);
    if (c.scalar_bytes != sum.scalar_bytes)
      throw CheckpointError(path + " holds " + std::to_string(c.scalar_bytes * 8) + "-bit scalars, " + paths.front() +
                            " " + std::to_string(sum.scalar_bytes * 8) + "-bit ones");
    bool same_table = c.slots.size() == sum.slots.size();
    for (std::size_t s = 0; same_table && s < c.slots.size(); ++s)
      same_table = c.slots[s].name == sum.slots[s].name && c.slots[s].rows == sum.slots[s].rows &&
                   c.slots[s].cols == sum.slots[s].cols;
    if (!same_table) throw CheckpointError(path + " has another parameter table" + against);
    for (std::size_t v = 0; v < sum.values.size(); ++v) sum.values[v] += c.values[v];
    sum.state = std::move(c.state);  // the last one's
  }
  const double k = static_cast<double>(paths.size());
  for (double& v : sum.values) v /= k;
  for (auto& s : sum.slots) s.encoding = SlotEncoding::scalar;  // the mean is stored plain
  sum.has_optimizer = false;
  sum.optimizer_kind = 0;
  sum.optimizer_step = 0;
  sum.moments.clear();
  return sum;
}

GENATTN_NAMESPACE_END
