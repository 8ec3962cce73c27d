// genattn/core/file.hpp: files that survive crashes, and a checksum.
//
// write_file_atomically() writes `<path>.tmp-<pid>`, flushes it to disk,
// renames it over `path` and flushes the directory: a crash, a full disk or a file-size limit leaves
// either the old file or the new one, never a torn one. Through a symbolic
// link it replaces the link's target so, and keeps the link; a device, FIFO
// or socket (/dev/stdout, say) is written straight to, as it cannot be
// replaced; a directory is refused.
//
// read_file() reads a whole file; its errors name the file (a directory is
// refused by name, not with the C++ library's "basic_filebuf::underflow").
//
// fnv1a64() is the 64-bit FNV-1a hash (offset basis 0xcbf29ce484222325,
// prime 0x100000001b3).
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <istream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <filesystem>
#include <system_error>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "genattn/version.hpp"

GENATTN_NAMESPACE_BEGIN

/// A file could not be written.
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// FNV-1a, 64 bits; `h` the hash of the bytes before these (a hash of bytes
/// that come in pieces: fnv1a64(b, m, fnv1a64(a, n)) = the hash of a then b).
inline std::uint64_t fnv1a64(const void* data, std::size_t n, std::uint64_t h = 0xcbf29ce484222325ull) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}
inline std::uint64_t fnv1a64(std::string_view bytes) { return fnv1a64(bytes.data(), bytes.size()); }

