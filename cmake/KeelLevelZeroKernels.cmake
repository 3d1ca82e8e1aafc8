# keel_add_level_zero_kernels(TARGET <target> MODULE <name> SOURCES <file.cl>...
#                             OUTPUT_DIR <dir> [CL_STD <CL1.2|CL2.0>])
#
# Compiles an OpenCL C module for the Level Zero backend into
# <OUTPUT_DIR>/<name>.ze.spv: clang (-target spir64 -emit-llvm, OpenCL C
# CL_STD, default CL1.2) to LLVM bitcode, then llvm-spirv to SPIR-V of the
# OpenCL flavour (OpEntryPoint Kernel, Physical64 addressing). Headers the
# source includes are tracked through a depfile. One .cl per module (the
# first of SOURCES). Adds a custom target <target> (in ALL) that builds it.
# Sets KEEL_LEVEL_ZERO_KERNELS_BUILT to ON or OFF (compilers not found) in
# the caller's scope. Tools: KEEL_ZE_CLANG (clang-14 or clang) and
# KEEL_LLVM_SPIRV (llvm-spirv-14 or llvm-spirv); Debian: clang-14 llvm-spirv-14.
find_program(KEEL_ZE_CLANG NAMES clang-14 clang)
find_program(KEEL_LLVM_SPIRV NAMES llvm-spirv-14 llvm-spirv)

function(keel_add_level_zero_kernels)
  cmake_parse_arguments(ARG "" "TARGET;MODULE;OUTPUT_DIR;CL_STD" "SOURCES" ${ARGN})
  if(NOT KEEL_ZE_CLANG OR NOT KEEL_LLVM_SPIRV)
    set(KEEL_LEVEL_ZERO_KERNELS_BUILT OFF PARENT_SCOPE)
    return()
  endif()
  if(NOT ARG_CL_STD)
    set(ARG_CL_STD CL1.2)
  endif()
  list(GET ARG_SOURCES 0 src)
  get_filename_component(src "${src}" ABSOLUTE)
  set(bc ${CMAKE_CURRENT_BINARY_DIR}/${ARG_TARGET}/${ARG_MODULE}.bc)
  set(spv ${ARG_OUTPUT_DIR}/${ARG_MODULE}.ze.spv)
  add_custom_command(OUTPUT ${spv}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ARG_OUTPUT_DIR} ${CMAKE_CURRENT_BINARY_DIR}/${ARG_TARGET}
    COMMAND ${KEEL_ZE_CLANG} -cl-std=${ARG_CL_STD} -target spir64 -emit-llvm -c -O2
            -Xclang -finclude-default-header -MD -MF ${bc}.d -MT ${spv} -o ${bc} ${src}
    COMMAND ${KEEL_LLVM_SPIRV} ${bc} -o ${spv}
    DEPENDS ${src}
    DEPFILE ${bc}.d
    VERBATIM
    COMMENT "clang + llvm-spirv: ${ARG_MODULE}.ze.spv")
  add_custom_target(${ARG_TARGET} ALL DEPENDS ${spv})
  set(KEEL_LEVEL_ZERO_KERNELS_BUILT ON PARENT_SCOPE)
endfunction()
