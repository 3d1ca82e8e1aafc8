// Fake loader services for the Vulkan backend's unit tests.
#ifndef KEEL_BACKENDS_VULKAN_TESTS_TEST_SERVICES_H_
#define KEEL_BACKENDS_VULKAN_TESTS_TEST_SERVICES_H_

#include <string>

#include "common/services.h"

namespace keel {
namespace vk {
namespace test {

// The message of the last keel::Fail on this thread.
const std::string& LastError();

}  // namespace test
}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_TESTS_TEST_SERVICES_H_
