#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace slipway::launch {

// Cuts a byte stream (a child's stdout or stderr, read in arbitrary chunks) into lines, so
// that each line is re-emitted whole, with its rank prefix, and never interleaved with
// another child's. A line longer than `max_line_bytes` is emitted in pieces of that size:
// a child printing without newlines must not grow the supervisor's memory without bound.
class LineSplitter {
 public:
    using LineSink = std::function<void(std::string_view line)>;

    explicit LineSplitter(std::size_t max_line_bytes = 64 * 1024);

    // Calls `sink` for each complete line in `bytes` (without its '\n'); keeps the rest.
    void feed(std::string_view bytes, const LineSink& sink);

    // Emits the partial last line, if any: the stream ended without a final newline.
    void flush(const LineSink& sink);

 private:
    std::size_t max_line_bytes_;
    std::string partial_;
};

// The last `capacity` lines of one child, quoted in the termination message.
class TailLines {
 public:
    explicit TailLines(std::size_t capacity) : capacity_(capacity) {}

    void add(std::string_view line);
    const std::deque<std::string>& lines() const { return lines_; }

 private:
    std::size_t capacity_;
    std::deque<std::string> lines_;
};

}  // namespace slipway::launch
