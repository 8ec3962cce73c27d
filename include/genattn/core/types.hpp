// genattn/core/types.hpp: the scalar and matrix types every module uses.
//
// Storage is column-major with one column per (time step x batch item): column
// t * B + b holds step t of batch item b. One GEMM then covers every step of an
// input projection, and the B columns of one step are contiguous.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "genattn/core/eigen_blocking.hpp"
#include "genattn/version.hpp"

GENATTN_NAMESPACE_BEGIN

using Index = Eigen::Index;

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
template <class T>
using MatMap = Eigen::Map<Mat<T>>;
template <class T>
using ConstMatMap = Eigen::Map<const Mat<T>>;
template <class T>
using MatRef = Eigen::Ref<Mat<T>>;
template <class T>
using ConstMatRef = Eigen::Ref<const Mat<T>>;

/// A token id, and a position-ordered sequence of them (index t * B + b).
using TokenId = std::int32_t;
using TokenIds = std::vector<TokenId>;

/// The special ids every genattn vocabulary reserves.
struct SpecialIds {
  TokenId pad = 0;
  TokenId unk = 1;
  TokenId bos = 2;
  TokenId eos = 3;
};

/// Per-item sequence lengths of a padded batch (each in 1..T).
using Lengths = std::vector<Index>;

namespace detail {
/// std::type_identity (C++20): keeps a parameter out of template deduction.
template <class T>
struct identity {
  using type = T;
};
}  // namespace detail

/// The empty matrix, for an optional argument left out ("skipped when empty").
template <class T>
const Mat<T>& no_matrix() {
  static const Mat<T> none;
  return none;
}

/// The empty matrix an unwanted output view binds to (a gradient that is
/// skipped when empty). Nothing writes to it: a view of it has no entries.
template <class T>
Mat<T>& no_output() {
  static Mat<T> none;
  return none;
}

/// Modules are defined for float and double only.
template <class T>
struct is_supported_scalar : std::bool_constant<std::is_same_v<T, float> || std::is_same_v<T, double>> {};

#define GENATTN_REQUIRE_SCALAR(T) \
  static_assert(::genattn::is_supported_scalar<T>::value, "genattn modules take T = float or double")

GENATTN_NAMESPACE_END
