# Builds and runs one consumer project (cmake -P). Variables:
#   KIND          find_package | add_subdirectory | add_subdirectory_tests | fetchcontent
#   SOURCE_DIR    genattn's source tree
#   GENATTN_BUILD genattn's build tree (for the install of find_package)
#   WORK_DIR      scratch directory
#   CXX_COMPILER  the compiler genattn was configured with
#   MPIEXEC       mpiexec, when genattn was built with genattn::mpi (find_package
#                 then builds and runs an MPI consumer on two ranks too)
cmake_minimum_required(VERSION 3.16)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
# Debug at -O0 without debug information: a consumer build checks packaging
# (targets, include paths, the installed files), not code, and an optimized
# build of the text-model program alone took a minute
set(args -S "${SOURCE_DIR}/tests/consumers/${KIND}" -B "${WORK_DIR}/build"
         -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0
         -DGENATTN_SOURCE_DIR=${SOURCE_DIR})
if(KIND STREQUAL "find_package")
  run(${CMAKE_COMMAND} --install "${GENATTN_BUILD}" --prefix "${WORK_DIR}/prefix")
  foreach(f include/genattn/genattn.hpp include/genattn/version.hpp
            share/cmake/genattn/genattnConfig.cmake share/cmake/genattn/genattnConfigVersion.cmake
            share/pkgconfig/genattn.pc)
    if(NOT EXISTS "${WORK_DIR}/prefix/${f}")
      message(FATAL_ERROR "install did not write ${f}")
    endif()
  endforeach()
  list(APPEND args "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix")
endif()
run(${CMAKE_COMMAND} ${args})
if(KIND STREQUAL "add_subdirectory_tests")
  # the consumer and one of genattn's tests, not the whole suite
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/build" --target consumer text_test)
  run("${WORK_DIR}/build/genattn/tests/text_test")
else()
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
endif()
run("${WORK_DIR}/build/consumer")
if(KIND STREQUAL "find_package")
  run("${WORK_DIR}/build/consumer_text_model" "${SOURCE_DIR}/tests/fixtures/model")
  if(MPIEXEC)
    if(NOT EXISTS "${WORK_DIR}/build/consumer_mpi")
      message(FATAL_ERROR "genattn was built with genattn::mpi, but the installed package did not provide it")
    endif()
    run(${MPIEXEC} -n 2 "${WORK_DIR}/build/consumer_mpi")
  endif()
endif()
