#include "util/atomic_file.h"

#include "util/errors.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace ioscope {

void writeFileAtomically(const std::string& path, const std::string& contents) {
    std::string tmpl = path + ".XXXXXX";
    const int fd = ::mkstemp(tmpl.data());
    if (fd < 0) throw RuntimeFailure(path + ": cannot create a temporary file: " + std::strerror(errno));
    size_t written = 0;
    while (written < contents.size()) {
        const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            const std::string err = std::strerror(errno);
            ::close(fd);
            ::unlink(tmpl.c_str());
            throw RuntimeFailure(path + ": write failed: " + err);
        }
        written += static_cast<size_t>(n);
    }
    ::fchmod(fd, 0644);
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const std::string err = std::strerror(errno);
        ::unlink(tmpl.c_str());
        throw RuntimeFailure(path + ": write failed: " + err);
    }
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
        const std::string err = std::strerror(errno);
        ::unlink(tmpl.c_str());
        throw RuntimeFailure(path + ": cannot replace the file: " + err);
    }
}

std::string readFile(const std::string& path, size_t maxBytes) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw InputError(path, std::string("cannot open: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw InputError(path, "is a directory");
    if (static_cast<size_t>(st.st_size) > maxBytes) throw InputError(path, "file is too large");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, std::string("cannot open: ") + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw InputError(path, "read error");
    return ss.str();
}

} // namespace ioscope
