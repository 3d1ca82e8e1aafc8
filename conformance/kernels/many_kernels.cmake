# Kernel counts of the generated modules many_kernels_<count>
# (Module.Kernels1_10_100_1000): read by CMakeLists.txt, which generates and
# builds them, and by prebuilt.cmake, which requires their prebuilt files.
set(KEEL_CONFORMANCE_MANY_KERNEL_COUNTS 1 10 100 1000)
