// genattn/core/cpu_features.hpp: which instruction sets the running processor
// has, and which kernel the reduced-precision products use.
//
// The library is compiled for whatever the user compiles for (generic x86-64
// by default), and the int8 and bf16 products still use AVX-512 VNNI or
// AVX512_BF16 when the processor has them: their kernels carry `target`
// attributes (int8_matrix.hpp, bf16_matrix.hpp), and the choice is made at
// run time from CPUID (and XGETBV: the OS must save the AVX / AVX-512
// registers), never from the compiler's flags.
//
//   int8:  avx512_vnni (vpdpbusd) > avx2 (vpmaddubsw + vpmaddwd) > portable
//   bf16:  avx512_bf16 (vdpbf16ps) > avx2 (bf16 widened to float, FMA) > portable
//
// force_int8_kernel / force_bf16_kernel pin one for the whole process (tests
// run every kernel the machine has this way; benchmarks compare them); a
// kernel the processor lacks is refused.
#pragma once

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "genattn/core/types.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define GENATTN_X86_KERNELS 1
#include <cpuid.h>
#else
#define GENATTN_X86_KERNELS 0
#endif

GENATTN_NAMESPACE_BEGIN

/// The instruction-set extensions the reduced-precision kernels use.
struct CpuFeatures {
  bool avx2 = false, fma = false;                           // with the OS saving ymm
  bool avx512f = false, avx512bw = false, avx512vl = false;  // with the OS saving zmm
  bool avx512_vnni = false, avx512_bf16 = false;
};

namespace detail {
inline CpuFeatures detect_cpu_features() {
  CpuFeatures f;
#if GENATTN_X86_KERNELS
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid(1, a, b, c, d);
  const bool osxsave = (c >> 27) & 1u, has_fma = (c >> 12) & 1u;
  if (!osxsave) return f;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  const bool ymm = (xcr0_lo & 0x6u) == 0x6u;     // SSE and AVX state
  const bool zmm = (xcr0_lo & 0xe6u) == 0xe6u;   // and opmask, ZMM_Hi256, Hi16_ZMM
  __cpuid_count(7, 0, a, b, c, d);
  f.avx2 = ymm && ((b >> 5) & 1u);
  f.fma = ymm && has_fma;
  f.avx512f = zmm && ((b >> 16) & 1u);
  f.avx512bw = zmm && ((b >> 30) & 1u);
  f.avx512vl = zmm && ((b >> 31) & 1u);
  f.avx512_vnni = f.avx512f && f.avx512bw && ((c >> 11) & 1u);
  unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
  __cpuid_count(7, 1, a1, b1, c1, d1);
  f.avx512_bf16 = f.avx512f && f.avx512bw && ((a1 >> 5) & 1u);
#endif
  return f;
}
}  // namespace detail

/// The running processor's features (detected once).
inline const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detail::detect_cpu_features();
  return f;
}

enum class Int8Kernel { portable, avx2, avx512_vnni };
enum class Bf16Kernel { portable, avx2, avx512_bf16 };

inline const char* kernel_name(Int8Kernel k) {
  switch (k) {
    case Int8Kernel::avx512_vnni: return "avx512_vnni";
    case Int8Kernel::avx2: return "avx2";
    default: return "portable";
  }
}
inline const char* kernel_name(Bf16Kernel k) {
  switch (k) {
    case Bf16Kernel::avx512_bf16: return "avx512_bf16";
    case Bf16Kernel::avx2: return "avx2";
    default: return "portable";
  }
}

/// Whether this processor (and this build's compiler) can run kernel k.
inline bool supported(Int8Kernel k) {
  const CpuFeatures& f = cpu_features();
  switch (k) {
    case Int8Kernel::avx512_vnni: return GENATTN_X86_KERNELS && f.avx512_vnni;
    case Int8Kernel::avx2: return GENATTN_X86_KERNELS && f.avx2;
    default: return true;
  }
}
inline bool supported(Bf16Kernel k) {
  const CpuFeatures& f = cpu_features();
  switch (k) {
    case Bf16Kernel::avx512_bf16: return GENATTN_X86_KERNELS && f.avx512_bf16;
    case Bf16Kernel::avx2: return GENATTN_X86_KERNELS && f.avx2 && f.fma;
    default: return true;
  }
}

/// Every kernel this processor can run, fastest first.
inline std::vector<Int8Kernel> supported_int8_kernels() {
  std::vector<Int8Kernel> out;
  for (Int8Kernel k : {Int8Kernel::avx512_vnni, Int8Kernel::avx2, Int8Kernel::portable})
    if (supported(k)) out.push_back(k);
  return out;
}
inline std::vector<Bf16Kernel> supported_bf16_kernels() {
  std::vector<Bf16Kernel> out;
  for (Bf16Kernel k : {Bf16Kernel::avx512_bf16, Bf16Kernel::avx2, Bf16Kernel::portable})
    if (supported(k)) out.push_back(k);
  return out;
}

namespace detail {
inline std::atomic<int>& int8_forced() {
  static std::atomic<int> k{-1};
  return k;
}
inline std::atomic<int>& bf16_forced() {
  static std::atomic<int> k{-1};
  return k;
}
}  // namespace detail

/// The kernel the int8 products run: the forced one, else the fastest supported.
inline Int8Kernel int8_kernel() {
  const int forced = detail::int8_forced().load(std::memory_order_relaxed);
  if (forced >= 0) return static_cast<Int8Kernel>(forced);
  static const Int8Kernel best = supported_int8_kernels().front();
  return best;
}
inline Bf16Kernel bf16_kernel() {
  const int forced = detail::bf16_forced().load(std::memory_order_relaxed);
  if (forced >= 0) return static_cast<Bf16Kernel>(forced);
  static const Bf16Kernel best = supported_bf16_kernels().front();
  return best;
}

/// Pins the int8 (bf16) kernel for the process; throws std::invalid_argument
/// when this processor cannot run it. unforce_kernels() returns to the fastest.
inline void force_int8_kernel(Int8Kernel k) {
  if (!supported(k))
    throw std::invalid_argument(std::string("force_int8_kernel: this processor cannot run the ") + kernel_name(k) +
                                " kernel");
  detail::int8_forced().store(static_cast<int>(k));
}
inline void force_bf16_kernel(Bf16Kernel k) {
  if (!supported(k))
    throw std::invalid_argument(std::string("force_bf16_kernel: this processor cannot run the ") + kernel_name(k) +
                                " kernel");
  detail::bf16_forced().store(static_cast<int>(k));
}
inline void unforce_kernels() {
  detail::int8_forced().store(-1);
  detail::bf16_forced().store(-1);
}

GENATTN_NAMESPACE_END
