# `cmake --install build` puts headers, libraries and attnlabConfig.cmake under
# the prefix, so another project can find_package(attnlab) and link
# attnlab::attnlab. (add_subdirectory(attnlab) works as well.)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(_targets attnlab attn_flags attn_stb attn_zlib attn_jpeg attn_autograd attn_layers attn_data attn_train)
if(TARGET attn_models)
  list(APPEND _targets attn_models)
endif()
install(TARGETS ${_targets} EXPORT attnlabTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(dir autograd layers data train models)
  if(EXISTS ${PROJECT_SOURCE_DIR}/${dir})
    install(DIRECTORY ${dir} DESTINATION include/attnlab FILES_MATCHING PATTERN "*.h")
  endif()
endforeach()
install(EXPORT attnlabTargets NAMESPACE attnlab:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/attnlab)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/attnlabConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/attnlabConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/attnlab)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/attnlabConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/attnlabConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/attnlabConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/attnlab)
