// genattn/train/checkpoint_bytes.hpp: the checkpoint format's bytes, written
// and read (train/checkpoint.hpp says what the format holds).
//
//   u8, u32, u64, i64   little-endian, whatever the processor's order
//   f32, f64            the IEEE 754 bit pattern as u32, u64
//   str                 u32 length, then the bytes (reading: at most 4096)
//   scalars             n values as f32 (scalar_bytes 4) or f64 (8)
//
// ByteWriter holds the bytes, or counts them (to reserve a buffer once), or
// streams them to a sink a block (1 MiB) at a time, keeping their FNV-1a 64
// (core/file.hpp), so that a file is never held whole. ByteReader checks
// each read against the bytes that remain before it reads or allocates.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "genattn/core/file.hpp"
#include "genattn/core/types.hpp"

GENATTN_NAMESPACE_BEGIN

/// A checkpoint file that cannot be read or written, and why.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

/// A string's longest (str = u32 length + bytes).
inline constexpr std::size_t checkpoint_max_string = 4096;

/// The n (at most 8) low bytes of u at out, least significant first.
inline void store_little_endian(unsigned char* out, std::uint64_t u, std::size_t n) {
  for (std::size_t b = 0; b < n; ++b) out[b] = static_cast<unsigned char>(u >> (8 * b));
}
/// The n (at most 8) bytes at in, least significant first.
inline std::uint64_t load_little_endian(const unsigned char* in, std::size_t n) {
  std::uint64_t u = 0;
  for (std::size_t b = 0; b < n; ++b) u |= static_cast<std::uint64_t>(in[b]) << (8 * b);
  return u;
}
/// v's IEEE 754 bits as a float (each 4: v rounded to float) or a double
/// (each 8), and back.
inline std::uint64_t scalar_bits(double v, std::size_t each) {
  if (each == 4) {
    const float f = static_cast<float>(v);
    std::uint32_t w;
    std::memcpy(&w, &f, 4);
    return w;
  }
  std::uint64_t u;
  std::memcpy(&u, &v, 8);
  return u;
}
inline double bits_scalar(std::uint64_t u, std::size_t each) {
  if (each == 4) {
    const auto w = static_cast<std::uint32_t>(u);
    float f;
    std::memcpy(&f, &w, 4);
    return static_cast<double>(f);
  }
  double d;
  std::memcpy(&d, &u, 8);
  return d;
}

/// Little-endian writer of a checkpoint's bytes; a counting writer only
/// adds up their size (encode_checkpoint reserves it, so that the buffer
/// is allocated once, not grown by doubling to up to twice the file).
class ByteWriter {
 public:
  /// Where a streaming writer hands its bytes.
  using Sink = std::function<void(const void*, std::size_t)>;
  static constexpr std::size_t block = std::size_t{1} << 20;

  explicit ByteWriter(bool counting = false) : counting_(counting) {}
  /// A streaming writer: its bytes go to `sink` a block (1 MiB) at a time,
  /// as they are written, and the last of them on flush(); hash() is their
  /// FNV-1a so far. A checkpoint is then never held in memory whole.
  explicit ByteWriter(Sink sink) : counting_(false), sink_(std::move(sink)) {
    bytes.reserve(block + 4 + checkpoint_max_string);  // a block and the longest field after it
  }
  std::vector<unsigned char> bytes;  ///< what is written (streaming: not yet handed on)
  /// The bytes written (counting: counted); not for a streaming writer.
  std::size_t size() const { return counting_ ? counted_ : bytes.size(); }
  std::uint64_t hash() const { return fnv1a64(bytes.data(), bytes.size(), hash_); }
  /// Hands the bytes held to the sink (streaming).
  void flush() {
    if (!sink_ || bytes.empty()) return;
    hash_ = fnv1a64(bytes.data(), bytes.size(), hash_);
    sink_(bytes.data(), bytes.size());
    bytes.clear();
  }
  void u8(std::uint8_t v) { put(&v, 1); }
  void u32(std::uint32_t v) { little_endian(v, 4); }
  void u64(std::uint64_t v) { little_endian(v, 8); }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void f64(double v) { little_endian(scalar_bits(v, 8), 8); }
  void f32(float v) { little_endian(scalar_bits(static_cast<double>(v), 4), 4); }
  /// Refuses a string the reader would refuse (longer than 4096 bytes):
  /// a save fails, and leaves the file it would replace, rather than write
  /// one that cannot load.
  void str(const std::string& s) {
    if (s.size() > checkpoint_max_string)
      throw CheckpointError("cannot save a name of " + std::to_string(s.size()) + " bytes (at most " +
                            std::to_string(checkpoint_max_string) + "): '" + s.substr(0, 32) + "...'");
    u32(static_cast<std::uint32_t>(s.size()));
    put(reinterpret_cast<const unsigned char*>(s.data()), s.size());
  }
  /// n values as floats (scalar_bytes 4) or doubles (8), written into the
  /// buffer's end at once rather than appended one by one.
  template <class S>
  void scalars(const S* v, std::size_t n, int scalar_bytes) {
    const std::size_t each = scalar_bytes == 4 ? 4 : 8;
    if (counting_) {
      counted_ += n * each;
      return;
    }
    // streaming: up to the block's end at a time (the bytes held are fewer
    // than a block, or spill() would have handed them on), so that each
    // piece handed on is a block and less than one more value
    for (std::size_t done = 0; done < n;) {
      const std::size_t room = sink_ ? (block - bytes.size() + each - 1) / each : n;
      const std::size_t k = std::min(n - done, room);
      const std::size_t at = bytes.size();
      bytes.resize(at + k * each);
      unsigned char* out = bytes.data() + at;
      for (std::size_t i = done; i < done + k; ++i, out += each)
        store_little_endian(out, scalar_bits(static_cast<double>(v[i]), each), each);
      done += k;
      spill();
    }
  }

