# The install test (cmake -P): installs the build into a temporary prefix,
# then builds an outside project against it with find_package(Keel) and with
# pkg-config, and runs both: once with no backend (KL_ERROR_NO_BACKEND, the
# message naming the relocated plugin directory) and once with a test plugin
# dropped into <prefix>/lib/keel.
#
# Variables: KEEL_BUILD_DIR, WORK_DIR, CONSUMER_DIR, FAKE_PLUGIN (a plugin
# file named libkeel_alpha.so), C_COMPILER, C_FLAGS and LINK_FLAGS (those of
# the build under test, so that a sanitizer build tests a sanitizer
# consumer), GENERATOR, LIBDIR (relative).
cmake_minimum_required(VERSION 3.25)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

function(expect text regex what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: expected to match '${regex}', got:\n${text}")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${KEEL_BUILD_DIR} --prefix ${prefix})
file(REAL_PATH ${prefix} prefix)
set(libdir ${prefix}/${LIBDIR})
foreach(f include/keel/keel.h include/keel/keel_backend.h include/keel/keel_entry_points.h
          ${LIBDIR}/libkeel.so.1 ${LIBDIR}/cmake/Keel/KeelConfig.cmake
          ${LIBDIR}/cmake/Keel/KeelConfigVersion.cmake ${LIBDIR}/pkgconfig/keel.pc bin/keel-info)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "cmake --install did not produce ${f}")
  endif()
endforeach()
# Whatever real backends the build has are not this test's business.
file(GLOB real_plugins ${libdir}/keel/libkeel_*.so)
if(real_plugins)
  file(REMOVE ${real_plugins})
endif()

# 1. find_package(Keel) + Keel::keel
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/cmake-consumer -G ${GENERATOR}
    -DCMAKE_C_COMPILER=${C_COMPILER} "-DCMAKE_C_FLAGS=${C_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}"
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake-consumer)
set(cmake_consumer ${WORK_DIR}/cmake-consumer/keel-consumer)

# 2. pkg-config --cflags --libs keel, with nothing but PKG_CONFIG_PATH
set(ENV{PKG_CONFIG_PATH} ${libdir}/pkgconfig)
find_program(PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
run(${PKG_CONFIG} --cflags --libs keel)
string(STRIP "${out}" pc_flags)
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
set(pc_consumer ${WORK_DIR}/pkg-config-consumer)
separate_arguments(extra_flags UNIX_COMMAND "${C_FLAGS} ${LINK_FLAGS}")
run(${C_COMPILER} ${extra_flags} ${CONSUMER_DIR}/main.c ${pc_flags} -ldl -o ${pc_consumer})

# Run both: no backend installed...
set(ENV{KEEL_BACKENDS} alpha)
unset(ENV{KEEL_BACKEND_PATH})
unset(ENV{KEEL_LOG})
foreach(consumer ${cmake_consumer} ${pc_consumer})
  set(ENV{LD_LIBRARY_PATH} ${libdir})  # the pkg-config build has no rpath
  run(${consumer})
  expect("${out}" "klInit=KL_ERROR_NO_BACKEND\n" ${consumer})
  expect("${out}" "libkeel=${libdir}/libkeel\\.so\\.1" ${consumer})
  expect("${out}" "searched: ${libdir}/keel" "${consumer}: the relocated plugin directory")
endforeach()
# ...and a (test) plugin in <prefix>/lib/keel, found beside the installed libkeel.
file(MAKE_DIRECTORY ${libdir}/keel)
file(COPY_FILE ${FAKE_PLUGIN} ${libdir}/keel/libkeel_alpha.so)
foreach(consumer ${cmake_consumer} ${pc_consumer})
  run(${consumer})
  expect("${out}" "klInit=KL_SUCCESS\ndevices=2\n" ${consumer})
endforeach()
message(STATUS "install test passed: ${prefix}")
