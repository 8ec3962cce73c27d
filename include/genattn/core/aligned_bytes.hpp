// genattn/core/aligned_bytes.hpp: a byte buffer aligned to a cache line.
//
// The int8 and bf16 packs (int8_matrix.hpp, bf16_matrix.hpp) hold their
// panels here: Eigen aligns its own buffers only to what the compiler flags
// allow (16 bytes for generic x86-64), and the kernels chosen at run time
// read 64-byte vectors.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

#include "genattn/core/types.hpp"

GENATTN_NAMESPACE_BEGIN

class AlignedBytes {
 public:
  static constexpr std::size_t alignment = 64;

  AlignedBytes() = default;
  AlignedBytes(const AlignedBytes& o) { *this = o; }
  AlignedBytes(AlignedBytes&& o) noexcept { *this = std::move(o); }
  AlignedBytes& operator=(AlignedBytes&& o) noexcept {
    data_ = std::move(o.data_);
    size_ = std::exchange(o.size_, 0);
    capacity_ = std::exchange(o.capacity_, 0);
    return *this;
  }
  AlignedBytes& operator=(const AlignedBytes& o) {
    if (this != &o) {
      resize(o.size_);
      if (size_ != 0) std::memcpy(data_.get(), o.data_.get(), size_);
    }
    return *this;
  }

  /// n bytes, zeroed; reuses the storage when it is big enough.
  void assign_zero(std::size_t n) {
    resize(n);
    if (n != 0) std::memset(data_.get(), 0, n);
  }

  std::size_t size() const { return size_; }
  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }

 private:
  struct Free {
    void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t(alignment)); }
  };

  void resize(std::size_t n) {
    if (n > capacity_) {
      data_.reset(static_cast<std::byte*>(::operator new[](n, std::align_val_t(alignment))));
      capacity_ = n;
    }
    size_ = n;
  }

  std::unique_ptr<std::byte[], Free> data_;
  std::size_t size_ = 0, capacity_ = 0;
};

GENATTN_NAMESPACE_END
