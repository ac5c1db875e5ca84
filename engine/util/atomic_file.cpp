#include "util/atomic_file.h"

#include "util/errors.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ioscope {

namespace {

// The process's umask, read without changing it (umask(2) would race with other threads).
mode_t currentUmask() {
    if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
        char line[256];
        unsigned mask = 022;
        while (std::fgets(line, sizeof line, f))
            if (std::sscanf(line, "Umask: %o", &mask) == 1) break;
        std::fclose(f);
        return static_cast<mode_t>(mask);
    }
    return 022;
}

// Where a write to `path` lands: a symlink's target (the link itself is kept, as editors do).
std::string resolvedTarget(const std::string& path) {
    std::string target = path;
    for (int hops = 0; hops < 40; ++hops) {
        struct stat st {};
        if (::lstat(target.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return target;
        std::string link(4096, '\0');
        const ssize_t n = ::readlink(target.c_str(), link.data(), link.size());
        if (n <= 0) return target;
        link.resize(static_cast<size_t>(n));
        if (link.front() != '/') {
            const auto slash = target.find_last_of('/');
            if (slash != std::string::npos) link = target.substr(0, slash + 1) + link;
        }
        target = link;
    }
    throw InputError(path, "too many levels of symbolic links");
}

} // namespace

void writeFileAtomically(const std::string& path, const std::string& contents) {
    // Only regular files are replaced: a device node, FIFO or directory given as the output is
    // refused (renaming over /dev/full would replace the device with a file). An existing
    // file keeps its permissions; a new one gets 0666 less the umask.
    const std::string target = resolvedTarget(path);
    mode_t mode = 0666 & ~currentUmask();
    struct stat existing {};
    if (::stat(target.c_str(), &existing) == 0) {
        if (!S_ISREG(existing.st_mode))
            throw InputError(path, S_ISDIR(existing.st_mode)
                                       ? "is a directory, not a file to write"
                                       : "is not a regular file; refusing to replace it");
        mode = existing.st_mode & 07777;
    }
    // The data goes to an unnamed file in the target's folder (O_TMPFILE) that gets a name only
    // once it is complete, just before the rename: a process killed while writing leaves nothing
    // behind. Filesystems without O_TMPFILE get a named temporary file from the start.
    const auto slash = target.find_last_of('/');
    const std::string folder = slash == std::string::npos ? "." : slash == 0 ? "/" : target.substr(0, slash);
    std::string tmpl = target + ".XXXXXX";
    bool named = false;
    int fd = ::open(folder.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        fd = ::mkstemp(tmpl.data());
        named = true;
    }
    if (fd < 0) throw RuntimeFailure(path + ": cannot create a temporary file: " + std::strerror(errno));
    const auto fail = [&](const std::string& what) {
        const std::string err = std::strerror(errno);
        ::close(fd);
        if (named) ::unlink(tmpl.c_str());
        throw RuntimeFailure(path + ": " + what + ": " + err);
    };
    size_t written = 0;
    while (written < contents.size()) {
        const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("write failed");
        }
        written += static_cast<size_t>(n);
    }
    ::fchmod(fd, mode);
    if (::fsync(fd) != 0) fail("write failed");
    if (!named) {
        // Names are tried until a free one is found (mkstemp's names, made by hand).
        const std::string proc = "/proc/self/fd/" + std::to_string(fd);
        for (unsigned attempt = 0; !named && attempt < 100; ++attempt) {
            tmpl = target + "." + std::to_string(::getpid()) + "." + std::to_string(attempt) + ".tmp";
            if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, tmpl.c_str(), AT_SYMLINK_FOLLOW) == 0)
                named = true;
            else if (errno != EEXIST)
                fail("cannot name the written file");
        }
        if (!named) fail("cannot name the written file");
    }
    if (::close(fd) != 0) {
        const std::string err = std::strerror(errno);
        ::unlink(tmpl.c_str());
        throw RuntimeFailure(path + ": write failed: " + err);
    }
    if (::rename(tmpl.c_str(), target.c_str()) != 0) {
        const std::string err = std::strerror(errno);
        ::unlink(tmpl.c_str());
        throw RuntimeFailure(path + ": cannot replace the file: " + err);
    }
}

namespace {

std::string readRegularFile(const std::string& path, size_t maxBytes, const limits::Limit* limit) {
    const auto tooLarge = [&](const std::string& size) {
        if (limit) return InputError(path, limits::exceeded(*limit, "the file has " + size));
        return InputError(path, "file is too large (" + size + "; the limit is " + std::to_string(maxBytes) +
                                    " bytes)");
    };
    // Opened without blocking (a FIFO must not hang the open), then checked on the descriptor:
    // only regular files are read, and never more than maxBytes whatever st_size claims.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        throw InputError(path, errno == ENOENT ? std::string("no such file")
                                               : std::string("cannot open: ") + std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw InputError(path, std::string("cannot read: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw InputError(path, "is a directory");
    if (!S_ISREG(st.st_mode)) throw InputError(path, "is not a regular file (a device, FIFO or socket)");
    if (static_cast<unsigned long long>(st.st_size) > maxBytes)
        throw tooLarge(std::to_string(st.st_size) + " bytes");
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    std::string data(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    for (;;) {
        if (got == data.size()) {
            if (data.size() > maxBytes) throw tooLarge("more than " + std::to_string(maxBytes) + " bytes");
            data.resize(std::min(maxBytes + 1, data.size() + 65536));
        }
        const ssize_t n = ::read(fd, data.data() + got, data.size() - got);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw InputError(path, std::string("read error: ") + std::strerror(errno));
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    if (got > maxBytes) throw tooLarge("more than " + std::to_string(maxBytes) + " bytes");
    data.resize(got);
    return data;
}

} // namespace

std::string readFile(const std::string& path, size_t maxBytes) {
    return readRegularFile(path, maxBytes, nullptr);
}

std::string readFile(const std::string& path, const limits::Limit& maxMiB) {
    return readRegularFile(path, static_cast<size_t>(limits::value(maxMiB)) << 20, &maxMiB);
}

} // namespace ioscope
