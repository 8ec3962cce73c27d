// genattn/pipeline/kept_checkpoints.hpp: the last networks a training run
// saved, kept in its model directory, and their average as a model
// directory of its own.
//
// A run that keeps K checkpoints writes each save as
//   DIR/checkpoints/model-NNNNNN.ckpt     (NNNNNN: 1, 2, ... in save order)
// in model.ckpt's format (the network and the text model's words), and then
// removes all but the newest K. average_model(DIR, k, OUT) writes the mean of
// the newest k (train/average.hpp: each weight the mean of the k) with DIR's
// vocabularies into OUT, a model directory TextModel::load reads like any
// other. Averaging a run's last weights smooths the noise of its last
// updates (Polyak averaging; Marian's and fairseq's checkpoint averaging).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "genattn/pipeline/text_model.hpp"
#include "genattn/train/average.hpp"

GENATTN_NAMESPACE_BEGIN

namespace detail {
/// The number of a kept checkpoint's file name ("model-000012.ckpt": 12),
/// 0 for any other name.
inline std::uint64_t kept_number(const std::string& name) {
  static const std::string prefix = "model-", suffix = ".ckpt";
  if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return 0;
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return std::stoull(digits);
}
}  // namespace detail

/// The kept checkpoints of model directory `dir`, oldest first (none: empty).
inline std::vector<std::string> kept_checkpoints(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::uint64_t, std::string>> found;
  std::error_code ec;
  const std::string folder = model_files::checkpoints(dir);
  if (!fs::is_directory(folder, ec)) return {};
  for (const fs::directory_entry& e : fs::directory_iterator(folder, ec))
    if (const std::uint64_t n = detail::kept_number(e.path().filename().string()); n > 0)
      found.emplace_back(n, e.path().string());
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [n, path] : found) out.push_back(std::move(path));
  return out;
}

/// Saves `model` and `params` (with `words`, as model.ckpt) as the next kept
/// checkpoint of `dir`, atomically, then removes all but the newest `keep`
/// (>= 1). Returns the path written.
template <class T>
std::string keep_checkpoint(const std::string& dir, const Seq2Seq<T>& model, const ParamBuffer<T>& params,
                            const std::vector<std::pair<std::string, std::uint64_t>>& words, std::size_t keep) {
  namespace fs = std::filesystem;
  check_arg(keep >= 1, "keep_checkpoint", "keep = 0, expected >= 1");
  std::vector<std::string> kept = kept_checkpoints(dir);
  const std::uint64_t next =
      kept.empty() ? 1 : detail::kept_number(fs::path(kept.back()).filename().string()) + 1;
  char name[32];
  std::snprintf(name, sizeof name, "model-%06llu.ckpt", static_cast<unsigned long long>(next));
  fs::create_directories(model_files::checkpoints(dir));
  const std::string path = model_files::checkpoints(dir) + "/" + name;
  save_model(path, model, params, words);
  kept.push_back(path);
  for (std::size_t i = 0; i + keep < kept.size(); ++i) fs::remove(kept[i]);
  return path;
}

/// Removes every kept checkpoint of `dir` (a run starting again, or a phase
/// whose network has another shape).
inline void remove_kept_checkpoints(const std::string& dir) {
  for (const std::string& path : kept_checkpoints(dir)) std::filesystem::remove(path);
}

/// Writes the mean of `dir`'s newest `last` kept checkpoints (0: all of
/// them) and its vocabularies into model directory `out` (not `dir`; made if
/// missing), each file atomically. Returns the checkpoints averaged, oldest
/// first. TextModelError in one line: `dir` does not load, keeps no
/// checkpoint or fewer than `last`, one of them is of another network or
/// vocabulary, or `out` is `dir`.
inline std::vector<std::string> average_model(const std::string& dir, std::size_t last, const std::string& out) {
  std::vector<std::string> kept;
  detail::derive_model_dir(dir, out, "write the average into another one", [&] {
    kept = kept_checkpoints(dir);
    if (kept.empty())
      throw TextModelError(dir + " keeps no checkpoints (" + model_files::checkpoints(dir) +
                           "/model-*.ckpt): train it with --keep-checkpoints K");
    if (last > kept.size())
      throw TextModelError("asked for the last " + std::to_string(last) + " checkpoints, " + dir + " keeps " +
                           std::to_string(kept.size()));
    if (last > 0) kept.erase(kept.begin(), kept.end() - static_cast<std::ptrdiff_t>(last));
    Checkpoint mean = average_checkpoints(kept);
    if (mean.state_word("source_vocab_hash") != file_hash(model_files::source_vocab(dir)) ||
        mean.state_word("target_vocab_hash") != file_hash(model_files::target_vocab(dir)))
      throw TextModelError(kept.back() + " was trained with other vocabularies than " + dir + "'s");
    return mean;
  });
  (void)TextModel::load(out);  // what was written loads
  return kept;
}

GENATTN_NAMESPACE_END
