// genattn/core/params.hpp: named parameter slots in one flat buffer.
//
// Modules declare their parameters into a ParamLayout while they are built
// (`layout.add("encoder.l0.fwd.W_x", 4H, In, init)`) and keep only the returned
// Param handles. The owner then allocates flat buffers of layout.size()
// scalars: one for values, one for gradients (one per thread if wanted), one
// per optimizer moment. Optimizers, clipping, norms and serialization work on
// the flat vector; modules view their slot through a Map.
//
// Each slot starts on a 64-byte boundary (offsets are multiples of 16
// scalars), so every slot view is aligned for any SIMD width.
//
// A buffer for decoding can hold some slots at a reduced encoding
// (core/encoded_slot.hpp, as a quantized checkpoint stores them) in place of
// their values: it then allocates values for the other slots alone, products
// pack the held slots at their precision (PackedWeights::pack from a buffer)
// and embeddings widen the columns they look up. Such a buffer has no flat
// form (it does not train), and a view of a held slot is refused.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

#include <string>
#include <utility>
#include <vector>

#include "genattn/core/check.hpp"
#include "genattn/core/encoded_slot.hpp"
#include "genattn/core/types.hpp"

GENATTN_NAMESPACE_BEGIN

/// How a slot is initialized (see core/init.hpp).
struct InitSpec {
  enum class Kind {
    zeros,
    uniform,     ///< U(-scale, scale)
    normal,      ///< N(0, scale^2)
    glorot,      ///< U(-a, a), a = sqrt(6 / (rows + cols))
    orthogonal,  ///< each cols x cols row block orthogonal (LSTM recurrent matrices: one per gate)
    lstm_bias,   ///< zeros, forget-gate block (rows H..2H of [i f g o]) = scale
  };
  Kind kind = Kind::zeros;
  double scale = 0.0;

  static InitSpec zeros() { return {Kind::zeros, 0.0}; }
  static InitSpec uniform(double s) { return {Kind::uniform, s}; }
  static InitSpec normal(double stddev) { return {Kind::normal, stddev}; }
  static InitSpec glorot() { return {Kind::glorot, 0.0}; }
  static InitSpec orthogonal() { return {Kind::orthogonal, 0.0}; }
  static InitSpec lstm_bias(double forget) { return {Kind::lstm_bias, forget}; }
};

/// A handle to one slot: where it lives in the flat buffer and its shape.
struct Param {
  Index offset = 0;
  Index rows = 0;
  Index cols = 0;
  Index size() const { return rows * cols; }
};

/// One declared slot: its name, handle and initializer.
struct ParamSlot {
  std::string name;
  Param param;
  InitSpec init;
};

/// The table of named slots. Append-only; names are unique.
class ParamLayout {
 public:
  static constexpr Index alignment = 16;  // scalars: 64 bytes of float

  /// Declares a rows x cols slot and returns its handle.
  Param add(std::string name, Index rows, Index cols, InitSpec init = InitSpec::zeros()) {
    check_arg(rows > 0 && cols > 0, "ParamLayout::add",
              "slot '" + name + "' has shape " + detail::shape_string(rows, cols) + "; both sizes must be positive");
    check_arg(find(name) == nullptr, "ParamLayout::add", "slot '" + name + "' is declared twice");
    constexpr Index limit = Index{1} << 52;  // scalars in a layout: far beyond any memory, far below overflow
    check_arg(rows <= limit / cols && size_ <= limit - rows * cols - alignment, "ParamLayout::add",
              "slot '" + name + "' of shape " + detail::shape_string(rows, cols) + " makes the layout too large");
    const Param p{size_, rows, cols};
    size_ += (p.size() + alignment - 1) / alignment * alignment;
    slots_.push_back({std::move(name), p, init});
    return p;
  }

  /// The slot called `name`, or nullptr.
  const ParamSlot* find(const std::string& name) const {
    for (const auto& s : slots_)
      if (s.name == name) return &s;
    return nullptr;
  }

  const std::vector<ParamSlot>& slots() const { return slots_; }
  /// Scalars a flat buffer for this layout holds (slots plus alignment padding).
  Index size() const { return size_; }
  /// Scalars that belong to slots (the model's parameter count).
  Index parameter_count() const {
    Index n = 0;
    for (const auto& s : slots_) n += s.param.size();
    return n;
  }

 private:
  std::vector<ParamSlot> slots_;
  Index size_ = 0;
};

/// A flat buffer laid out by a ParamLayout: parameter values, gradients, or an
/// optimizer moment. Padding between slots is kept at zero.
///
/// version() counts the mutable views handed out (operator[], flat(),
/// set_zero(), and so every optimizer step): whatever is derived from the
/// values, such as weights packed for decoding, records the version it saw
/// and is refused once the buffer may have changed since.
template <class T>
class ParamBuffer {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  ParamBuffer() = default;
  explicit ParamBuffer(const ParamLayout& layout) : data_(Vec<T>::Zero(layout.size())), size_(layout.size()) {}

  /// A buffer for decoding whose slots `held` (handles of `layout`) each hold
  /// an EncodedSlot, given by hold(), in place of values; the other slots
  /// hold values (zeros until written).
  ParamBuffer(const ParamLayout& layout, const std::vector<Param>& held) : size_(layout.size()) {
    Index values = 0;
    for (const auto& s : layout.slots()) {
      const bool encoded = std::any_of(held.begin(), held.end(), [&](const Param& h) { return h.offset == s.param.offset; });
      held_.push_back({s.param.offset, encoded ? Index{-1} : values, encoded ? encoded_.size() : 0});
      if (encoded) {
        EncodedSlot e;
        e.rows = s.param.rows;
        e.cols = s.param.cols;
        encoded_.push_back(std::move(e));
      } else {
        values += (s.param.size() + ParamLayout::alignment - 1) / ParamLayout::alignment * ParamLayout::alignment;
      }
    }
    check_arg(encoded_.size() == held.size(), "ParamBuffer", "a held slot is not a slot of the layout");
    data_ = Vec<T>::Zero(values);
  }

