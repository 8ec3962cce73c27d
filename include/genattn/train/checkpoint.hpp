// genattn/train/checkpoint.hpp: the checkpoint file format.
//
// Layout (all integers little-endian; format version 2):
//   magic        8 bytes  "GENATTN\x1a"
//   version      u32      2 (1 still loads: no encoding byte, every slot scalar)
//   scalar       u8       4 (float) or 8 (double): the type of the scalar values below
//   config       u32 n, then n x (str name, i64 value)        the model config's fields()
//   slots        u32 n, then n x (str name, i64 rows, i64 cols, u8 encoding)
//                                                             the parameter table
//   values       every slot's values in table order, as its encoding says:
//                  0 scalar:    rows*cols scalars, column-major
//                  1 bf16:      rows*cols u16 (bfloat16 bit patterns), column-major
//                  2 int8 rows: rows f32 scales, then rows*cols i8, column-major;
//                               value = q * scale of its row
//                  3 int8 cols: cols f32 scales, then rows*cols i8, column-major;
//                               value = q * scale of its column (an embedding's words)
//   optimizer    u8 present; if 1: u8 kind, 6 x f64 (momentum, initial_accumulator,
//                beta1, beta2, eps, weight_decay), i64 step, u32 m, m x (rows*cols
//                scalars of every slot, in table order)
//   state        u32 n, then n x (str name, u64 word)         trainer state (rng, schedule, ...)
//   checksum     u64      FNV-1a 64 of every byte before it
// where str = u32 length + bytes (at most 4096).
//
// int8 is symmetric: scale = max |v| / 127 over the row (column), q =
// round(v / scale) in -127..127, and an all-zero row has scale 0. bf16 rounds
// to nearest, ties to even. The bytes are the same on every processor:
// packing for a kernel happens at load (core/int8_matrix.hpp,
// core/bf16_matrix.hpp).
//
// Saving writes `<path>.tmp-<pid>`, flushes it to disk and renames it over
// `path`, so a crash leaves either the old file or the new one. The bytes go
// to the file a block (1 MiB) at a time as they are encoded, and a model and
// a trainer save their values from where they live (save_checkpoint with the
// buffers): saving holds neither the file nor a copy of the values as
// doubles in memory. Loading
// checks the size, magic, version, checksum and every count against the bytes
// that remain before it allocates, and throws CheckpointError saying what is
// wrong. Values convert between float and double on load; quantized slots
// load as the values their bytes stand for.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "genattn/core/encoded_slot.hpp"
#include "genattn/core/file.hpp"
#include "genattn/core/params.hpp"
#include "genattn/train/checkpoint_bytes.hpp"

GENATTN_NAMESPACE_BEGIN

struct CheckpointSlot {
  std::string name;
  std::int64_t rows = 0, cols = 0;
  SlotEncoding encoding = SlotEncoding::scalar;
};

/// A checkpoint in memory, independent of the scalar type (values held as
/// double: float -> double -> float is exact).
struct Checkpoint {
  static constexpr std::uint32_t format_version = 2;
  static constexpr std::uint32_t oldest_version = 1;
  static constexpr std::size_t max_string = detail::checkpoint_max_string;

  int scalar_bytes = 4;
  std::vector<std::pair<std::string, std::int64_t>> config;
  std::vector<CheckpointSlot> slots;
  std::vector<double> values;  ///< all slots, in table order
  bool has_optimizer = false;
  std::uint8_t optimizer_kind = 0;
  double optimizer_config[6] = {};
  std::int64_t optimizer_step = 0;
  std::vector<std::vector<double>> moments;
  std::vector<std::pair<std::string, std::uint64_t>> state;

  /// The state word `name`, or nothing when absent (a word newer than the file).
  std::optional<std::uint64_t> find_state_word(const std::string& name) const {
    for (const auto& [k, v] : state)
      if (k == name) return v;
    return std::nullopt;
  }
  /// The state word `name`; throws when absent.
  std::uint64_t state_word(const std::string& name) const {
    if (const auto v = find_state_word(name)) return *v;
    throw CheckpointError("checkpoint has no trainer state '" + name + "'");
  }
};

/// A double stored bit for bit in a state word, and back.
inline std::uint64_t double_word(double d) { return detail::scalar_bits(d, 8); }
inline double word_double(std::uint64_t u) { return detail::bits_scalar(u, 8); }


