// Compiled once into each instance library (cmake/GenattnInstances.cmake):
// the orthonormal initializer's QR, which every scalar shares.
#include "genattn/core/init.hpp"

GENATTN_NAMESPACE_BEGIN
namespace detail {
template Mat<double> orthonormal<Rng>(Index, Index, Rng&);
}  // namespace detail
GENATTN_NAMESPACE_END
