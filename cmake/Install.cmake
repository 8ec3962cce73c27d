# install(): headers, the exported target, a config and version file that find
# Eigen themselves, and a pkg-config file.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GENATTN_CMAKE_DIR "${CMAKE_INSTALL_DATADIR}/cmake/genattn")

install(DIRECTORY include/genattn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS genattn EXPORT genattnTargets)
install(EXPORT genattnTargets NAMESPACE genattn:: DESTINATION ${GENATTN_CMAKE_DIR})
if(TARGET genattn_mpi)  # its own file: the package loads it when the consumer finds MPI too
  install(TARGETS genattn_mpi EXPORT genattnMpiTargets)
  install(EXPORT genattnMpiTargets NAMESPACE genattn:: DESTINATION ${GENATTN_CMAKE_DIR})
endif()

configure_package_config_file(cmake/genattnConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/genattnConfig.cmake"
  INSTALL_DESTINATION ${GENATTN_CMAKE_DIR})
# Header-only: any architecture may use it.
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/genattnConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/genattnConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/genattnConfigVersion.cmake"
        DESTINATION ${GENATTN_CMAKE_DIR})

configure_file(cmake/genattn.pc.in "${CMAKE_CURRENT_BINARY_DIR}/genattn.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/genattn.pc" DESTINATION ${CMAKE_INSTALL_DATADIR}/pkgconfig)
