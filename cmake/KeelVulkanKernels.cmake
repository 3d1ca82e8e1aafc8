# keel_add_vulkan_kernels(TARGET <target> MODULE <name> SOURCES <file.comp>...
#                         OUTPUT_DIR <dir> [INCLUDE_DIRS <dir>...] [DEFINES <NAME[=value]>...])
#
# Builds one Keel Vulkan module, <OUTPUT_DIR>/<name>.spv, from GLSL compute
# kernels written to the Keel kernel ABI (docs/backends/vulkan.md):
#   - each source holds one kernel, named by its `KEEL_KERNEL(<kernel>)` line
#     (or, without one, by the file name without .comp). It is compiled with
#       glslangValidator -V --target-env vulkan1.2 -e <kernel> --source-entrypoint main
#     so its entry point is <kernel>;
#   - the kernels are joined into one module with spirv-link;
#   - the module is checked with spirv-val --target-env vulkan1.2.
# keel/keel_vulkan.glsl (the ABI include) is on the include path. Adds the
# custom target <target> (built by `all`) and sets KEEL_VULKAN_KERNELS_BUILT
# in the caller's scope: ON, or OFF when a tool is missing (then nothing is
# added, and the caller falls back to prebuilt modules).
#
# Tools: glslangValidator (Debian glslang-tools), spirv-link and spirv-val
# (spirv-tools). Override with KEEL_GLSLANG_VALIDATOR, KEEL_SPIRV_LINK,
# KEEL_SPIRV_VAL.

find_program(KEEL_GLSLANG_VALIDATOR glslangValidator)
find_program(KEEL_SPIRV_LINK spirv-link)
find_program(KEEL_SPIRV_VAL spirv-val)
# The tool versions, for manifests of prebuilt kernels (identical tools give
# identical SPIR-V): "glslang 12.0.0, SPIRV-Tools v2023.1".
if(KEEL_GLSLANG_VALIDATOR AND KEEL_SPIRV_LINK AND NOT KEEL_VULKAN_KERNEL_TOOL_VERSION)
  execute_process(COMMAND ${KEEL_GLSLANG_VALIDATOR} --version OUTPUT_VARIABLE _keel_glslang_out
                  ERROR_QUIET)
  execute_process(COMMAND ${KEEL_SPIRV_LINK} --version OUTPUT_VARIABLE _keel_spirv_out ERROR_QUIET)
  string(REGEX MATCH "Glslang Version: [0-9]+:([0-9.]+)" _keel_m "${_keel_glslang_out}")
  set(_keel_glslang_version "${CMAKE_MATCH_1}")
  string(REGEX MATCH "SPIRV-Tools v[0-9.]+" _keel_spirv_version "${_keel_spirv_out}")
  set(KEEL_VULKAN_KERNEL_TOOL_VERSION "glslang ${_keel_glslang_version}, ${_keel_spirv_version}")
endif()
if(NOT DEFINED KEEL_VULKAN_GLSL_INCLUDE_DIR)
  set(KEEL_VULKAN_GLSL_INCLUDE_DIR ${CMAKE_CURRENT_LIST_DIR}/../backends/vulkan/include)
endif()

function(keel_add_vulkan_kernels)
  cmake_parse_arguments(ARG "" "TARGET;MODULE;OUTPUT_DIR" "SOURCES;INCLUDE_DIRS;DEFINES" ${ARGN})
  foreach(required TARGET MODULE OUTPUT_DIR SOURCES)
    if(NOT ARG_${required})
      message(FATAL_ERROR "keel_add_vulkan_kernels: ${required} is required")
    endif()
  endforeach()
  if(NOT KEEL_GLSLANG_VALIDATOR OR NOT KEEL_SPIRV_LINK OR NOT KEEL_SPIRV_VAL)
    message(STATUS "keel_add_vulkan_kernels(${ARG_MODULE}): glslangValidator, spirv-link or "
                   "spirv-val missing; not building Vulkan kernels")
    set(KEEL_VULKAN_KERNELS_BUILT OFF PARENT_SCOPE)
    return()
  endif()

  set(include_flags -I${KEEL_VULKAN_GLSL_INCLUDE_DIR})
  foreach(dir IN LISTS ARG_INCLUDE_DIRS)
    list(APPEND include_flags -I${dir})
  endforeach()
  set(define_flags "")
  foreach(def IN LISTS ARG_DEFINES)
    list(APPEND define_flags -D${def})
  endforeach()

  set(object_dir ${CMAKE_CURRENT_BINARY_DIR}/keel_vulkan_kernels/${ARG_TARGET})
  set(objects "")
  set(kernels "")
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(src "${src}" ABSOLUTE)
    # The kernel's name is in the source; re-run CMake when the source changes.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${src}")
    file(STRINGS "${src}" names REGEX "^[ \t]*KEEL_KERNEL\\([ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*\\)")
    list(LENGTH names count)
    if(count GREATER 1)
      message(FATAL_ERROR "${src}: more than one KEEL_KERNEL(...) (one kernel per file)")
    elseif(count EQUAL 1)
      string(REGEX REPLACE ".*KEEL_KERNEL\\([ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\\).*" "\\1"
             kernel "${names}")
    else()
      get_filename_component(kernel "${src}" NAME_WE)
    endif()
    if(kernel IN_LIST kernels)
      message(FATAL_ERROR "keel_add_vulkan_kernels(${ARG_MODULE}): kernel ${kernel} defined twice")
    endif()
    list(APPEND kernels ${kernel})
    set(obj ${object_dir}/${kernel}.spv)
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${object_dir}
      COMMAND ${KEEL_GLSLANG_VALIDATOR} -V --target-env vulkan1.2 --quiet
              ${include_flags} ${define_flags}
              -e ${kernel} --source-entrypoint main
              --depfile ${obj}.d -o ${obj} ${src}
      DEPENDS ${src} ${KEEL_VULKAN_GLSL_INCLUDE_DIR}/keel/keel_vulkan.glsl
      DEPFILE ${obj}.d
      COMMENT "glslangValidator: ${ARG_MODULE}/${kernel}"
      VERBATIM)
    list(APPEND objects ${obj})
  endforeach()

  set(module ${ARG_OUTPUT_DIR}/${ARG_MODULE}.spv)
  add_custom_command(OUTPUT ${module}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ARG_OUTPUT_DIR}
    COMMAND ${KEEL_SPIRV_LINK} --target-env vulkan1.2 -o ${module} ${objects}
    COMMAND ${KEEL_SPIRV_VAL} --target-env vulkan1.2 ${module}
    DEPENDS ${objects}
    COMMENT "spirv-link + spirv-val: ${ARG_MODULE}.spv (${kernels})"
    VERBATIM)
  add_custom_target(${ARG_TARGET} ALL DEPENDS ${module})
  set(KEEL_VULKAN_KERNELS_BUILT ON PARENT_SCOPE)
endfunction()
