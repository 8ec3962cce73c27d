// examples/summarize/model_dir.hpp: one writer at a time per model directory,
// and a directory that is not genattn's left untouched.
//
// `train` takes an OS lock (flock(2), exclusive, non-blocking) on DIR/train.lock
// before it reads or writes anything in DIR, and holds it until it exits. The
// kernel drops the lock when the process ends, however it ends (SIGKILL
// included), so a killed run leaves no stale lock; the file itself stays, and
// marks DIR as a genattn model directory.
//
// A fresh `train` (no --resume) writes into DIR only when DIR is new, empty,
// or marked by train.lock without a checkpoint (a run that stopped before its
// first one); a directory holding other files is refused, its files untouched.
// `--restart` starts again in a directory a genattn run made (train.lock, or a
// checkpoint), whatever state a failure left it in.

/// True when `dir` was made by a genattn run.
inline bool is_genattn_run(const std::string& dir);
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "corpus.hpp"

namespace summarize {

namespace files {
inline std::string lock(const std::string& dir) { return dir + "/train.lock"; }
}  // namespace files

class ModelDirLock {
 public:
  /// Locks DIR (which must exist); throws InputError at once when another
  /// process holds the lock.
  explicit ModelDirLock(const std::string& dir) {
    const std::string path = files::lock(dir);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd_ < 0) throw InputError("cannot open the lock file " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd_);
      if (err == EWOULDBLOCK)
        throw InputError("another train run is writing into " + dir + " (it holds " + path +
                         "); wait for it to end, or train into another --model directory");
      throw InputError("cannot lock " + path + ": " + std::strerror(err));
    }
  }
  ModelDirLock(const ModelDirLock&) = delete;
  ModelDirLock& operator=(const ModelDirLock&) = delete;
  ~ModelDirLock() { ::close(fd_); }  // closing the last descriptor releases the lock

 private:
  int fd_ = -1;
};

inline bool is_genattn_run(const std::string& dir) {
  namespace fs = std::filesystem;
  return fs::exists(files::lock(dir)) || fs::exists(files::model(dir)) || fs::exists(files::last(dir));
}

/// For a fresh run into `dir` (locked): throws InputError unless `dir` is
/// empty or holds only genattn's own files. `had_lock`: train.lock was there
/// before this run made it.
inline void check_fresh_model_dir(const std::string& dir, bool had_lock) {
  namespace fs = std::filesystem;
  if (fs::exists(files::last(dir)) || fs::exists(files::model(dir)))
    throw InputError(dir + " already holds a model; continue it with --resume, start it again with --restart, or "
                           "train into another --model directory");
  if (had_lock) return;  // genattn's: a run that stopped before its first checkpoint
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (e.path().filename() == "train.lock") continue;
    throw InputError(dir + " is not empty and is not a genattn model directory (it holds " +
                     e.path().filename().string() + "); its files are left as they are: train into a new or empty directory");
  }
}

}  // namespace summarize
