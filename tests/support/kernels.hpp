// tests/support/kernels.hpp: runs a check once with each reduced-precision
// kernel this processor has (core/cpu_features.hpp), dispatch forced to it.
#pragma once

#include <gtest/gtest.h>

#include <genattn/core/cpu_features.hpp>

namespace genattn_test {

/// Unforces the kernels when it goes out of scope (a failed ASSERT included).
struct KernelsUnforced {
  KernelsUnforced() = default;
  KernelsUnforced(const KernelsUnforced&) = delete;
  KernelsUnforced& operator=(const KernelsUnforced&) = delete;
  ~KernelsUnforced() { genattn::unforce_kernels(); }
};

/// f() with each int8 kernel the machine can run forced in turn.
template <class F>
void for_each_int8_kernel(F&& f) {
  KernelsUnforced guard;
  for (const genattn::Int8Kernel k : genattn::supported_int8_kernels()) {
    SCOPED_TRACE(std::string("int8 kernel ") + genattn::kernel_name(k));
    genattn::force_int8_kernel(k);
    f(k);
  }
}

/// f() with each bf16 kernel the machine can run forced in turn.
template <class F>
void for_each_bf16_kernel(F&& f) {
  KernelsUnforced guard;
  for (const genattn::Bf16Kernel k : genattn::supported_bf16_kernels()) {
    SCOPED_TRACE(std::string("bf16 kernel ") + genattn::kernel_name(k));
    genattn::force_bf16_kernel(k);
    f(k);
  }
}

}  // namespace genattn_test
