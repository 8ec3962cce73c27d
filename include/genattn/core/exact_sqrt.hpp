// genattn/core/exact_sqrt.hpp: an elementwise square root that gives the same
// bits on every processor.
//
//   y = sqrt(x), correctly rounded (IEEE 754: sqrtps, sqrtpd, vsqrtq)
//
// Eigen's own `x.sqrt()` is, by default (EIGEN_FAST_MATH = 1), the processor's
// reciprocal-square-root estimate refined by one Newton step for float
// (rsqrtps with SSE and AVX, vrsqrt14ps with AVX-512) and, with AVX-512, for
// double too (vrsqrt14pd). The estimate is specified only by a bound on its
// error (1.5 2^-12 for rsqrtps): Intel and AMD processors return different
// bits, so the refined square root differs in its last bit from one
// processor to the next (it differs from the correctly rounded root for 39%
// of floats on the AMD EPYC this was measured on). Adam's and Adagrad's
// denominators go through this functor so that a training run gives the same
// bits on every x86-64 processor (tests/core/exact_sqrt_test.cpp).
//
// The packet path is the hardware's correctly rounded square root wherever
// Eigen vectorizes with SSE2, AVX, AVX-512 or AArch64 NEON; elsewhere Eigen
// calls the scalar std::sqrt, which is correctly rounded too.
#pragma once

#include <cmath>

#include "genattn/core/types.hpp"

#if defined(EIGEN_VECTORIZE_SSE2) || defined(EIGEN_VECTORIZE_AVX) || defined(EIGEN_VECTORIZE_AVX512)
#include <immintrin.h>
#define GENATTN_EXACT_SQRT_PACKETS 1
#elif defined(EIGEN_VECTORIZE_NEON) && EIGEN_ARCH_ARM64
#include <arm_neon.h>
#define GENATTN_EXACT_SQRT_PACKETS 1
#else
#define GENATTN_EXACT_SQRT_PACKETS 0
#endif

GENATTN_NAMESPACE_BEGIN

namespace detail {

// One overload per packet type Eigen may hand the functor.
#if defined(EIGEN_VECTORIZE_SSE2)
inline Eigen::internal::Packet4f exact_sqrt_packet(const Eigen::internal::Packet4f& x) { return _mm_sqrt_ps(x); }
inline Eigen::internal::Packet2d exact_sqrt_packet(const Eigen::internal::Packet2d& x) { return _mm_sqrt_pd(x); }
#endif
#if defined(EIGEN_VECTORIZE_AVX)
inline Eigen::internal::Packet8f exact_sqrt_packet(const Eigen::internal::Packet8f& x) { return _mm256_sqrt_ps(x); }
inline Eigen::internal::Packet4d exact_sqrt_packet(const Eigen::internal::Packet4d& x) { return _mm256_sqrt_pd(x); }
#endif
#if defined(EIGEN_VECTORIZE_AVX512)
inline Eigen::internal::Packet16f exact_sqrt_packet(const Eigen::internal::Packet16f& x) { return _mm512_sqrt_ps(x); }
inline Eigen::internal::Packet8d exact_sqrt_packet(const Eigen::internal::Packet8d& x) { return _mm512_sqrt_pd(x); }
#endif
#if defined(EIGEN_VECTORIZE_NEON) && EIGEN_ARCH_ARM64 && !defined(EIGEN_VECTORIZE_SSE2)
inline Eigen::internal::Packet4f exact_sqrt_packet(const Eigen::internal::Packet4f& x) { return vsqrtq_f32(x); }
inline Eigen::internal::Packet2f exact_sqrt_packet(const Eigen::internal::Packet2f& x) { return vsqrt_f32(x); }
inline Eigen::internal::Packet2d exact_sqrt_packet(const Eigen::internal::Packet2d& x) { return vsqrtq_f64(x); }
#endif

/// The functor behind exact_sqrt().
template <class T>
struct ExactSqrtOp {
  T operator()(const T& x) const { return std::sqrt(x); }
  template <class Packet>
  Packet packetOp(const Packet& x) const {
    return exact_sqrt_packet(x);
  }
};

}  // namespace detail

/// sqrt(x) elementwise, correctly rounded: the same bits on every processor
/// (unlike Eigen's x.sqrt(); see above). `x` is an array expression.
template <class Derived>
auto exact_sqrt(const Eigen::ArrayBase<Derived>& x) {
  return x.unaryExpr(detail::ExactSqrtOp<typename Derived::Scalar>());
}

GENATTN_NAMESPACE_END

namespace Eigen {
namespace internal {
template <class T>
struct functor_traits<::genattn::detail::ExactSqrtOp<T>> {
  enum {
    Cost = 5 * NumTraits<T>::MulCost,
    PacketAccess = GENATTN_EXACT_SQRT_PACKETS && packet_traits<T>::Vectorizable
  };
};
}  // namespace internal
}  // namespace Eigen
