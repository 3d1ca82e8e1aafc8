// The raw baselines keel-bench was built without (their headers were not
// found at configure time). Asking for one is an error that says so; it never
// measures anything.
#include "targets.h"

namespace kb {

#if !KEEL_BENCH_RAW_CUDA
std::unique_ptr<Target> MakeCudaRawTarget(const Options&, const DeviceId&) {
  throw Error("keel-bench was built without the CUDA toolkit's cuda.h: no raw libcuda baseline "
              "(reconfigure with the toolkit installed, CUDA_HOME or /usr/local/cuda)");
}
double ColdStartCudaRaw(int) { return MakeCudaRawTarget(Options{}, DeviceId{}), 0; }
#endif

#if !KEEL_BENCH_RAW_VULKAN
std::unique_ptr<Target> MakeVulkanRawTarget(const Options&, const DeviceId&) {
  throw Error("keel-bench was built without the Vulkan headers: no raw Vulkan baseline "
              "(install libvulkan-dev and reconfigure)");
}
double ColdStartVulkanRaw() { return MakeVulkanRawTarget(Options{}, DeviceId{}), 0; }
#endif

}  // namespace kb
