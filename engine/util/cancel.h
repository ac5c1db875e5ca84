#pragma once
// How long work is asked to stop, the one way through the whole engine: the front end owns a
// std::atomic<bool> and raises it; the engine gets a pointer to it (null: the work cannot be
// cancelled), checks it often enough to stop within ~100 ms and throws Cancelled.
#include "util/errors.h"

#include <atomic>

namespace ioscope {

using CancelFlag = const std::atomic<bool>*;

inline bool cancelRequested(CancelFlag cancel) {
    return cancel && cancel->load(std::memory_order_relaxed);
}

inline void throwIfCancelled(CancelFlag cancel) {
    if (cancelRequested(cancel)) throw Cancelled();
}

} // namespace ioscope
