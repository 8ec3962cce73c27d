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
#pragma once

#include <atomic>
#include <cstdint>

#include <string>
#include <utility>
#include <vector>

#include "genattn/core/check.hpp"
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
  explicit ParamBuffer(const ParamLayout& layout) : data_(Vec<T>::Zero(layout.size())) {}
  ParamBuffer(const ParamBuffer& other) : data_(other.data_), version_(other.version()) {}
  ParamBuffer(ParamBuffer&& other) noexcept : data_(std::move(other.data_)), version_(other.version()) {
    other.touch();
  }
  ParamBuffer& operator=(const ParamBuffer& other) {
    if (this != &other) {
      data_ = other.data_;
      touch();
    }
    return *this;
  }
  ParamBuffer& operator=(ParamBuffer&& other) noexcept {
    if (this != &other) {
      data_ = std::move(other.data_);
      touch();
      other.touch();
    }
    return *this;
  }

  /// A view of slot `p`.
  MatMap<T> operator[](const Param& p) {
    eigen_assert(p.offset + p.size() <= data_.size());
    touch();
    return MatMap<T>(data_.data() + p.offset, p.rows, p.cols);
  }
  ConstMatMap<T> operator[](const Param& p) const {
    eigen_assert(p.offset + p.size() <= data_.size());
    return ConstMatMap<T>(data_.data() + p.offset, p.rows, p.cols);
  }

  /// The whole buffer as one vector (for optimizers, norms, io).
  Vec<T>& flat() {
    touch();
    return data_;
  }
  const Vec<T>& flat() const { return data_; }
  Index size() const { return data_.size(); }
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

  Vec<T> data_;
  std::atomic<std::uint64_t> version_{0};
};

GENATTN_NAMESPACE_END
