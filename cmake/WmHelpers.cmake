# wm_cc_library(NAME name SRCS ... DEPS ... [PUBLIC_DEPS ...])
#   A static library target with the project's warnings, include root and deps.
#   In the build, the include root is the source tree and the generated
#   headers; installed (cmake/WmInstall.cmake), it is <prefix>/include/wm.
# wm_cc_binary(NAME name SRCS ... DEPS ...)
#   An executable in build/bin/.
# wm_cc_test(NAME name SRCS ... DEPS ...)
#   A GoogleTest binary; each test case becomes its own ctest entry.

set(WM_WARNING_FLAGS -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare)
if(WM_WERROR)
  list(APPEND WM_WARNING_FLAGS -Werror)
endif()

function(_wm_apply_common target)
  target_compile_options(${target} PRIVATE ${WM_WARNING_FLAGS})
  target_include_directories(${target} PUBLIC
    "$<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}>"
    "$<BUILD_INTERFACE:${CMAKE_BINARY_DIR}/generated>"
    "$<INSTALL_INTERFACE:${WM_INSTALL_INCLUDE_DIR}>")
endfunction()

function(wm_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SRCS})
  _wm_apply_common(${ARG_NAME})
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS})
endfunction()

function(wm_cc_binary)
  cmake_parse_arguments(ARG "" "NAME;OUTPUT_NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  _wm_apply_common(${ARG_NAME})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  if(ARG_OUTPUT_NAME)
    set_target_properties(${ARG_NAME} PROPERTIES OUTPUT_NAME ${ARG_OUTPUT_NAME})
  endif()
endfunction()

# wm_cc_test(NAME n SRCS ... DEPS ... [TIMEOUT seconds]): a GoogleTest
# executable whose cases ctest runs, each within TIMEOUT (default 300 s).
function(wm_cc_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  _wm_apply_common(${ARG_NAME})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} wm_testing GTest::gmock)
  set_target_properties(${ARG_NAME} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
  # ctest runs two test processes at once (-j2) on two cores: each keeps
  # one BLAS thread, as `wm` sets for itself (UseOneIntraOpThread).
  gtest_discover_tests(${ARG_NAME}
    WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
    PROPERTIES TIMEOUT ${ARG_TIMEOUT} ENVIRONMENT "OPENBLAS_NUM_THREADS=1"
    DISCOVERY_TIMEOUT 60)
endfunction()

# wm_embed_files(OUTPUT out_var NAMESPACE ns FUNCTION fn GLOB pattern...)
#   Generates a source defining `const std::map<std::string, std::string>&
#   ns::fn()` that maps each matching file's base name to its contents
#   (cmake/EmbedFiles.cmake), regenerated when a file changes, and sets
#   out_var to its path for a target's SRCS.
function(wm_embed_files)
  cmake_parse_arguments(ARG "" "OUTPUT;NAMESPACE;FUNCTION" "GLOB" ${ARGN})
  file(GLOB files CONFIGURE_DEPENDS ${ARG_GLOB})
  string(REPLACE "::" "_" stem "${ARG_NAMESPACE}_${ARG_FUNCTION}")
  set(source "${CMAKE_BINARY_DIR}/generated/embedded/${stem}.cc")
  file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/generated/embedded")
  add_custom_command(
    OUTPUT "${source}"
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${source}
            -DNAMESPACE=${ARG_NAMESPACE} -DFUNCTION=${ARG_FUNCTION}
            "-DFILES=${files}" -P "${CMAKE_SOURCE_DIR}/cmake/EmbedFiles.cmake"
    DEPENDS ${files} "${CMAKE_SOURCE_DIR}/cmake/EmbedFiles.cmake"
    COMMENT "Embedding ${ARG_NAMESPACE}::${ARG_FUNCTION}"
    VERBATIM)
  set(${ARG_OUTPUT} "${source}" PARENT_SCOPE)
endfunction()