namespace detail {
inline std::string errno_text() { return std::strerror(errno); }

/// The folder a path's file is in ("." for a bare name).
inline std::string folder_of(const std::string& path) {
  const std::string::size_type slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

#if defined(__unix__) || defined(__APPLE__)
/// Writes all n bytes to fd (again after EINTR); "" or why it stopped.
inline std::string write_all(int fd, const char* bytes, std::size_t n) {
  for (std::size_t done = 0; done < n;) {
    const ::ssize_t w = ::write(fd, bytes + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno_text() : "no progress";
    done += static_cast<std::size_t>(w);
  }
  return {};
}
#endif

/// /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: the descriptor
/// (written to as it is, so a redirection's append mode holds); else -1.
inline int own_descriptor(const std::string& path) {
  if (path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  for (const char* prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    const std::string p(prefix);
    if (path.size() > p.size() && path.compare(0, p.size(), p) == 0 &&
        path.find_first_not_of("0123456789", p.size()) == std::string::npos && path.size() - p.size() < 9)
      return std::stoi(path.substr(p.size()));
  }
  return -1;
}

/// A path under /dev or /proc: never replaced by a rename, always written to.
inline bool is_stream_path(const std::string& path) {
  return path.compare(0, 5, "/dev/") == 0 || path.compare(0, 6, "/proc/") == 0;
}

/// `path` with its symbolic links followed (each link's target read
/// relative to the link's folder); the target need not exist yet.
inline std::string follow_links(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path p(path);
  std::error_code ec;
  for (int hops = 0; hops < 40 && fs::is_symlink(fs::symlink_status(p, ec)); ++hops) {
    const fs::path to = fs::read_symlink(p, ec);
    if (ec) break;
    p = to.is_absolute() ? to : p.parent_path() / to;
  }
  return p.string();
}
}  // namespace detail

/// Everything left in `in`, read 64 KiB at a time (not a character at a
/// time through an iterator); `expected` bytes are reserved first (a
/// regular file's size; 0 when unknown: a pipe, a terminal, /proc). Whether
/// the read failed is left in `in.bad()`.
inline std::string read_stream(std::istream& in, std::size_t expected = 0) {
  std::string s;
  s.reserve(expected);
  std::vector<char> block(std::size_t{1} << 16);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    s.append(block.data(), static_cast<std::size_t>(in.gcount()));
  }
  return s;
}

/// The whole file at `path`. FileError (naming `what` and `path`) when it is
/// a directory or cannot be read.
inline std::string read_file(const std::string& path, const std::string& what = "file") {
  const std::string head = "cannot read " + what + " " + path + ": ";
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw FileError(head + "it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(head + detail::errno_text());
  const std::uintmax_t size = std::filesystem::is_regular_file(path, ec) ? std::filesystem::file_size(path, ec) : 0;
  std::string s = read_stream(in, ec || size > SIZE_MAX ? 0 : static_cast<std::size_t>(size));
  if (in.bad()) throw FileError(head + "read error");
  return s;
}

/// Writes a file to `path` atomically, its bytes given in pieces:
/// produce(write) calls write(data, n) for each piece, in order, so that a
/// large file need not be held in memory whole. `what` names the file in
/// errors ("cannot write checkpoint model.ckpt: No space left on device;
/// the previous file is unchanged"). Whatever `produce` throws leaves the
/// previous file as it was, and is thrown on.
template <class Produce>
void write_file_atomically_in_pieces(const std::string& path, Produce&& produce, const std::string& what = "file") {
  const std::string head = "cannot write " + what + " " + path + ": ";
#if defined(__unix__) || defined(__APPLE__)
  // a device, FIFO or socket cannot be replaced: written straight to (the
  // kernel follows the links; /dev/stdout is the process's own descriptor)
  struct stat st {};
  if (detail::is_stream_path(path) || (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))) {
    if (!detail::is_stream_path(path) && S_ISDIR(st.st_mode)) throw FileError(head + "it is a directory");
    const int own = detail::own_descriptor(path);
    const int out = own >= 0 ? own : ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (out < 0) throw FileError(head + detail::errno_text());
    try {
      produce([&](const void* data, std::size_t n) {
        const std::string why = detail::write_all(out, static_cast<const char*>(data), n);
        if (!why.empty()) throw FileError(head + why);
      });
    } catch (...) {
      if (own < 0) ::close(out);
      throw;
    }
    if (own < 0 && ::close(out) != 0) throw FileError(head + detail::errno_text());
    return;
  }
  const std::string target = detail::follow_links(path);  // a link is kept; its target is replaced
  const std::string tmp = target + ".tmp-" + std::to_string(static_cast<long>(::getpid()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw FileError(head + "cannot create " + tmp + ": " + detail::errno_text());
  try {
    produce([&](const void* data, std::size_t n) {
      const std::string why = detail::write_all(fd, static_cast<const char*>(data), n);
      if (!why.empty()) throw FileError(head + why + "; the previous file is unchanged");
    });
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = detail::errno_text();
    ::unlink(tmp.c_str());
    throw FileError(head + why + "; the previous file is unchanged");
  }
  if (std::rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = detail::errno_text();
    ::unlink(tmp.c_str());
    throw FileError(head + "rename failed: " + why + "; the previous file is unchanged");
  }
  // make the rename itself durable (a power cut after it keeps the new file);
  // best effort: some file systems refuse fsync on a directory
  const std::string dir = detail::folder_of(target);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
#else
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    try {
      produce([&](const void* data, std::size_t n) {
        if (!out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n)))
          throw FileError(head + "write failed");
      });
    } catch (...) {
      out.close();
      std::remove(tmp.c_str());
      throw;
    }
    if (!out.flush()) throw FileError(head + "write failed");
  }
  std::remove(path.c_str());
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw FileError(head + "rename failed");
#endif
}

/// Writes n bytes to `path` atomically (write_file_atomically_in_pieces, in
/// one piece).
inline void write_file_atomically(const std::string& path, const void* data, std::size_t n,
                                  const std::string& what = "file") {
  write_file_atomically_in_pieces(path, [&](auto&& write) { write(data, n); }, what);
}

/// Throws the FileError write_file_atomically(path, ..., what) would throw
/// for a reason known before any work: `path` (its links followed) is a
/// directory, cannot be written, or sits in a folder that does not exist or
/// cannot be written. A program calls it for each output before it starts.
inline void check_output_path(const std::string& path, const std::string& what = "file") {
  const std::string head = "cannot write " + what + " " + path + ": ";
#if defined(__unix__) || defined(__APPLE__)
  if (detail::own_descriptor(path) >= 0) return;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw FileError(head + "it is a directory");
    if (::access(path.c_str(), W_OK) != 0) throw FileError(head + detail::errno_text());
    if (!S_ISREG(st.st_mode) || detail::is_stream_path(path)) return;  // a device or FIFO: written straight to
  }
  const std::string target = detail::follow_links(path);
  const std::string dir = detail::folder_of(target);
  if (::stat(dir.c_str(), &st) != 0) throw FileError(head + "the folder " + dir + ": " + detail::errno_text());
  if (!S_ISDIR(st.st_mode)) throw FileError(head + dir + " is not a folder");
  if (::access(dir.c_str(), W_OK) != 0) throw FileError(head + "the folder " + dir + ": " + detail::errno_text());
#else
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw FileError(head + "it is a directory");
#endif
}

inline void write_file_atomically(const std::string& path, std::string_view bytes, const std::string& what = "file") {
  write_file_atomically(path, bytes.data(), bytes.size(), what);
}

GENATTN_NAMESPACE_END
