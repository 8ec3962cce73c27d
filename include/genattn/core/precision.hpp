// genattn/core/precision.hpp: the number format decoding's weights are held
// and multiplied in.
//
//   float32: the parameters themselves (core/packed_matrix.hpp)
//   bf16:    rounded to bfloat16 (core/bf16_matrix.hpp), half the bytes
//   int8:    int8 with a scale per row (core/int8_matrix.hpp), a quarter
//
// Training always runs in the parameters' own type; a precision applies to
// the packs decoding makes (Seq2Seq::pack).
#pragma once

#include <stdexcept>
#include <string>

#include "genattn/core/types.hpp"

GENATTN_NAMESPACE_BEGIN

enum class Precision { float32 = 0, bf16 = 1, int8 = 2 };  // the numbers are stored in checkpoints

/// "float", "bf16" or "int8".
inline const char* precision_name(Precision p) {
  switch (p) {
    case Precision::bf16: return "bf16";
    case Precision::int8: return "int8";
    default: return "float";
  }
}

/// The precision named `name` ("float", "bf16" or "int8"); throws
/// std::invalid_argument for any other.
inline Precision parse_precision(const std::string& name) {
  if (name == "float") return Precision::float32;
  if (name == "bf16") return Precision::bf16;
  if (name == "int8") return Precision::int8;
  throw std::invalid_argument("unknown precision '" + name + "': expected float, bf16 or int8");
}

GENATTN_NAMESPACE_END
