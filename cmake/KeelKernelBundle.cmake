# keel_add_kernel_bundle(TARGET <target> OUTPUT <file.keelbundle>
#                        [CUDA_SOURCES <file.cu>] [CUDA_ARCHS <sm_NN>...] [CUDA_PTX_ARCH <compute_NN>]
#                        [GLSL_SOURCES <file.comp>...] [GLSL_INCLUDE_DIRS <dir>...]
#                        [GLSL_DEFINES <NAME[=value]>...]
#                        [OPENCL_SOURCES <file.cl>] [OPENCL_STD <CL1.2|CL2.0|CL3.0>]
#                        [REQUIRED_FORMATS <cuda|vulkan|level_zero>...] [OPTIONAL])
#
# Builds one Keel module bundle (docs/bundle-format.md) holding the same
# kernels for every backend, so an application ships one kernel file:
#   CUDA_SOURCES    (one .cu; keel_add_cuda_kernels) -> ptx CUDA_PTX_ARCH (default
#                   compute_75: any newer GPU can JIT it) and one cubin per
#                   CUDA_ARCHS entry (default sm_75 sm_80 sm_86 sm_89 sm_90);
#   GLSL_SOURCES    (Keel Vulkan kernel ABI; keel_add_vulkan_kernels) -> spirv-vulkan
#                   vulkan1.2;
#   OPENCL_SOURCES  (one .cl; keel_add_level_zero_kernels) -> spirv-opencl
#                   opencl<OPENCL_STD> (default CL1.2: opencl1.2);
# then packs them with `keel-bundle create` into OUTPUT. A format whose
# compiler is missing (nvcc; glslangValidator + spirv-tools; clang + llvm-spirv)
# is left out with a STATUS message, unless REQUIRED_FORMATS names it (then
# configuration fails). A bundle with no format at all fails configuration,
# or, with OPTIONAL, is not built (no target; <target>_FORMATS is empty).
#
# Adds the custom target <target> (built by `all`) and sets, in the caller's
# scope, <target>_FORMATS to the formats packed (cuda, vulkan, level_zero) and
# <target>_IMAGES to the image files packed, which stay in
# ${CMAKE_CURRENT_BINARY_DIR}/keel_bundle/<target>/: cuda/<name>.ptx,
# cuda/<name>.<sm>.cubin, vulkan/<name>.spv, level_zero/<name>.ze.spv
# (<name>: OUTPUT's file name without its extension).
#
# keel-bundle is the build tree's `keel-bundle` target inside Keel's own build,
# else the installed Keel::keel-bundle (found with find_package(Keel)), else
# KEEL_BUNDLE_EXECUTABLE (a cache variable, looked up on PATH).

include(${CMAKE_CURRENT_LIST_DIR}/KeelCudaKernels.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/KeelVulkanKernels.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/KeelLevelZeroKernels.cmake)
# An installed Keel: the imported Keel::keel-bundle, beside this file.
if(NOT TARGET keel-bundle AND NOT TARGET Keel::keel-bundle
   AND EXISTS ${CMAKE_CURRENT_LIST_DIR}/KeelBundleTargets.cmake)
  include(${CMAKE_CURRENT_LIST_DIR}/KeelBundleTargets.cmake)
endif()

