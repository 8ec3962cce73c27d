// genattn/core/eigen_blocking.hpp: Eigen's matrix products blocked the same
// way on every processor.
//
// Eigen's general product C = A B (K the inner dimension) sums each entry of C
// over k in blocks of kc, and splits A's rows into blocks of mc whose edges
// decide which register kernel (three, two or one packet of rows, or scalar)
// computes each row:
//
//   C_ij = sum_{blocks b} sum_{k in b} A_ik B_kj         kc, mc from the caches
//
// Eigen reads kc and mc from the processor's cache sizes (CPUID) at run time:
// kc from L1 (in a generic x86-64 build, at most 680 floats for a 32 KiB L1
// and 1016 for 48 KiB, then balanced over the sweeps K needs), mc from L2 and
// L3. Two processors with different caches therefore round the same product
// differently whenever they cut K into different blocks: an AMD EPYC (Zen 3:
// 32 KiB L1, 512 KiB L2) and a 5th-generation Xeon (48 KiB, 2 MiB) disagree on
// 93% of the entries of an 8000 x 256 x 800 output-layer product (K = 25
// steps of 32 summaries), bit for bit the same code otherwise.
//
// genattn fixes the sizes Eigen blocks for, once, when the program starts:
// every translation unit that includes a genattn header sets them to the
// constants below before main() (Eigen::setCpuCacheSizes), so a product gives
// the same bits on every processor. The sizes only steer blocking, never
// correctness; they are those of a common server core (a 32 KiB L1 as on
// Zen 2 to 4 and Skylake to Cascade Lake; on a 48 KiB-L1 processor the L1
// block is two thirds of what Eigen would pick there, still a few hundred k
// long). This applies to every Eigen product in the program, the user's too.
// Define GENATTN_EIGEN_CACHE_SIZES_FROM_CPU (in every translation unit) to
// keep Eigen's own, processor-dependent choice.
#pragma once

#include <Eigen/Core>
#include <cstddef>

#include "genattn/version.hpp"

GENATTN_NAMESPACE_BEGIN

/// The cache sizes, in bytes, that Eigen's products are blocked for.
struct EigenBlockingCaches {
  static constexpr std::ptrdiff_t l1 = 32 * 1024;
  static constexpr std::ptrdiff_t l2 = 1024 * 1024;
  static constexpr std::ptrdiff_t l3 = 32 * 1024 * 1024;
};

/// Sets Eigen's cache sizes to EigenBlockingCaches (what every genattn
/// translation unit does at start-up); returns true.
inline bool pin_eigen_blocking() {
  Eigen::setCpuCacheSizes(EigenBlockingCaches::l1, EigenBlockingCaches::l2, EigenBlockingCaches::l3);
  return true;
}

/// Whether Eigen's products are blocked for EigenBlockingCaches now.
inline bool eigen_blocking_pinned() {
  return Eigen::l1CacheSize() == EigenBlockingCaches::l1 && Eigen::l2CacheSize() == EigenBlockingCaches::l2 &&
         Eigen::l3CacheSize() == EigenBlockingCaches::l3;
}

#if !defined(GENATTN_EIGEN_CACHE_SIZES_FROM_CPU)
namespace detail {
namespace {
// One per translation unit (internal linkage), so its initializer runs at
// start-up whether or not the unit uses it; each sets the same sizes.
[[maybe_unused]] const bool eigen_blocking_pinned_at_startup = pin_eigen_blocking();
}  // namespace
}  // namespace detail
#endif

GENATTN_NAMESPACE_END