  ParamBuffer(const ParamBuffer& other)
      : data_(other.data_), size_(other.size_), held_(other.held_), encoded_(other.encoded_),
        version_(other.version()) {}
  ParamBuffer(ParamBuffer&& other) noexcept
      : data_(std::move(other.data_)), size_(other.size_), held_(std::move(other.held_)),
        encoded_(std::move(other.encoded_)), version_(other.version()) {
    other.touch();
  }
  ParamBuffer& operator=(const ParamBuffer& other) {
    if (this != &other) {
      data_ = other.data_;
      size_ = other.size_;
      held_ = other.held_;
      encoded_ = other.encoded_;
      touch();
    }
    return *this;
  }
  ParamBuffer& operator=(ParamBuffer&& other) noexcept {
    if (this != &other) {
      data_ = std::move(other.data_);
      size_ = other.size_;
      held_ = std::move(other.held_);
      encoded_ = std::move(other.encoded_);
      touch();
      other.touch();
    }
    return *this;
  }

  /// A view of slot `p`. Refused for a slot held encoded.
  MatMap<T> operator[](const Param& p) {
    T* at = data_.data() + value_offset(p);
    touch();
    return MatMap<T>(at, p.rows, p.cols);
  }
  ConstMatMap<T> operator[](const Param& p) const {
    return ConstMatMap<T>(data_.data() + value_offset(p), p.rows, p.cols);
  }

  /// Slot `p`'s encoded values when this buffer holds it encoded, else null.
  const EncodedSlot* encoded(const Param& p) const {
    if (held_.empty()) return nullptr;
    const Held& h = find(p);
    return h.at < 0 ? &encoded_[h.encoded] : nullptr;
  }

  /// Slot `p`'s values as a matrix: a copy of them, or, for a slot held
  /// encoded, the values its bytes stand for (for a product that has no pack).
  Mat<T> widened(const Param& p) const {
    const EncodedSlot* e = encoded(p);
    if (e == nullptr) return (*this)[p];
    Mat<T> out(p.rows, p.cols);
    e->decode(out.data());
    return out;
  }

  /// Gives held slot `p` its encoded values (their shape must be p's).
  void hold(const Param& p, EncodedSlot values) {
    check_arg(!held_.empty() && find(p).at < 0, "ParamBuffer::hold", "the slot is not one this buffer holds encoded");
    check_arg(values.encoding != SlotEncoding::scalar && values.rows == p.rows && values.cols == p.cols,
              "ParamBuffer::hold",
              "the encoded values are " + detail::shape_string(values.rows, values.cols) + " " +
                  encoding_name(values.encoding) + ", the slot is " + detail::shape_string(p.rows, p.cols));
    touch();
    encoded_[find(p).encoded] = std::move(values);
  }

  /// Whether some slot is held encoded (a buffer for decoding only).
  bool holds_encoded() const { return !encoded_.empty(); }

  /// The whole buffer as one vector (for optimizers, norms, io). Refused
  /// for a buffer holding encoded slots.
  Vec<T>& flat() {
    check_flat();
    touch();
    return data_;
  }
  const Vec<T>& flat() const {
    check_flat();
    return data_;
  }
  /// Scalars of the layout this buffer stands for.
  Index size() const { return size_; }
  /// Bytes held: the values and the encoded slots.
  std::size_t bytes() const {
    std::size_t n = static_cast<std::size_t>(data_.size()) * sizeof(T);
    for (const auto& e : encoded_) n += e.bytes();
    return n;
  }
  void set_zero() {
    touch();
    data_.setZero();
  }

  /// Bumped by every mutable view (a write may follow); never decreases.
  std::uint64_t version() const { return version_.load(std::memory_order_relaxed); }

 private:
  // relaxed: threads that write disjoint ranges of one buffer (the
  // optimizer's parts) bump it together; its readers are the same thread
  // that packed, or a later one synchronized by the caller
  void touch() { version_.fetch_add(1, std::memory_order_relaxed); }

  struct Held {
    Index offset;         // the slot's offset in the layout
    Index at;             // its values' offset in data_, or -1: held encoded
    std::size_t encoded;  // then: its index in encoded_
  };

  const Held& find(const Param& p) const {
    const auto it = std::lower_bound(held_.begin(), held_.end(), p.offset,
                                     [](const Held& h, Index offset) { return h.offset < offset; });
    check_arg(it != held_.end() && it->offset == p.offset, "ParamBuffer", "the handle is not a slot of this buffer");
    return *it;
  }

  Index value_offset(const Param& p) const {
    if (held_.empty()) {
      eigen_assert(p.offset + p.size() <= data_.size());
      return p.offset;
    }
    const Held& h = find(p);
    check_arg_lazily(h.at >= 0, "ParamBuffer", [&] {
      return "the " + detail::shape_string(p.rows, p.cols) + " slot is held at " +
             encoding_name(encoded_[h.encoded].encoding) +
             " for decoding: its values exist only packed for products and looked up by embeddings";
    });
    return h.at;
  }

  void check_flat() const {
    if (!encoded_.empty())
      throw std::logic_error("ParamBuffer: a buffer holding encoded slots (for decoding) has no flat form: it "
                             "neither trains nor saves");
  }

  Vec<T> data_;
  Index size_ = 0;
  std::vector<Held> held_;  // empty: every slot at its own offset in data_
  std::vector<EncodedSlot> encoded_;
  std::atomic<std::uint64_t> version_{0};
};

GENATTN_NAMESPACE_END
