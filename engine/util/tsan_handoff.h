#pragma once
// ThreadSanitizer cannot see synchronization inside a library built without it: Debian's Qt
// locks its event queue and thread pool with futexes and counts references with atomics inside
// libQt6Core. Where ioscope hands data from one thread to another through such a library (a task
// queued on QThreadPool/QtConcurrent, a result posted back with QMetaObject::invokeMethod), the
// hand-off is wrapped in tsan::handOff, which tells TSan what the library guarantees: the sender
// releases a token before handing over, the receiver acquires it before running and releases it
// after, and whoever destroys the callable (Qt frees a posted call in the thread that drops the
// last reference) acquires it first. Only these hand-offs are annotated, so a race in ioscope's
// own code is still reported. Without TSan every call is empty.
#include <type_traits>
#include <utility>

#if defined(__SANITIZE_THREAD__)
#define IOSCOPE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IOSCOPE_TSAN 1
#endif
#endif

#ifdef IOSCOPE_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace ioscope::tsan {

inline void release([[maybe_unused]] const void* token) {
#ifdef IOSCOPE_TSAN
    __tsan_release(const_cast<void*>(token));
#endif
}

inline void acquire([[maybe_unused]] const void* token) {
#ifdef IOSCOPE_TSAN
    __tsan_acquire(const_cast<void*>(token));
#endif
}

// A callable handed to another thread through a library TSan cannot see. Its own address is a
// second token: a thread must not read `token_` (written by the sending thread) before it has
// acquired something, and the object's address is known without reading it. Every constructor
// releases it after writing the members; every use acquires it before reading them.
template <class Fn> class HandOff {
  public:
    HandOff(const void* token, Fn fn) : token_(token), fn_(std::move(fn)) { release(this); }
    // Qt moves the callable into the task or posted call it allocates (the sending thread) and
    // QtConcurrent moves it out again to run it (the receiving thread): each move acquires what
    // was released before and releases what it wrote, the allocation around it included.
    HandOff(HandOff&& other) noexcept(std::is_nothrow_move_constructible_v<Fn>)
        : token_((acquire(&other), acquire(other.token_), other.token_)), fn_(std::move(other.fn_)) {
        release(&other); // the moved-from callable may be destroyed in another thread
        release(this);
        release(token_);
    }
    HandOff(const HandOff& other)
        : token_((acquire(&other), acquire(other.token_), other.token_)), fn_(other.fn_) {
        release(this);
        release(token_);
    }
    HandOff& operator=(const HandOff&) = delete;
    HandOff& operator=(HandOff&&) = delete;
    // Runs before the members (the callable's captures) are destroyed and the storage freed.
    ~HandOff() {
        acquire(this);
        acquire(token_);
    }

    decltype(auto) operator()() {
        acquire(this);
        acquire(token_);
        struct Done {
            const void* self;
            const void* token;
            ~Done() {
                release(token);
                release(self);
            }
        } done{this, token_};
        return fn_();
    }

  private:
    const void* token_;
    Fn fn_;
};

// Releases `token` now (everything this thread wrote so far is visible to the receiver) and
// wraps `fn` for the receiving thread. `token` is an address both sides know (the job object).
template <class Fn> HandOff<std::decay_t<Fn>> handOff(const void* token, Fn&& fn) {
    release(token);
    return HandOff<std::decay_t<Fn>>(token, std::forward<Fn>(fn));
}

} // namespace ioscope::tsan
