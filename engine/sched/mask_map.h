#pragma once
// A small open-addressing hash map from non-zero 64-bit op masks to values: the DP's memo and
// stage-latency caches sit on its hot path, where std::unordered_map's node allocations and
// pointer chasing cost more than the search itself.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ioscope::detail {

using Mask = std::uint64_t;

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

    // Inserts or overwrites. `key` must be non-zero (zero marks empty slots).
    void put(Mask key, const V& value) {
        if ((size_ + 1) * 4 > slots_.size() * 3) rehash(slots_.size() * 2);
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
        std::vector<Slot> old = std::move(slots_);
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
    std::vector<Slot> slots_;
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
