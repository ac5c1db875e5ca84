#include "layout/layout_worker.h"

#include <algorithm>
#include <exception>

namespace ioscope::layout {

struct LayoutWorker::Request {
    std::uint64_t generation = 0;
    const void* channel = nullptr;
    std::shared_ptr<const Graph> graph;
    LayoutOptions options;
    Callback callback;
};

LayoutWorker::LayoutWorker() : thread_([this] { run(); }) {}

LayoutWorker::~LayoutWorker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queue_.clear();
    }
    wake_.notify_all();
    thread_.join();
}

std::uint64_t LayoutWorker::submit(std::shared_ptr<const Graph> graph, LayoutOptions options,
                                   Callback callback, const void* channel) {
    auto request = std::make_shared<Request>();
    request->channel = channel;
    request->graph = std::move(graph);
    request->options = std::move(options);
    request->callback = std::move(callback);
    {
        std::lock_guard lock(mutex_);
        request->generation = nextGeneration_++;
        auto it =
            std::find_if(latest_.begin(), latest_.end(), [&](const auto& p) { return p.first == channel; });
        if (it == latest_.end())
            latest_.emplace_back(channel, request->generation);
        else
            it->second = request->generation;
        queue_.push_back(request);
    }
    wake_.notify_one();
    return request->generation;
}

void LayoutWorker::cancel(const void* channel) {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(latest_.begin(), latest_.end(), [&](const auto& p) { return p.first == channel; });
    // A generation no request carries: everything of the channel is stale now.
    if (it != latest_.end()) it->second = nextGeneration_++;
}

std::uint64_t LayoutWorker::latestGeneration(const void* channel) const {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(latest_.begin(), latest_.end(), [&](const auto& p) { return p.first == channel; });
    return it == latest_.end() ? 0 : it->second;
}

int LayoutWorker::computedCount() const {
    std::lock_guard lock(mutex_);
    return computed_;
}

int LayoutWorker::skippedCount() const {
    std::lock_guard lock(mutex_);
    return skipped_;
}

bool LayoutWorker::isStale(const Request& r) const {
    auto it =
        std::find_if(latest_.begin(), latest_.end(), [&](const auto& p) { return p.first == r.channel; });
    return it == latest_.end() || it->second != r.generation;
}

void LayoutWorker::run() {
    for (;;) {
        std::shared_ptr<Request> request;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            request = queue_.front();
            queue_.pop_front();
            if (isStale(*request)) {
                ++skipped_;
                continue;
            }
        }
        std::shared_ptr<const GraphLayout> result;
        std::string error;
        try {
            result = std::make_shared<const GraphLayout>(layoutGraph(*request->graph, request->options));
        } catch (const std::exception& e) {
            error = e.what();
        }
        {
            std::lock_guard lock(mutex_);
            ++computed_;
            if (isStale(*request)) { // a newer request arrived while this one ran
                ++skipped_;
                continue;
            }
        }
        if (request->callback) request->callback(request->generation, std::move(result), std::move(error));
    }
}

} // namespace ioscope::layout
