# `cmake --install BUILD --prefix P` lays out:
#   P/bin/wm                           the CLI
#   P/share/wm/data/real               real datasets (util/data_dir.h finds
#                                      them from P/bin/wm)
#   P/share/wm/configs                 example configs (scenes, serve, ...;
#                                      the built-in ones are also compiled in)
#   P/share/wm/proto/wm/v1/*.proto      the API schema, for clients in any language
#   P/lib/systemd/system/wm-serve.service
#   P/lib/libwm_*.a, P/include/wm/     the C++ client and what it needs
#   P/lib/cmake/wm/wmConfig.cmake      find_package(wm): targets wm::client
#                                      (and wm::rpc, wm::worldmodel,
#                                      wm::util, wm::proto beneath it)
include(CMakePackageConfigHelpers)

install(TARGETS wm RUNTIME DESTINATION bin)
install(DIRECTORY data/real DESTINATION share/wm/data)
install(DIRECTORY configs/ DESTINATION share/wm/configs)
install(FILES deploy/wm-serve.service DESTINATION lib/systemd/system)
install(DIRECTORY proto/wm DESTINATION share/wm/proto FILES_MATCHING PATTERN "*.proto")

# The client library and its in-project dependencies, exported as wm::<name>.
set(wm_exported_libraries wm_client wm_rpc wm_worldmodel wm_util wm_proto)
foreach(library ${wm_exported_libraries})
  string(REGEX REPLACE "^wm_" "" export_name "${library}")
  set_target_properties(${library} PROPERTIES EXPORT_NAME ${export_name})
endforeach()
install(TARGETS ${wm_exported_libraries} EXPORT wmTargets
  ARCHIVE DESTINATION lib)

# Headers: those the client's public headers include, and every generated
# wm/v1 header (the messages are the API).
install(FILES services/client/channel.h services/client/remote_world_model.h
  DESTINATION ${WM_INSTALL_INCLUDE_DIR}/services/client)
install(FILES worldmodel/world_model.h
  DESTINATION ${WM_INSTALL_INCLUDE_DIR}/worldmodel)
install(FILES util/tensor.h DESTINATION ${WM_INSTALL_INCLUDE_DIR}/util)
install(DIRECTORY "${CMAKE_BINARY_DIR}/generated/wm/v1/"
  DESTINATION ${WM_INSTALL_INCLUDE_DIR}/wm/v1 FILES_MATCHING PATTERN "*.h")

set(wm_cmake_dir lib/cmake/wm)
install(EXPORT wmTargets NAMESPACE wm:: DESTINATION ${wm_cmake_dir})
configure_package_config_file(cmake/wmConfig.cmake.in
  "${CMAKE_BINARY_DIR}/wmConfig.cmake" INSTALL_DESTINATION ${wm_cmake_dir})
write_basic_package_version_file("${CMAKE_BINARY_DIR}/wmConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_BINARY_DIR}/wmConfig.cmake"
  "${CMAKE_BINARY_DIR}/wmConfigVersion.cmake" DESTINATION ${wm_cmake_dir})
