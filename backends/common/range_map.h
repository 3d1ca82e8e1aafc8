// A sorted map of disjoint address ranges [base, base + size) to a value.
//
// Backends whose device pointers are plain addresses of native objects
// (Vulkan buffer device addresses, Level Zero USM, the validation layer's
// shadow of allocations) need to turn an address that a user passed back into
// the object it lies in: "which buffer, at which offset". Lookups are
// O(log n) through std::map::upper_bound. Not thread-safe: the owner guards it.
#ifndef KEEL_BACKENDS_COMMON_RANGE_MAP_H_
#define KEEL_BACKENDS_COMMON_RANGE_MAP_H_

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <utility>

namespace keel {

template <typename V>
class RangeMap {
 public:
  struct Entry {
    uint64_t base;
    uint64_t size;
    V value;
  };

  // Adds [base, base + size). Fails (returns false, changes nothing) if size
  // is 0, the range wraps around 2^64, or it overlaps a range already present.
  bool Insert(uint64_t base, uint64_t size, V value) {
    if (size == 0 || base + size < base) return false;
    auto next = ranges_.lower_bound(base);
    if (next != ranges_.end() && next->first < base + size) return false;
    if (next != ranges_.begin()) {
      const Entry& prev = std::prev(next)->second;
      if (prev.base + prev.size > base) return false;
    }
    ranges_.emplace_hint(next, base, Entry{base, size, std::move(value)});
    return true;
  }

  // Removes the range that starts exactly at base. Returns false if none does.
  bool Erase(uint64_t base) { return ranges_.erase(base) != 0; }

  // The range that contains addr, or nullptr.
  const Entry* Find(uint64_t addr) const {
    auto it = ranges_.upper_bound(addr);
    if (it == ranges_.begin()) return nullptr;
    const Entry& e = std::prev(it)->second;
    return addr - e.base < e.size ? &e : nullptr;
  }
  Entry* Find(uint64_t addr) {
    return const_cast<Entry*>(static_cast<const RangeMap*>(this)->Find(addr));
  }

  // The range that contains all of [addr, addr + size) (size 0 checks addr
  // alone), or nullptr when addr is in no range or the span runs past its end.
  const Entry* FindSpan(uint64_t addr, uint64_t size) const {
    const Entry* e = Find(addr);
    if (e == nullptr) return nullptr;
    uint64_t offset = addr - e->base;
    return size <= e->size - offset ? e : nullptr;
  }

  // The range that starts exactly at base, or nullptr.
  const Entry* FindBase(uint64_t base) const {
    auto it = ranges_.find(base);
    return it == ranges_.end() ? nullptr : &it->second;
  }

  // True if any range intersects [addr, addr + size).
  bool Overlaps(uint64_t addr, uint64_t size) const {
    if (size == 0) return false;
    auto next = ranges_.lower_bound(addr);
    if (next != ranges_.end() && next->first - addr < size) return true;
    if (next == ranges_.begin()) return false;
    const Entry& prev = std::prev(next)->second;
    return prev.base + prev.size > addr;
  }

  size_t size() const { return ranges_.size(); }
  bool empty() const { return ranges_.empty(); }
  void clear() { ranges_.clear(); }

  // Iteration in address order (for teardown and diagnostics).
  template <typename F>
  void ForEach(F&& f) const {
    for (const auto& kv : ranges_) f(kv.second);
  }

 private:
  std::map<uint64_t, Entry> ranges_;
};

}  // namespace keel

#endif  // KEEL_BACKENDS_COMMON_RANGE_MAP_H_
