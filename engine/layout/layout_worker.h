#pragma once
// A serialized worker that runs Graphviz layouts off the GUI thread: one std::thread and a queue
// (the explorer's window makes one and passes it to its views; Graphviz itself is serialized
// process-wide in graph_layout.cpp). Every request gets a generation number; a newer request makes older ones
// stale, so pending stale requests are skipped and a stale result is never delivered.
#include "layout/graph_layout.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ioscope::layout {

class LayoutWorker {
  public:
    // Called on the worker thread with the request's generation and either a layout or an
    // error message (layout null then). Only called for the newest generation of its channel.
    using Callback = std::function<void(std::uint64_t generation, std::shared_ptr<const GraphLayout> layout,
                                        std::string error)>;

    LayoutWorker();
    ~LayoutWorker(); // drops pending requests, waits for the running one
    LayoutWorker(const LayoutWorker&) = delete;
    LayoutWorker& operator=(const LayoutWorker&) = delete;

    // Queues a layout and returns its generation (increasing, never 0). A request makes every
    // older request with the same `channel` stale (each view uses its own channel, e.g. its
    // address). The graph is shared, not copied, and must not change until the callback ran.
    std::uint64_t submit(std::shared_ptr<const Graph> graph, LayoutOptions options, Callback callback,
                         const void* channel = nullptr);

    // Makes every request of the channel stale (a view that is going away calls this).
    void cancel(const void* channel);

    // The newest generation submitted on a channel (0 when none).
    std::uint64_t latestGeneration(const void* channel = nullptr) const;

    // Layouts actually computed and skipped as stale (for tests and diagnostics).
    int computedCount() const;
    int skippedCount() const;

  private:
    struct Request;
    void run();
    bool isStale(const Request& r) const; // requires mutex_

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<Request>> queue_;
    std::uint64_t nextGeneration_ = 1;
    std::vector<std::pair<const void*, std::uint64_t>> latest_; // per channel
    int computed_ = 0, skipped_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace ioscope::layout
