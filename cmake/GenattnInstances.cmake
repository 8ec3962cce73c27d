# Explicit instances of genattn's largest templates for the examples, the
# benchmarks and the tests: Seq2Seq<T>, Trainer<T> and the search functions are compiled
# once, into a static library, and the programs' units see them declared
# `extern template` (GENATTN_EXTERN_FLOAT, GENATTN_EXTERN_DOUBLE), so they do
# not compile them again. The library itself stays header-only: a program that
# does not link these compiles what it uses, as before.
#
# In the generic flavor, which the tests link, the modules (the encoder's
# layers, the decoder and its attention) are instances too, in three units
# (layers, attention, decoder), and GENATTN_EXTERN_MODULES makes their large
# members GENATTN_NOINLINE, so that the other units call them instead of
# compiling them (include/genattn/core/instances.hpp; g++ 12 -O1: rnn_test's
# unit 30 -> 17 s, seq2seq_test's 30 -> 22 s). The native flavor, which the
# summarizer and the benchmarks link, keeps the modules inline: the
# product's code stays as it was (see core/instances.hpp).
# The orthonormal initializer's QR is an instance in both (init.cpp, one per
# library). Seq2Seq<T>'s members are cut into four units
# (cmake/instances/*.cpp.in), so that no unit takes long and the units build
# in parallel.
#
# The tests link the generic instances of float and double (tests/CMakeLists.txt):
# most of their binaries drive Seq2Seq, the trainer or the search, and each
# compiled them again (g++ 12 -O2: train_test's unit 86 s, 16 s with them
# declared extern).
include_guard(GLOBAL)

set(_genattn_instance_units seq2seq_source seq2seq_loss seq2seq_backward seq2seq_decode trainer search)
set(_genattn_module_units layers attention decoder)  # generic flavor only
set(_genattn_instance_templates ${CMAKE_CURRENT_LIST_DIR}/instances)

# genattn_use_instances(TARGET FLAVOR SCALARS...): TARGET links the instances
# of SCALARS (float, double) compiled as FLAVOR says:
#   native  -march=native, as the examples and benchmarks are by default
#   generic the build type's flags alone
# A flavor's library is made by its first user and holds every scalar any
# user asks for: a later user's scalar is added to it.
function(genattn_use_instances target flavor)
  set(lib genattn_instances_${flavor})
  if(NOT TARGET ${lib})
    if(NOT flavor STREQUAL "native" AND NOT flavor STREQUAL "generic")
      message(FATAL_ERROR "genattn_use_instances: unknown flavor '${flavor}' (native or generic)")
    endif()
    add_library(${lib} STATIC ${_genattn_instance_templates}/init.cpp)
    target_link_libraries(${lib} PUBLIC genattn::genattn)
    genattn_project_target(${lib})
    if(flavor STREQUAL "native")
      genattn_native_target(${lib})
    else()
      target_compile_definitions(${lib} PUBLIC GENATTN_EXTERN_MODULES)
    endif()
  endif()
  get_property(have GLOBAL PROPERTY ${lib}_scalars)
  foreach(T IN LISTS ARGN)
    if(T IN_LIST have)
      continue()
    endif()
    set(sources)
    set(units ${_genattn_instance_units})
    if(flavor STREQUAL "generic")
      list(APPEND units ${_genattn_module_units})
    endif()
    foreach(unit IN LISTS units)
      set(out ${genattn_BINARY_DIR}/genattn_instances/${flavor}/${unit}_${T}.cpp)
      configure_file(${_genattn_instance_templates}/${unit}.cpp.in ${out} @ONLY)
      list(APPEND sources ${out})
    endforeach()
    target_sources(${lib} PRIVATE ${sources})
    string(TOUPPER ${T} upper)
    target_compile_definitions(${lib} PUBLIC GENATTN_EXTERN_${upper})
    list(APPEND have ${T})
  endforeach()
  set_property(GLOBAL PROPERTY ${lib}_scalars ${have})
  target_link_libraries(${target} PRIVATE ${lib})
  # The instances' objects come first on the link line (link options precede
  # the target's own objects), whole. An inline function that both an
  # instance and one of the target's units compile (Eigen's product kernels,
  # the modules' small members) is then the instance's copy: of two copies
  # the linker keeps the first it reads. Linked after the target's objects,
  # as a library is, the instances called the target's copy instead, which
  # in the sanitizer builds is compiled at -O0 (GENATTN_TEST_OPTIMIZATION).
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang" AND NOT APPLE)
    target_link_options(${target} PRIVATE "LINKER:--whole-archive" "$<TARGET_FILE:${lib}>" "LINKER:--no-whole-archive")
  endif()
endfunction()