/// One slot's values in a checkpoint being parsed (parse_checkpoint), read
/// once: as values of any scalar type, or, for a reduced slot, as the
/// EncodedSlot its bytes hold. Every value is checked (finite, non-negative
/// int8 scales; no int8 -128).
class SlotReader {
 public:
  SlotReader(detail::ByteReader& r, const CheckpointSlot& slot, int scalar_bytes)
      : r_(r), slot_(slot), scalar_bytes_(scalar_bytes) {}

  const CheckpointSlot& slot() const { return slot_; }
  bool done() const { return done_; }

  /// The values (rows*cols, column-major) converted to U: a reduced slot's
  /// are the values its bytes stand for.
  template <class U>
  void values(U* out) {
    if (slot_.encoding == SlotEncoding::scalar)
      scalars(out);
    else
      encoded().decode(out);
  }

  /// A scalar slot's values converted to U.
  template <class U>
  void scalars(U* out) {
    start(slot_.encoding == SlotEncoding::scalar, "scalars");
    const std::uint64_t n = count();
    const auto sb = static_cast<std::uint64_t>(scalar_bytes_);
    if (n > r_.remaining() / sb) r_.fail("truncated: parameter values need " + std::to_string(n * sb) + " bytes");
    for (std::uint64_t i = 0; i < n; ++i)
      out[i] = static_cast<U>(scalar_bytes_ == 4 ? static_cast<double>(r_.f32("parameter values"))
                                                 : r_.f64("parameter values"));
  }

  /// A reduced slot's bytes.
  EncodedSlot encoded() {
    start(slot_.encoding != SlotEncoding::scalar, "encoded values");
    const auto n = static_cast<std::size_t>(count());
    EncodedSlot e;
    e.encoding = slot_.encoding;
    e.rows = slot_.rows;
    e.cols = slot_.cols;
    if (slot_.encoding == SlotEncoding::bf16) {
      e.halves.resize(n);
      for (auto& h : e.halves) {
        const std::uint16_t lo = r_.u8("bf16 values");
        h = static_cast<std::uint16_t>(lo | (r_.u8("bf16 values") << 8));
      }
      return e;
    }
    e.scales.resize(static_cast<std::size_t>(slot_.encoding == SlotEncoding::int8_rows ? slot_.rows : slot_.cols));
    for (float& scale : e.scales) {
      scale = r_.f32("int8 scales");
      if (!std::isfinite(scale) || scale < 0)
        r_.fail("slot '" + slot_.name + "' has an invalid int8 scale " + std::to_string(scale));
    }
    e.q.resize(n);
    for (auto& q : e.q) {
      q = static_cast<std::int8_t>(r_.u8("int8 values"));
      if (q == -128) r_.fail("slot '" + slot_.name + "' holds the int8 value -128 (symmetric int8 ends at -127)");
    }
    return e;
  }

  /// Passes over the values unread (still checked).
  void skip() {
    if (slot_.encoding == SlotEncoding::scalar) {
      start(true, "");
      r_.skip(count(), static_cast<std::size_t>(scalar_bytes_), "parameter values");
    } else {
      (void)encoded();
    }
  }

 private:
  std::uint64_t count() const {
    return static_cast<std::uint64_t>(slot_.rows) * static_cast<std::uint64_t>(slot_.cols);
  }
  void start(bool ok, const char* as) {
    if (done_) throw std::logic_error("SlotReader: slot '" + slot_.name + "' was read already");
    if (!ok)
      throw std::logic_error(std::string("SlotReader: slot '") + slot_.name + "' is stored " +
                             encoding_name(slot_.encoding) + ", not as " + as);
    done_ = true;
  }

  detail::ByteReader& r_;
  const CheckpointSlot& slot_;
  int scalar_bytes_;
  bool done_ = false;
};

/// Stores slot `k` of `c` at `encoding` from now on, and rounds its values
/// to those the file will hold (so that what is saved and what stays in
/// memory agree bit for bit).
inline void encode_slot_as(Checkpoint& c, std::size_t k, SlotEncoding encoding) {
  std::size_t first = 0;
  for (std::size_t i = 0; i < k; ++i) first += static_cast<std::size_t>(c.slots[i].rows * c.slots[i].cols);
  CheckpointSlot& s = c.slots[k];
  s.encoding = encoding;
  if (encoding == SlotEncoding::scalar) return;
  double* v = c.values.data() + first;
  encode_slot(v, s.rows, s.cols, encoding).decode(v);
}