function(keel_add_kernel_bundle)
  cmake_parse_arguments(ARG "OPTIONAL"
    "TARGET;OUTPUT;CUDA_PTX_ARCH;OPENCL_STD"
    "CUDA_SOURCES;CUDA_ARCHS;GLSL_SOURCES;GLSL_INCLUDE_DIRS;GLSL_DEFINES;OPENCL_SOURCES;REQUIRED_FORMATS"
    ${ARGN})
  foreach(required TARGET OUTPUT)
    if(NOT ARG_${required})
      message(FATAL_ERROR "keel_add_kernel_bundle: ${required} is required")
    endif()
  endforeach()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "keel_add_kernel_bundle(${ARG_TARGET}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  foreach(format IN LISTS ARG_REQUIRED_FORMATS)
    if(NOT format MATCHES "^(cuda|vulkan|level_zero)$")
      message(FATAL_ERROR "keel_add_kernel_bundle(${ARG_TARGET}): REQUIRED_FORMATS: unknown '${format}' "
                          "(cuda, vulkan, level_zero)")
    endif()
  endforeach()
  if(NOT ARG_CUDA_SOURCES AND NOT ARG_GLSL_SOURCES AND NOT ARG_OPENCL_SOURCES)
    message(FATAL_ERROR "keel_add_kernel_bundle(${ARG_TARGET}): no CUDA_SOURCES, GLSL_SOURCES or OPENCL_SOURCES")
  endif()
  cmake_path(ABSOLUTE_PATH ARG_OUTPUT BASE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR} NORMALIZE)
  cmake_path(GET ARG_OUTPUT STEM LAST_ONLY module)
  cmake_path(GET ARG_OUTPUT PARENT_PATH output_dir)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/keel_bundle/${ARG_TARGET})
  # Function scope sees the caller's variables: start from clean ones.
  set(tool "")
  foreach(format cuda vulkan level_zero)
    set(missing_${format} "")
  endforeach()

  # The packer.
  if(TARGET keel-bundle)
    set(tool keel-bundle)
    set(tool_depends keel-bundle)
  elseif(TARGET Keel::keel-bundle)
    set(tool Keel::keel-bundle)
    set(tool_depends $<TARGET_FILE:Keel::keel-bundle>)
  else()
    find_program(KEEL_BUNDLE_EXECUTABLE keel-bundle)
    if(NOT KEEL_BUNDLE_EXECUTABLE)
      message(FATAL_ERROR "keel_add_kernel_bundle(${ARG_TARGET}): keel-bundle not found (install Keel "
                          "and use find_package(Keel), or set KEEL_BUNDLE_EXECUTABLE)")
    endif()
    set(tool_depends ${KEEL_BUNDLE_EXECUTABLE})
  endif()
  if(tool)
    set(tool_command $<TARGET_FILE:${tool}>)
  else()
    set(tool_command ${KEEL_BUNDLE_EXECUTABLE})
  endif()

  set(formats "")
  set(images "")
  set(image_files "")
  set(image_targets "")

  if(ARG_CUDA_SOURCES)
    set(archs ${ARG_CUDA_ARCHS})
    if(NOT archs)
      set(archs sm_75 sm_80 sm_86 sm_89 sm_90)
    endif()
    set(ptx_arch ${ARG_CUDA_PTX_ARCH})
    if(NOT ptx_arch)
      set(ptx_arch compute_75)
    endif()
    keel_add_cuda_kernels(TARGET ${ARG_TARGET}_cuda MODULE ${module} SOURCES ${ARG_CUDA_SOURCES}
      OUTPUT_DIR ${work}/cuda ARCHS ${archs} PTX_ARCH ${ptx_arch} CUBINS NO_FATBIN)
    if(KEEL_CUDA_KERNELS_BUILT)
      list(APPEND formats cuda)
      list(APPEND image_targets ${ARG_TARGET}_cuda)
      list(APPEND images "ptx:${ptx_arch}=${work}/cuda/${module}.ptx")
      list(APPEND image_files ${work}/cuda/${module}.ptx)
      foreach(arch IN LISTS archs)
        list(APPEND images "cubin:${arch}=${work}/cuda/${module}.${arch}.cubin")
        list(APPEND image_files ${work}/cuda/${module}.${arch}.cubin)
      endforeach()
    else()
      set(missing_cuda "nvcc")
    endif()
  endif()

  if(ARG_GLSL_SOURCES AND NOT EXISTS ${KEEL_VULKAN_GLSL_INCLUDE_DIR}/keel/keel_vulkan.glsl)
    set(missing_vulkan "the Keel Vulkan kernel include (keel/keel_vulkan.glsl in ${KEEL_VULKAN_GLSL_INCLUDE_DIR})")
  elseif(ARG_GLSL_SOURCES)
    keel_add_vulkan_kernels(TARGET ${ARG_TARGET}_vulkan MODULE ${module} SOURCES ${ARG_GLSL_SOURCES}
      OUTPUT_DIR ${work}/vulkan INCLUDE_DIRS ${ARG_GLSL_INCLUDE_DIRS} DEFINES ${ARG_GLSL_DEFINES})
    if(KEEL_VULKAN_KERNELS_BUILT)
      list(APPEND formats vulkan)
      list(APPEND image_targets ${ARG_TARGET}_vulkan)
      # keel_add_vulkan_kernels compiles with --target-env vulkan1.2.
      list(APPEND images "spirv-vulkan:vulkan1.2=${work}/vulkan/${module}.spv")
      list(APPEND image_files ${work}/vulkan/${module}.spv)
    else()
      set(missing_vulkan "glslangValidator, spirv-link or spirv-val")
    endif()
  endif()

  if(ARG_OPENCL_SOURCES)
    set(cl_std ${ARG_OPENCL_STD})
    if(NOT cl_std)
      set(cl_std CL1.2)
    endif()
    if(NOT cl_std MATCHES "^CL([0-9])\\.([0-9])$")
      message(FATAL_ERROR "keel_add_kernel_bundle(${ARG_TARGET}): OPENCL_STD '${cl_std}' is not CL<M>.<m>")
    endif()
    set(cl_target "opencl${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")
    keel_add_level_zero_kernels(TARGET ${ARG_TARGET}_level_zero MODULE ${module}
      SOURCES ${ARG_OPENCL_SOURCES} OUTPUT_DIR ${work}/level_zero CL_STD ${cl_std})
    if(KEEL_LEVEL_ZERO_KERNELS_BUILT)
      list(APPEND formats level_zero)
      list(APPEND image_targets ${ARG_TARGET}_level_zero)
      list(APPEND images "spirv-opencl:${cl_target}=${work}/level_zero/${module}.ze.spv")
      list(APPEND image_files ${work}/level_zero/${module}.ze.spv)
    else()
      set(missing_level_zero "clang and llvm-spirv")
    endif()
  endif()

  foreach(format cuda vulkan level_zero)
    if(missing_${format})
      if(format IN_LIST ARG_REQUIRED_FORMATS)
        message(FATAL_ERROR "keel_add_kernel_bundle(${ARG_TARGET}): ${format} is required but "
                            "${missing_${format}} was not found")
      endif()
      message(STATUS "keel_add_kernel_bundle(${ARG_TARGET}): no ${missing_${format}}; "
                     "the bundle has no ${format} image")
    endif()
  endforeach()
  set(${ARG_TARGET}_FORMATS "" PARENT_SCOPE)
  set(${ARG_TARGET}_IMAGES "" PARENT_SCOPE)
  if(NOT formats AND ARG_OPTIONAL)
    message(STATUS "keel_add_kernel_bundle(${ARG_TARGET}): no kernel compiler found; not built")
    return()
  elseif(NOT formats)
    message(FATAL_ERROR "keel_add_kernel_bundle(${ARG_TARGET}): no kernel compiler found for any "
                        "format given; nothing to bundle")
  endif()

  add_custom_command(OUTPUT ${ARG_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${output_dir}
    COMMAND ${tool_command} create -o ${ARG_OUTPUT} ${images}
    DEPENDS ${image_files} ${tool_depends}
    COMMENT "keel-bundle: ${module}.keelbundle (${formats})"
    VERBATIM)
  add_custom_target(${ARG_TARGET} ALL DEPENDS ${ARG_OUTPUT})
  add_dependencies(${ARG_TARGET} ${image_targets})
  set(${ARG_TARGET}_FORMATS ${formats} PARENT_SCOPE)
  set(${ARG_TARGET}_IMAGES ${image_files} PARENT_SCOPE)
endfunction()
