#include <gtest/gtest.h>

#include <stdexcept>

#include <genattn/core/cpu_features.hpp>

#include "support/kernels.hpp"

using namespace genattn;

// What the compiler was told the target has, the processor has (a binary
// built with -mavx2 does not run on one without AVX2): detection cannot miss
// a feature this binary already uses.
TEST(CpuFeatures, DetectsWhatTheCompilerTargets) {
  const CpuFeatures& f = cpu_features();
#if defined(__AVX2__)
  EXPECT_TRUE(f.avx2);
#endif
#if defined(__FMA__)
  EXPECT_TRUE(f.fma);
#endif
#if defined(__AVX512F__)
  EXPECT_TRUE(f.avx512f);
#endif
#if defined(__AVX512VNNI__)
  EXPECT_TRUE(f.avx512_vnni);
#endif
#if defined(__AVX512BF16__)
  EXPECT_TRUE(f.avx512_bf16);
#endif
  // a feature implies the ones its kernels also use
  if (f.avx512_vnni || f.avx512_bf16) {
    EXPECT_TRUE(f.avx512f && f.avx512bw);
  }
  EXPECT_TRUE(supported(Int8Kernel::portable));
  EXPECT_TRUE(supported(Bf16Kernel::portable));
}

// The default is the fastest kernel the processor has; forcing pins another
// until unforced; one the processor lacks is refused.
TEST(CpuFeatures, ForcingAndRefusing) {
  genattn_test::KernelsUnforced guard;
  EXPECT_EQ(int8_kernel(), supported_int8_kernels().front());
  EXPECT_EQ(bf16_kernel(), supported_bf16_kernels().front());
  force_int8_kernel(Int8Kernel::portable);
  force_bf16_kernel(Bf16Kernel::portable);
  EXPECT_EQ(int8_kernel(), Int8Kernel::portable);
  EXPECT_EQ(bf16_kernel(), Bf16Kernel::portable);
  unforce_kernels();
  EXPECT_EQ(int8_kernel(), supported_int8_kernels().front());
  for (Int8Kernel k : {Int8Kernel::avx512_vnni, Int8Kernel::avx2})
    if (!supported(k)) {
      EXPECT_THROW(force_int8_kernel(k), std::invalid_argument);
    }
  for (Bf16Kernel k : {Bf16Kernel::avx512_bf16, Bf16Kernel::avx2})
    if (!supported(k)) {
      EXPECT_THROW(force_bf16_kernel(k), std::invalid_argument);
    }
}