namespace detail {

/// The values a checkpoint holds (Checkpoint::values and ::moments), as
/// write_checkpoint_body writes them.
struct HeldValues {
  const Checkpoint& c;
  void parameters(ByteWriter& w) const;
  std::size_t moment_count() const { return c.moments.size(); }
  void moment(ByteWriter& w, std::size_t k) const { w.scalars(c.moments[k].data(), c.moments[k].size(), c.scalar_bytes); }
};

/// encode_checkpoint's bytes before the checksum; the values from `values`
/// (HeldValues, or save_checkpoint's buffers, BufferValues).
template <class Values>
void write_checkpoint_body(ByteWriter& w, const Checkpoint& c, const Values& values) {
  for (char ch : std::string("GENATTN\x1a", 8)) w.u8(static_cast<std::uint8_t>(ch));
  w.u32(Checkpoint::format_version);
  w.u8(static_cast<std::uint8_t>(c.scalar_bytes));
  w.u32(static_cast<std::uint32_t>(c.config.size()));
  for (const auto& [k, v] : c.config) {
    w.str(k);
    w.i64(v);
  }
  w.u32(static_cast<std::uint32_t>(c.slots.size()));
  for (const auto& s : c.slots) {
    w.str(s.name);
    w.i64(s.rows);
    w.i64(s.cols);
    w.u8(static_cast<std::uint8_t>(s.encoding));
  }
  values.parameters(w);
  w.u8(c.has_optimizer ? 1 : 0);
  if (c.has_optimizer) {
    w.u8(c.optimizer_kind);
    for (double x : c.optimizer_config) w.f64(x);
    w.i64(c.optimizer_step);
    w.u32(static_cast<std::uint32_t>(values.moment_count()));
    for (std::size_t k = 0; k < values.moment_count(); ++k) values.moment(w, k);
  }
  w.u32(static_cast<std::uint32_t>(c.state.size()));
  for (const auto& [k, v] : c.state) {
    w.str(k);
    w.u64(v);
  }
}

inline void HeldValues::parameters(ByteWriter& w) const {
  std::size_t first = 0;
  for (const auto& s : c.slots) {
    const auto n = static_cast<std::size_t>(s.rows * s.cols);
    const double* v = c.values.data() + first;
    first += n;
    if (s.encoding == SlotEncoding::scalar) {
      w.scalars(v, n, c.scalar_bytes);
      continue;
    }
    const EncodedSlot e = encode_slot(v, s.rows, s.cols, s.encoding);
    for (const std::uint16_t h : e.halves) {
      w.u8(static_cast<std::uint8_t>(h & 0xffu));
      w.u8(static_cast<std::uint8_t>(h >> 8));
    }
    for (const float scale : e.scales) w.f32(scale);
    for (const std::int8_t q : e.q) w.u8(static_cast<std::uint8_t>(q));
  }
}

}  // namespace detail

/// Serializes `c` (format above): the bytes counted first, then written into
/// a buffer of that size (allocated once, not grown by doubling to up to
/// twice the file), then the checksum. (save_checkpoint streams them to the
/// file instead.)
inline std::vector<unsigned char> encode_checkpoint(const Checkpoint& c) {
  const detail::HeldValues values{c};
  detail::ByteWriter counter(true);
  detail::write_checkpoint_body(counter, c, values);
  detail::ByteWriter w;
  w.bytes.reserve(counter.size() + 8);
  detail::write_checkpoint_body(w, c, values);
  w.u64(fnv1a64(w.bytes.data(), w.bytes.size()));
  return std::move(w.bytes);
}


/// Where parse_checkpoint hands a checkpoint's parameter values: table()
/// once the parameter table is read (before any value), then slot(k, r)
/// for each slot in table order, which reads slot k's values through r
/// (exactly once: SlotReader::values, scalars or encoded).
struct CheckpointSink {
  virtual ~CheckpointSink() = default;
  virtual void table(const Checkpoint& header) = 0;
  virtual void slot(std::size_t k, SlotReader& r) = 0;
  /// Whether the optimizer's moments are read into Checkpoint::moments
  /// (false: checked and skipped, as decoding needs none).
  virtual bool wants_moments() const { return true; }
};

