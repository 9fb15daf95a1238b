#include "supervise/termination_message.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "common/log.h"

namespace slipway::launch {

namespace {

bool is_utf8_continuation(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

// The first `max_bytes` of `text`, shortened to a character boundary.
std::string_view keep_head(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t end = max_bytes;
    while (end > 0 && is_utf8_continuation(text[end])) --end;
    return text.substr(0, end);
}

// The last `max_bytes` of `text`, starting at a character boundary.
std::string_view keep_tail(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t begin = text.size() - max_bytes;
    while (begin < text.size() && is_utf8_continuation(text[begin])) ++begin;
    return text.substr(begin);
}

}  // namespace

std::string format_termination_message(const std::string& summary, int tail_rank,
                                       const std::deque<std::string>& tail, std::size_t max_bytes) {
    std::string head = summary;
    if (!head.empty() && head.back() != '\n') head += '\n';
    if (head.size() >= max_bytes) return std::string(keep_head(head, max_bytes));
    if (tail.empty()) return head;

    const std::string title = "last lines of rank " + std::to_string(tail_rank) + ":\n";
    if (head.size() + title.size() >= max_bytes) return head;
    std::size_t room = max_bytes - head.size() - title.size();

    // Walk back from the newest line, keeping whole lines while they fit.
    std::size_t first = tail.size();
    std::size_t used = 0;
    while (first > 0 && used + tail[first - 1].size() + 1 <= room) {
        used += tail[first - 1].size() + 1;
        --first;
    }
    std::string text = head + title;
    if (first == tail.size()) {
        // Not even the newest line fits whole: keep its end ("..." marks the cut).
        constexpr std::string_view kCut = "...";
        if (room <= kCut.size() + 1) return head;
        text += kCut;
        text += keep_tail(tail.back(), room - kCut.size() - 1);
        text += '\n';
        return text;
    }
    for (std::size_t i = first; i < tail.size(); ++i) {
        text += tail[i];
        text += '\n';
    }
    return text;
}

bool write_termination_log(const std::string& path, const std::string& message) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        spdlog::warn("cannot write the termination message to {}: {}", path, std::strerror(errno));
        return false;
    }
    std::string_view rest = message;
    bool ok = true;
    while (!rest.empty()) {
        const ssize_t written = ::write(fd, rest.data(), rest.size());
        if (written == -1 && errno == EINTR) continue;
        if (written <= 0) {
            spdlog::warn("writing the termination message to {} failed: {}", path,
                         written == -1 ? std::strerror(errno) : "wrote nothing");
            ok = false;
            break;
        }
        rest.remove_prefix(static_cast<std::size_t>(written));
    }
    // close() reports a deferred write error (NFS, a full disk): a message that might be
    // lost is worth a warning.
    if (::close(fd) == -1 && ok) {
        spdlog::warn("closing the termination message file {} failed: {}", path,
                     std::strerror(errno));
        ok = false;
    }
    return ok;
}

}  // namespace slipway::launch
