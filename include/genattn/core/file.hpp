// genattn/core/file.hpp: files that survive crashes, and a checksum.
//
// write_file_atomically() writes `<path>.tmp-<pid>`, flushes it to disk,
// renames it over `path` and flushes the directory: a crash, a full disk or a file-size limit leaves
// either the old file or the new one, never a torn one. fnv1a64() is the
// 64-bit FNV-1a hash (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#endif

#include "genattn/version.hpp"

GENATTN_NAMESPACE_BEGIN

/// A file could not be written.
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// FNV-1a, 64 bits.
inline std::uint64_t fnv1a64(const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}
inline std::uint64_t fnv1a64(std::string_view bytes) { return fnv1a64(bytes.data(), bytes.size()); }

namespace detail {
inline std::string errno_text() { return std::strerror(errno); }
}  // namespace detail

/// Writes n bytes to `path` atomically. `what` names the file in errors
/// ("cannot write checkpoint model.ckpt: No space left on device; the
/// previous file is unchanged").
inline void write_file_atomically(const std::string& path, const void* data, std::size_t n,
                                  const std::string& what = "file") {
  const auto* bytes = static_cast<const char*>(data);
  const std::string head = "cannot write " + what + " " + path + ": ";
#if defined(__unix__) || defined(__APPLE__)
  const std::string tmp = path + ".tmp-" + std::to_string(static_cast<long>(::getpid()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw FileError(head + "cannot create " + tmp + ": " + detail::errno_text());
  std::size_t done = 0;
  while (done < n) {
    const ::ssize_t w = ::write(fd, bytes + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const std::string why = w < 0 ? detail::errno_text() : "no progress";
      ::close(fd);
      ::unlink(tmp.c_str());
      throw FileError(head + why + "; the previous file is unchanged");
    }
    done += static_cast<std::size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = detail::errno_text();
    ::unlink(tmp.c_str());
    throw FileError(head + why + "; the previous file is unchanged");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = detail::errno_text();
    ::unlink(tmp.c_str());
    throw FileError(head + "rename failed: " + why + "; the previous file is unchanged");
  }
  // make the rename itself durable (a power cut after it keeps the new file);
  // best effort: some file systems refuse fsync on a directory
  const std::string::size_type slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
#else
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes, static_cast<std::streamsize>(n));
    if (!out.flush()) throw FileError(head + "write failed");
  }
  std::remove(path.c_str());
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw FileError(head + "rename failed");
#endif
}

inline void write_file_atomically(const std::string& path, std::string_view bytes, const std::string& what = "file") {
  write_file_atomically(path, bytes.data(), bytes.size(), what);
}

GENATTN_NAMESPACE_END