/// Parses a checkpoint, handing the parameter values to `sink` (the rest
/// goes into the Checkpoint returned, whose values stay empty); `path` only
/// names the source in messages.
inline Checkpoint parse_checkpoint(const unsigned char* data, std::size_t size, const std::string& path,
                                   CheckpointSink& sink) {
  if (size < 8 + 4 + 1 + 8) throw CheckpointError(path + ": not a genattn checkpoint (only " +
                                                          std::to_string(size) + " bytes)");
  if (std::memcmp(data, "GENATTN\x1a", 8) != 0)
    throw CheckpointError(path + ": not a genattn checkpoint (bad magic number)");
  const std::size_t body = size - 8;
  detail::ByteReader tail(data + body, 8, path);
  const std::uint64_t stored = tail.u64("checksum");
  detail::ByteReader r(data, body, path);
  for (int i = 0; i < 8; ++i) r.u8("magic");
  const std::uint32_t version = r.u32("version");
  if (version < Checkpoint::oldest_version || version > Checkpoint::format_version)
    throw CheckpointError(path + ": checkpoint format version " + std::to_string(version) +
                          " is not supported (this genattn reads versions " +
                          std::to_string(Checkpoint::oldest_version) + " to " +
                          std::to_string(Checkpoint::format_version) + ")");
  if (fnv1a64(data, body) != stored)
    throw CheckpointError(path + ": checksum mismatch: the file is corrupt or truncated");
  Checkpoint c;
  c.scalar_bytes = r.u8("scalar type");
  if (c.scalar_bytes != 4 && c.scalar_bytes != 8)
    r.fail("scalar type " + std::to_string(c.scalar_bytes) + " is neither float (4) nor double (8)");
  const std::size_t nconfig = r.count("config count", 4 + 8);
  for (std::size_t i = 0; i < nconfig; ++i) {
    std::string k = r.str("config name");
    c.config.emplace_back(std::move(k), r.i64("config value"));
  }
  const std::size_t nslots = r.count("slot count", version >= 2 ? 4 + 17 : 4 + 16);
  std::uint64_t total = 0, value_bytes = 0;
  for (std::size_t i = 0; i < nslots; ++i) {
    CheckpointSlot s;
    s.name = r.str("slot name");
    s.rows = r.i64("slot rows");
    s.cols = r.i64("slot cols");
    if (s.rows <= 0 || s.cols <= 0 || s.rows > (std::int64_t{1} << 31) || s.cols > (std::int64_t{1} << 31))
      r.fail("slot '" + s.name + "' has an impossible shape " + std::to_string(s.rows) + "x" + std::to_string(s.cols));
    if (version >= 2) {
      const std::uint8_t e = r.u8("slot encoding");
      if (e > 3) r.fail("slot '" + s.name + "' has an unknown encoding " + std::to_string(e));
      s.encoding = static_cast<SlotEncoding>(e);
    }
    // the bytes the slot's values take, summed with a check at every slot:
    // each slot's count is below 2^62 and the sum stays below what remains
    // (plus one slot's bytes), so nothing overflows before it is refused
    const auto n = static_cast<std::uint64_t>(s.rows) * static_cast<std::uint64_t>(s.cols);
    if (n > r.remaining())
      r.fail("truncated: slot '" + s.name + "' holds " + std::to_string(n) + " values, " +
             std::to_string(r.remaining()) + " bytes remain");
    total += n;
    switch (s.encoding) {
      case SlotEncoding::scalar: value_bytes += n * static_cast<std::uint64_t>(c.scalar_bytes); break;
      case SlotEncoding::bf16: value_bytes += 2 * n; break;
      case SlotEncoding::int8_rows: value_bytes += n + 4 * static_cast<std::uint64_t>(s.rows); break;
      case SlotEncoding::int8_cols: value_bytes += n + 4 * static_cast<std::uint64_t>(s.cols); break;
    }
    if (value_bytes > r.remaining())
      r.fail("truncated: the parameter values need " + std::to_string(value_bytes) + " bytes or more, " +
             std::to_string(r.remaining()) + " remain");
    c.slots.push_back(std::move(s));
  }
  sink.table(c);
  for (std::size_t k = 0; k < c.slots.size(); ++k) {
    SlotReader values(r, c.slots[k], c.scalar_bytes);
    sink.slot(k, values);
    if (!values.done()) values.skip();
  }
  c.has_optimizer = r.u8("optimizer flag") != 0;
  if (c.has_optimizer) {
    c.optimizer_kind = r.u8("optimizer kind");
    if (c.optimizer_kind > 3) r.fail("unknown optimizer kind " + std::to_string(c.optimizer_kind));
    for (double& x : c.optimizer_config) x = r.f64("optimizer config");
    c.optimizer_step = r.i64("optimizer step");
    const std::size_t nm = r.count("moment count", total == 0 ? 1 : static_cast<std::size_t>(c.scalar_bytes));
    if (nm > 2) r.fail("moment count " + std::to_string(nm) + " is more than any optimizer keeps");
    for (std::size_t m = 0; m < nm; ++m) {
      if (sink.wants_moments())
        c.moments.push_back(r.scalars(total, c.scalar_bytes, "optimizer moments"));
      else
        r.skip(total, static_cast<std::size_t>(c.scalar_bytes), "optimizer moments");
    }
  }
  const std::size_t nstate = r.count("state count", 4 + 8);
  for (std::size_t i = 0; i < nstate; ++i) {
    std::string k = r.str("state name");
    c.state.emplace_back(std::move(k), r.u64("state word"));
  }
  if (r.remaining() != 0) r.fail(std::to_string(r.remaining()) + " unexpected bytes before the checksum");
  return c;
}

