# Explicit instances of genattn's largest templates for the examples and the
# benchmarks: Seq2Seq<T>, Trainer<T> and the search functions are compiled
# once, into a static library, and the programs' units see them declared
# `extern template` (GENATTN_EXTERN_FLOAT, GENATTN_EXTERN_DOUBLE), so they do
# not compile them again. The library itself stays header-only: a program that
# does not link these compiles what it uses, as before.
#
# Seq2Seq<T>'s members are cut into four units (cmake/instances/*.cpp.in),
# so that no unit takes long and the units build in parallel.
#
# The tests instantiate what they use themselves. Measured (g++ 12, this
# project at 2026-12): most test binaries also test the modules directly, in
# float and double, so a shared library of instances cost more to compile
# than it saved.
include_guard(GLOBAL)

set(_genattn_instance_units seq2seq_source seq2seq_loss seq2seq_backward seq2seq_decode trainer search)
set(_genattn_instance_templates ${CMAKE_CURRENT_LIST_DIR}/instances)

# genattn_use_instances(TARGET FLAVOR SCALARS...): TARGET links the instances
# of SCALARS (float, double) compiled as FLAVOR says:
#   native  -march=native, as the examples and benchmarks are by default
#   generic the build type's flags alone
# A flavor's library is made once, by its first user; later users of the
# flavor must ask for the same scalars or fewer.
function(genattn_use_instances target flavor)
  set(scalars ${ARGN})
  set(lib genattn_instances_${flavor})
  if(NOT TARGET ${lib})
    set(sources)
    foreach(T IN LISTS scalars)
      foreach(unit IN LISTS _genattn_instance_units)
        set(out ${genattn_BINARY_DIR}/genattn_instances/${flavor}/${unit}_${T}.cpp)
        configure_file(${_genattn_instance_templates}/${unit}.cpp.in ${out} @ONLY)
        list(APPEND sources ${out})
      endforeach()
    endforeach()
    add_library(${lib} STATIC ${sources})
    target_link_libraries(${lib} PUBLIC genattn::genattn)
    foreach(T IN LISTS scalars)
      string(TOUPPER ${T} upper)
      target_compile_definitions(${lib} PUBLIC GENATTN_EXTERN_${upper})
    endforeach()
    genattn_project_target(${lib})
    if(flavor STREQUAL "native")
      genattn_native_target(${lib})
    elseif(NOT flavor STREQUAL "generic")
      message(FATAL_ERROR "genattn_use_instances: unknown flavor '${flavor}' (native or generic)")
    endif()
  endif()
  target_link_libraries(${target} PRIVATE ${lib})
endfunction()
