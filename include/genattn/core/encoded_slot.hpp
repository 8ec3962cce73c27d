// genattn/core/encoded_slot.hpp: a parameter slot's values held at a reduced
// encoding, as a quantized checkpoint stores them (train/checkpoint.hpp).
//
//   bf16:      v_rc = bf16(h_rc)                 one 16-bit pattern a value
//   int8 rows: v_rc = q_rc * scale_r             a scale per row (a layer's outputs)
//   int8 cols: v_rc = q_rc * scale_c             a scale per column (an embedding's words)
//
// Values are column-major (element (r, c) at r + c rows). int8 is
// symmetric: scale = max |v| / 127 over the line, q = round(v / scale) in
// -127..127, and an all-zero line has scale 0. bf16 rounds to nearest, ties
// to even.
//
// A ParamBuffer can hold a slot this way in place of its float values
// (core/params.hpp: a model loaded from a quantized checkpoint for decoding):
// PackedWeights packs it at its own precision without a float copy, and an
// Embedding widens only the columns it looks up.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "genattn/core/bf16_matrix.hpp"
#include "genattn/core/types.hpp"

GENATTN_NAMESPACE_BEGIN

/// How a slot's values are stored (the checkpoint's encoding byte).
enum class SlotEncoding : std::uint8_t { scalar = 0, bf16 = 1, int8_rows = 2, int8_cols = 3 };

/// The name of an encoding, for messages.
inline const char* encoding_name(SlotEncoding e) {
  switch (e) {
    case SlotEncoding::bf16: return "bf16";
    case SlotEncoding::int8_rows: return "int8 (a scale per row)";
    case SlotEncoding::int8_cols: return "int8 (a scale per column)";
    default: return "scalar";
  }
}

/// rows x cols values (column-major) at a reduced encoding.
struct EncodedSlot {
  SlotEncoding encoding = SlotEncoding::bf16;
  Index rows = 0, cols = 0;
  std::vector<float> scales;          ///< int8: per row or per column
  std::vector<std::int8_t> q;         ///< int8
  std::vector<std::uint16_t> halves;  ///< bf16

  /// Bytes the encoded values take.
  std::size_t bytes() const { return scales.size() * sizeof(float) + q.size() + halves.size() * 2; }

  /// The value at (r, c).
  float value(Index r, Index c) const {
    const auto i = static_cast<std::size_t>(r + c * rows);
    if (encoding == SlotEncoding::bf16) return bf16::to_float(halves[i]);
    const float scale = scales[static_cast<std::size_t>(encoding == SlotEncoding::int8_rows ? r : c)];
    return static_cast<float>(q[i]) * scale;
  }

  /// Column c's values written to out[0..rows).
  template <class T>
  void decode_column(Index c, T* out) const {
    for (Index r = 0; r < rows; ++r) out[r] = static_cast<T>(value(r, c));
  }

  /// Every value, written to out[0..rows*cols) (column-major).
  template <class T>
  void decode(T* out) const {
    for (Index c = 0; c < cols; ++c) decode_column(c, out + c * rows);
  }
};

/// v (rows x cols, column-major) at encoding `e` (not scalar).
template <class T>
EncodedSlot encode_slot(const T* v, Index rows, Index cols, SlotEncoding e) {
  EncodedSlot out;
  out.encoding = e;
  out.rows = rows;
  out.cols = cols;
  const auto n = static_cast<std::size_t>(rows * cols);
  if (e == SlotEncoding::bf16) {
    out.halves.resize(n);
    for (std::size_t i = 0; i < n; ++i) out.halves[i] = bf16::from_float(static_cast<float>(v[i]));
    return out;
  }
  // int8: a line is a row (int8_rows) or a column (int8_cols)
  const bool by_row = e == SlotEncoding::int8_rows;
  const Index lines = by_row ? rows : cols, length = by_row ? cols : rows;
  const std::size_t step = by_row ? static_cast<std::size_t>(rows) : 1;
  out.scales.resize(static_cast<std::size_t>(lines));
  out.q.resize(n);
  for (Index l = 0; l < lines; ++l) {
    const std::size_t first = by_row ? static_cast<std::size_t>(l) : static_cast<std::size_t>(l * rows);
    float amax = 0;
    for (Index k = 0; k < length; ++k)
      amax = std::max(amax, std::fabs(static_cast<float>(v[first + static_cast<std::size_t>(k) * step])));
    out.scales[static_cast<std::size_t>(l)] = amax / 127.f;
    const float inv = amax > 0 ? 127.f / amax : 0.f;
    for (Index k = 0; k < length; ++k) {
      const std::size_t i = first + static_cast<std::size_t>(k) * step;
      const float r = std::nearbyint(static_cast<float>(v[i]) * inv);
      out.q[i] = static_cast<std::int8_t>(std::clamp(r, -127.f, 127.f));
    }
  }
  return out;
}

GENATTN_NAMESPACE_END