 private:
  void little_endian(std::uint64_t v, std::size_t n) {
    unsigned char b[8] = {};  // zeroed: GCC 12 -O1 warns of the bytes past n, never read
    store_little_endian(b, v, n);
    put(b, n);
  }
  void put(const unsigned char* p, std::size_t n) {
    if (counting_) {
      counted_ += n;
      return;
    }
    bytes.insert(bytes.end(), p, p + n);
    spill();
  }
  void spill() {
    if (sink_ && bytes.size() >= block) flush();
  }
  bool counting_;
  std::size_t counted_ = 0;
  Sink sink_;
  std::uint64_t hash_ = fnv1a64(nullptr, 0);
};

/// Bounds-checked little-endian reader of a checkpoint's bytes: every read
/// that the bytes left cannot hold, and every count they cannot hold, fails
/// with a CheckpointError naming the file, what was read and the byte offset.
class ByteReader {
 public:
  ByteReader(const unsigned char* p, std::size_t n, std::string path) : p_(p), n_(n), path_(std::move(path)) {}
  std::size_t remaining() const { return n_ - pos_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw CheckpointError(path_ + ": " + what + " (at byte " + std::to_string(pos_) + ")");
  }
  void need(std::size_t k, const char* what) const {
    if (k > remaining()) fail(std::string("truncated: ") + what + " needs " + std::to_string(k) + " bytes, " +
                              std::to_string(remaining()) + " remain");
  }
  std::uint8_t u8(const char* what) {
    need(1, what);
    return p_[pos_++];
  }
  std::uint32_t u32(const char* what) { return little_endian<std::uint32_t>(what); }
  std::uint64_t u64(const char* what) { return little_endian<std::uint64_t>(what); }
  std::int64_t i64(const char* what) { return static_cast<std::int64_t>(u64(what)); }
  double f64(const char* what) { return bits_scalar(u64(what), 8); }
  float f32(const char* what) { return static_cast<float>(bits_scalar(u32(what), 4)); }
  std::string str(const char* what) {
    const std::uint32_t len = u32(what);
    if (len > checkpoint_max_string) fail(std::string(what) + " has length " + std::to_string(len) + ", over the limit");
    need(len, what);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), len);
    pos_ += len;
    return s;
  }
  /// A count of entries each at least `min_bytes` long: rejects counts the
  /// remaining bytes cannot hold, before anything is allocated.
  std::size_t count(const char* what, std::size_t min_bytes) {
    const std::uint32_t n = u32(what);
    if (static_cast<std::uint64_t>(n) * min_bytes > remaining())
      fail(std::string(what) + " = " + std::to_string(n) + " cannot fit in the " + std::to_string(remaining()) +
           " bytes that remain");
    return n;
  }
  /// Passes over n entries of `size` bytes.
  void skip(std::uint64_t n, std::size_t size, const char* what) {
    if (n > remaining() / size) fail(std::string("truncated: ") + what + " needs " + std::to_string(n * size) + " bytes");
    pos_ += static_cast<std::size_t>(n) * size;
  }
  std::vector<double> scalars(std::uint64_t n, int scalar_bytes, const char* what) {
    const auto sb = static_cast<std::uint64_t>(scalar_bytes);
    if (n > remaining() / sb) fail(std::string("truncated: ") + what + " needs " + std::to_string(n * sb) + " bytes");
    // bounds checked once for all n, not again for each value
    std::vector<double> v(static_cast<std::size_t>(n));
    const auto each = static_cast<std::size_t>(sb);
    for (auto& x : v) {
      x = bits_scalar(load_little_endian(p_ + pos_, each), each);
      pos_ += each;
    }
    return v;
  }

 private:
  /// An unsigned integer of sizeof(U) bytes, least significant first.
  template <class U>
  U little_endian(const char* what) {
    need(sizeof(U), what);
    const auto v = static_cast<U>(load_little_endian(p_ + pos_, sizeof(U)));
    pos_ += sizeof(U);
    return v;
  }
  const unsigned char* p_;
  std::size_t n_;
  std::size_t pos_ = 0;
  std::string path_;
};

}  // namespace detail

GENATTN_NAMESPACE_END
