# Helper functions shared by every part of the Keel build.

# keel_warnings(<target>): the project's warning flags.
function(keel_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C,CXX>:-Wall -Wextra -Wno-unused-parameter>)
endfunction()

# keel_add_backend(NAME <name> SOURCES <src>... [INCLUDES <dir>...] [DEPS <lib>...])
# Builds the plugin libkeel_<name>.so into lib/keel/ (build tree) and installs
# it into <libdir>/keel/. The plugin exports only keelBackendNegotiate.
function(keel_add_backend)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;INCLUDES;DEPS" ${ARGN})
  set(target keel_${ARG_NAME})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_include_directories(${target} PRIVATE ${ARG_INCLUDES})
  target_link_libraries(${target} PRIVATE keel_headers keel_backend_common ${ARG_DEPS})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    LIBRARY_OUTPUT_DIRECTORY ${KEEL_PLUGIN_OUTPUT_DIRECTORY})
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  keel_warnings(${target})
  install(TARGETS ${target} LIBRARY DESTINATION ${KEEL_INSTALL_PLUGINDIR})
endfunction()

# keel_add_gtest(NAME <name> SOURCES <src>... [DEPS <lib>...] [LABELS <label>...])
# A GoogleTest executable registered with ctest.
function(keel_add_gtest)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;LABELS" ${ARGN})
  find_package(GTest REQUIRED)
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE GTest::gtest GTest::gtest_main ${ARG_DEPS})
  keel_warnings(${ARG_NAME})
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  if(ARG_LABELS)
    set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
