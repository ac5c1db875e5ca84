#pragma once
// A small open-addressing hash map from non-zero 64-bit op masks to values: the DP's memo and
// stage-latency caches sit on its hot path, where std::unordered_map's node allocations and
// pointer chasing cost more than the search itself.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ioscope::detail {

using Mask = std::uint64_t;

// Large tables in transparent huge pages where the system offers them: lookups land at random
// across tens of MiB, and with 4 KiB pages nearly every one also misses the TLB.
template <class T> struct HugePageAllocator {
    using value_type = T;
    HugePageAllocator() = default;
    template <class U> HugePageAllocator(const HugePageAllocator<U>&) {}

    static constexpr std::size_t kHugePage = std::size_t(2) << 20;

    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes));
        void* p = std::aligned_alloc(kHugePage, (bytes + kHugePage - 1) / kHugePage * kHugePage);
        if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        madvise(p, bytes, MADV_HUGEPAGE); // advice only: ordinary pages work the same, slower
#endif
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) {
        if (n * sizeof(T) < kHugePage)
            ::operator delete(p);
        else
            std::free(p);
    }
    template <class U> bool operator==(const HugePageAllocator<U>&) const {
        return true;
    }
};

template <class V> class MaskMap {
  public:
    MaskMap() { rehash(64); }

    // Null when absent. Pointers stay valid until the next insert.
    const V* find(Mask key) const {
        for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
            if (slots_[i].key == key) return &slots_[i].value;
            if (slots_[i].key == 0) return nullptr;
        }
    }

    // Asks the processor to fetch `key`'s first slot into the caches: a later find() of a table
    // too large for them then waits less (the DP probes its tables at random).
    void prefetch(Mask key) const { __builtin_prefetch(&slots_[slot(key)]); }

    // Inserts or overwrites. `key` must be non-zero (zero marks empty slots).
    void put(Mask key, const V& value) {
        if ((size_ + 1) * 5 > slots_.size() * 4) rehash(slots_.size() * 2);
        for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
            if (slots_[i].key == key) {
                slots_[i].value = value;
                return;
            }
            if (slots_[i].key == 0) {
                slots_[i] = Slot{key, value};
                ++size_;
                return;
            }
        }
    }

    std::size_t size() const { return size_; }

    // Room for `n` keys without rehashing. Filling a table in another one's slot order (forEach)
    // clusters its keys unless it is at least as large: the same hash puts neighbours together.
    void reserve(std::size_t n) {
        std::size_t capacity = slots_.size();
        while (n * 5 > capacity * 4) capacity *= 2;
        if (capacity != slots_.size()) rehash(capacity);
    }

    template <class F> void forEach(F f) const {
        for (const Slot& s : slots_)
            if (s.key != 0) f(s.key, s.value);
    }

  private:
    std::size_t slot(Mask key) const {
        // splitmix64 finaliser: op masks are highly regular, so mix before taking low bits.
        key ^= key >> 30;
        key *= 0xbf58476d1ce4e5b9ULL;
        key ^= key >> 27;
        key *= 0x94d049bb133111ebULL;
        key ^= key >> 31;
        return static_cast<std::size_t>(key) & mask_;
    }

    void rehash(std::size_t capacity) {
        std::vector<Slot, HugePageAllocator<Slot>> old = std::move(slots_);
        slots_.assign(capacity, Slot{});
        mask_ = capacity - 1;
        size_ = 0;
        for (const Slot& s : old)
            if (s.key != 0) put(s.key, s.value);
    }

    // Key and value side by side: one cache miss per probe on the large tables.
    struct Slot {
        Mask key = 0;
        V value{};
    };
    std::vector<Slot, HugePageAllocator<Slot>> slots_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
};

inline Mask bitOf(int i) {
    return Mask(1) << i;
}
inline int popcount(Mask m) {
    return std::popcount(m);
}
inline int lowestBit(Mask m) {
    return std::countr_zero(m);
}
inline int highestBit(Mask m) {
    return 63 - std::countl_zero(m);
}

} // namespace ioscope::detail
