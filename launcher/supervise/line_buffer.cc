#include "supervise/line_buffer.h"

#include <algorithm>

namespace slipway::launch {

LineSplitter::LineSplitter(std::size_t max_line_bytes)
    : max_line_bytes_(std::max<std::size_t>(max_line_bytes, 1)) {}

void LineSplitter::feed(std::string_view bytes, const LineSink& sink) {
    while (!bytes.empty()) {
        const std::size_t newline = bytes.find('\n');
        const std::size_t room = max_line_bytes_ - partial_.size();
        if (newline != std::string_view::npos && newline <= room) {
            if (partial_.empty()) {
                sink(bytes.substr(0, newline));  // the common case: no copy
            } else {
                partial_.append(bytes.substr(0, newline));
                sink(partial_);
                partial_.clear();
            }
            bytes.remove_prefix(newline + 1);
        } else if (bytes.size() <= room) {
            partial_.append(bytes);
            return;
        } else {
            partial_.append(bytes.substr(0, room));
            bytes.remove_prefix(room);
            sink(partial_);
            partial_.clear();
        }
    }
}

void LineSplitter::flush(const LineSink& sink) {
    if (partial_.empty()) return;
    sink(partial_);
    partial_.clear();
}

void TailLines::add(std::string_view line) {
    if (capacity_ == 0) return;
    if (lines_.size() == capacity_) lines_.pop_front();
    lines_.emplace_back(line);
}

}  // namespace slipway::launch
