# Settings for genattn's own targets (tests, benchmarks, examples). Consumers of
# the INTERFACE target never see them; a parent project that turns genattn's
# tests on keeps its own build type.
include_guard(GLOBAL)

if(GENATTN_IS_TOP_LEVEL AND NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

# genattn_project_target(TARGET): warnings as errors, optional sanitizers.
function(genattn_project_target target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror)
  if(GENATTN_SANITIZE STREQUAL "thread")
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=thread)
  elseif(GENATTN_SANITIZE)
    target_compile_options(${target} PRIVATE
      -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=all)
  endif()
endfunction()

# genattn_native_target(TARGET): compile TARGET for this machine's CPU
# (-march=native: AVX-512 or AVX2 with FMA where present; genattn's kernels
# take the widest SIMD the compiler is told of). For programs built where they
# run: the benchmarks and the examples.
function(genattn_native_target target)
  target_compile_options(${target} PRIVATE -march=native)
  # GCC 12 warns about its own AVX-512 intrinsic headers under Eigen (GCC bug
  # 105593, a false positive on the unset "__Y" of avx512fintrin.h's
  # _mm512_undefined_ps): silence only those two warnings.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized -Wno-uninitialized)
  endif()
endfunction()

include(${CMAKE_CURRENT_LIST_DIR}/GenattnInstances.cmake)
