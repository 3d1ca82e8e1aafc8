# keel_add_cuda_kernels(TARGET <target> MODULE <name> SOURCES <file.cu>...
#                       OUTPUT_DIR <dir> [ARCHS <sm>...] [PTX_ARCH <compute>]
#                       [CUBINS] [NO_FATBIN])
#
# Compiles CUDA kernel sources with nvcc (KEEL_NVCC) into, per module:
#   <OUTPUT_DIR>/<name>.ptx           PTX for PTX_ARCH (default compute_75), so
#                                      any newer GPU can JIT it;
#   <OUTPUT_DIR>/<name>.fatbin        cubins for every ARCHS entry (default
#                                      sm_75 sm_80 sm_86 sm_89 sm_90) plus the PTX
#                                      (not with NO_FATBIN);
#   <OUTPUT_DIR>/<name>.<sm>.cubin    with CUBINS: one cubin per ARCHS entry
#                                      (what keel_add_kernel_bundle packs).
# Sources of one module are compiled as one translation unit list with
# -rdc=false; a module with several .cu files uses the first (keep one file per
# module). Adds a custom target <target> that builds them. Does nothing (and
# returns KEEL_CUDA_KERNELS_BUILT=OFF in the parent scope) when nvcc is absent.
# KEEL_NVCC: nvcc, looked up here when the including project did not.
if(NOT KEEL_NVCC)
  find_program(KEEL_NVCC nvcc HINTS ENV CUDA_HOME ENV CUDA_PATH /usr/local/cuda PATH_SUFFIXES bin)
endif()

function(keel_add_cuda_kernels)
  cmake_parse_arguments(ARG "CUBINS;NO_FATBIN" "TARGET;MODULE;OUTPUT_DIR;PTX_ARCH" "SOURCES;ARCHS"
                        ${ARGN})
  if(NOT KEEL_NVCC)
    set(KEEL_CUDA_KERNELS_BUILT OFF PARENT_SCOPE)
    return()
  endif()
  if(NOT ARG_ARCHS)
    set(ARG_ARCHS sm_75 sm_80 sm_86 sm_89 sm_90)
  endif()
  if(NOT ARG_PTX_ARCH)
    set(ARG_PTX_ARCH compute_75)
  endif()
  list(GET ARG_SOURCES 0 src)
  get_filename_component(src "${src}" ABSOLUTE)
  set(ptx ${ARG_OUTPUT_DIR}/${ARG_MODULE}.ptx)
  set(fatbin ${ARG_OUTPUT_DIR}/${ARG_MODULE}.fatbin)
  set(gencode "")
  foreach(arch IN LISTS ARG_ARCHS)
    string(REPLACE "sm_" "compute_" virt "${arch}")
    list(APPEND gencode "-gencode=arch=${virt},code=${arch}")
  endforeach()
  string(REPLACE "compute_" "sm_" ptx_real "${ARG_PTX_ARCH}")
  list(APPEND gencode "-gencode=arch=${ARG_PTX_ARCH},code=${ARG_PTX_ARCH}")
  add_custom_command(OUTPUT ${ptx}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ARG_OUTPUT_DIR}
    COMMAND ${KEEL_NVCC} -ptx -arch=${ARG_PTX_ARCH} -o ${ptx} ${src}
    DEPENDS ${src} VERBATIM
    COMMENT "nvcc: ${ARG_MODULE}.ptx")
  set(outputs ${ptx})
  if(NOT ARG_NO_FATBIN)
    add_custom_command(OUTPUT ${fatbin}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${ARG_OUTPUT_DIR}
      COMMAND ${KEEL_NVCC} -fatbin ${gencode} -o ${fatbin} ${src}
      DEPENDS ${src} VERBATIM
      COMMENT "nvcc: ${ARG_MODULE}.fatbin")
    list(APPEND outputs ${fatbin})
  endif()
  if(ARG_CUBINS)
    foreach(arch IN LISTS ARG_ARCHS)
      set(cubin ${ARG_OUTPUT_DIR}/${ARG_MODULE}.${arch}.cubin)
      add_custom_command(OUTPUT ${cubin}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${ARG_OUTPUT_DIR}
        COMMAND ${KEEL_NVCC} -cubin -arch=${arch} -o ${cubin} ${src}
        DEPENDS ${src} VERBATIM
        COMMENT "nvcc: ${ARG_MODULE}.${arch}.cubin")
      list(APPEND outputs ${cubin})
    endforeach()
  endif()
  add_custom_target(${ARG_TARGET} ALL DEPENDS ${outputs})
  set(KEEL_CUDA_KERNELS_BUILT ON PARENT_SCOPE)
endfunction()