/// Parses a checkpoint into memory, every value as a double; `path` only
/// names the source in messages.
inline Checkpoint decode_checkpoint(const unsigned char* data, std::size_t size, const std::string& path) {
  struct ToDoubles : CheckpointSink {
    std::vector<double> values;
    std::size_t first = 0;
    void table(const Checkpoint& header) override {
      std::size_t total = 0;
      for (const auto& s : header.slots) total += static_cast<std::size_t>(s.rows * s.cols);
      values.resize(total);
    }
    void slot(std::size_t, SlotReader& r) override {
      r.values(values.data() + first);
      first += static_cast<std::size_t>(r.slot().rows * r.slot().cols);
    }
  } sink;
  Checkpoint c = parse_checkpoint(data, size, path, sink);
  c.values = std::move(sink.values);
  return c;
}

inline Checkpoint decode_checkpoint(const std::vector<unsigned char>& bytes, const std::string& path) {
  return decode_checkpoint(bytes.data(), bytes.size(), path);
}

/// The same from a file's bytes read into a string (load_checkpoint, or a
/// checkpoint another rank sent).
inline Checkpoint decode_checkpoint(std::string_view bytes, const std::string& path) {
  return decode_checkpoint(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), path);
}

namespace detail {

/// Writes `c` to `path` atomically, its values from `values`, a block at a
/// time as they are encoded (never the whole file in memory), the checksum
/// last.
template <class Values>
void write_checkpoint_file(const std::string& path, const Checkpoint& c, const Values& values) {
  try {
    write_file_atomically_in_pieces(
        path,
        [&](auto&& write) {
          ByteWriter w([&](const void* data, std::size_t n) { write(data, n); });
          write_checkpoint_body(w, c, values);
          w.u64(w.hash());
          w.flush();
        },
        "checkpoint");
  } catch (const FileError& e) {
    throw CheckpointError(e.what());
  }
}

}  // namespace detail

/// Writes `c` to `path` atomically (the previous file survives any failure).
inline void save_checkpoint(const std::string& path, const Checkpoint& c) {
  detail::write_checkpoint_file(path, c, detail::HeldValues{c});
}

/// Reads and validates the checkpoint at `path`.
inline Checkpoint load_checkpoint(const std::string& path) {
  std::string text;
  try {
    text = read_file(path, "checkpoint");  // a directory is refused by name
  } catch (const FileError& e) {
    throw CheckpointError(e.what());
  }
  return decode_checkpoint(std::string_view(text), path);
}

/// Gathers one flat buffer in checkpoint order (slots without padding).
template <class T>
std::vector<double> gather_slots(const ParamLayout& layout, const ParamBuffer<T>& buf) {
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(layout.parameter_count()));
  for (const auto& s : layout.slots()) {
    const auto m = buf[s.param];
    for (Index i = 0; i < m.size(); ++i) out.push_back(static_cast<double>(m.data()[i]));
  }
  return out;
}

/// `layout`'s slots as `c`'s table, stored at T's size (the values left out).
template <class T>
void store_slots(const ParamLayout& layout, Checkpoint& c) {
  c.scalar_bytes = static_cast<int>(sizeof(T));
  c.slots.clear();
  for (const auto& s : layout.slots()) c.slots.push_back({s.name, s.param.rows, s.param.cols});
}

