# The kernel bundle helper as an outside project uses it (cmake -P): installs
# the build into a temporary prefix, configures and builds
# tools/tests/bundle_consumer against it (find_package(Keel) +
# keel_add_kernel_bundle, packed by the installed keel-bundle), and checks the
# bundle with `keel-bundle list`.
#
# Variables: KEEL_BUILD_DIR, WORK_DIR, CONSUMER_DIR, KERNEL_DIR, GENERATOR,
# C_COMPILER, EXPECT_FORMATS (the formats this machine can build: cuda,
# vulkan, level_zero).
cmake_minimum_required(VERSION 3.25)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${KEEL_BUILD_DIR} --prefix ${prefix})
foreach(f bin/keel-bundle)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "cmake --install did not produce ${f}")
  endif()
endforeach()
file(GLOB_RECURSE helper ${prefix}/*/KeelKernelBundle.cmake)
file(GLOB_RECURSE tool_targets ${prefix}/*/KeelBundleTargets.cmake)
if(NOT helper OR NOT tool_targets)
  message(FATAL_ERROR "cmake --install did not produce KeelKernelBundle.cmake and KeelBundleTargets.cmake")
endif()

# Nothing from the build tree may leak in: no PATH to it, only the prefix.
set(ENV{PATH} "/usr/local/cuda/bin:/usr/bin:/bin")
string(REPLACE "," ";" formats "${EXPECT_FORMATS}")
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_PREFIX_PATH=${prefix} -DKERNEL_DIR=${KERNEL_DIR}
    "-DREQUIRED=${formats}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
set(bundle ${WORK_DIR}/build/vector_add.keelbundle)
run(${prefix}/bin/keel-bundle list ${bundle})
set(listing "${out}")
message(STATUS "${listing}")
set(expected "")
if("cuda" IN_LIST formats)
  list(APPEND expected "ptx +compute_75" "cubin +sm_80" "cubin +sm_90")
endif()
if("vulkan" IN_LIST formats)
  list(APPEND expected "spirv-vulkan +vulkan1.2")
endif()
if("level_zero" IN_LIST formats)
  list(APPEND expected "spirv-opencl +opencl1.2")
endif()
list(LENGTH expected count)
if(NOT listing MATCHES "Keel bundle 1.0, ${count} entr(y|ies)")
  message(FATAL_ERROR "expected ${count} entries (${EXPECT_FORMATS})")
endif()
foreach(line IN LISTS expected)
  if(NOT listing MATCHES "${line}")
    message(FATAL_ERROR "the bundle lacks '${line}'")
  endif()
endforeach()
file(READ ${WORK_DIR}/build/formats.txt built)
string(STRIP "${built}" built)
if(NOT built STREQUAL "${formats}")
  message(FATAL_ERROR "<target>_FORMATS is '${built}', expected '${formats}'")
endif()
message(STATUS "bundle install test passed: ${bundle}")