/// Copies the slots of `layout` from `values` into `c` (table and values).
template <class T>
void store_params(const ParamLayout& layout, const ParamBuffer<T>& values, Checkpoint& c) {
  store_slots<T>(layout, c);
  c.values = gather_slots(layout, values);
}

/// Checks that `c`'s parameter table equals `layout`'s (names, order, shapes).
inline void check_slots(const ParamLayout& layout, const Checkpoint& c, const std::string& path) {
  const auto& slots = layout.slots();
  if (slots.size() != c.slots.size())
    throw CheckpointError(path + ": the checkpoint has " + std::to_string(c.slots.size()) +
                          " parameters, the model has " + std::to_string(slots.size()));
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const auto& a = slots[i];
    const auto& b = c.slots[i];
    if (a.name != b.name || a.param.rows != b.rows || a.param.cols != b.cols)
      throw CheckpointError(path + ": parameter " + std::to_string(i) + " is '" + b.name + "' " +
                            std::to_string(b.rows) + "x" + std::to_string(b.cols) + " in the checkpoint but '" +
                            a.name + "' " + detail::shape_string(a.param.rows, a.param.cols) + " in the model");
  }
}

namespace detail {

/// A model's parameters and its optimizer's moments where they live, in
/// ParamBuffers, as write_checkpoint_body writes them: slot by slot in the
/// layout's order, each value converted to the file's scalar type as it is
/// written.
template <class T>
struct BufferValues {
  const ParamLayout& layout;
  const ParamBuffer<T>& params;
  const std::vector<const ParamBuffer<T>*>& moments;
  int scalar_bytes;
  void write(ByteWriter& w, const ParamBuffer<T>& buf) const {
    for (const auto& s : layout.slots()) {
      const auto m = buf[s.param];
      w.scalars(m.data(), static_cast<std::size_t>(m.size()), scalar_bytes);
    }
  }
  void parameters(ByteWriter& w) const { write(w, params); }
  std::size_t moment_count() const { return moments.size(); }
  void moment(ByteWriter& w, std::size_t k) const { write(w, *moments[k]); }
};

}  // namespace detail

/// Writes `c` to `path` atomically, as save_checkpoint(path, c) does, with
/// its parameters and optimizer moments read from `params` and `moments`
/// (buffers of `layout`, whose slots `c.slots` lists: store_slots) rather
/// than from c.values and c.moments, which stay empty: the same bytes as
/// gathering them into `c` first, without that copy of every value as a
/// double (a Trainer's save: 24 bytes a parameter with Adam).
template <class T>
void save_checkpoint(const std::string& path, const Checkpoint& c, const ParamLayout& layout,
                     const ParamBuffer<T>& params, const std::vector<const ParamBuffer<T>*>& moments = {}) {
  if (!c.values.empty() || !c.moments.empty())
    throw std::invalid_argument("save_checkpoint: the checkpoint holds values of its own; give them in the buffers");
  check_slots(layout, c, path);
  for (const auto& s : c.slots)
    if (s.encoding != SlotEncoding::scalar)
      throw std::invalid_argument("save_checkpoint: slot '" + s.name + "' is encoded; buffers hold scalars only");
  if (moments.size() > 0 && !c.has_optimizer)
    throw std::invalid_argument("save_checkpoint: moments given for a checkpoint without an optimizer");
  const auto check_size = [&](const ParamBuffer<T>& b, const char* what) {
    check_arg(b.size() == layout.size(), "save_checkpoint",
              std::string(what) + " holds " + std::to_string(b.size()) + " scalars, the layout needs " +
                  std::to_string(layout.size()));
  };
  check_size(params, "params");
  for (const auto* m : moments) check_size(*m, "a moment");
  detail::write_checkpoint_file(path, c, detail::BufferValues<T>{layout, params, moments, c.scalar_bytes});
}

/// Scatters checkpoint-ordered `flat` into `buf` (converting to T).
template <class T>
void scatter_slots(const ParamLayout& layout, const std::vector<double>& flat, ParamBuffer<T>& buf) {
  std::size_t k = 0;
  for (const auto& s : layout.slots()) {
    auto m = buf[s.param];
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(flat[k++]);
  }
}

GENATTN_NAMESPACE_END
