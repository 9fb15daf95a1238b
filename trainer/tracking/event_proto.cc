#include "tracking/event_proto.h"

#include "tracking/protobuf_writer.h"

namespace slipway::tracking {
namespace {

// Field numbers from event.proto and summary.proto.
constexpr int kEventWallTime = 1;
constexpr int kEventStep = 2;
constexpr int kEventFileVersion = 3;
constexpr int kEventSummary = 5;
constexpr int kSummaryValue = 1;
constexpr int kValueTag = 1;
constexpr int kValueSimpleValue = 2;

}  // namespace

std::string file_version_event(double wall_time) {
    ProtobufWriter event;
    event.double_field(kEventWallTime, wall_time);
    event.bytes_field(kEventFileVersion, "brain.Event:2");
    return event.take();
}

std::string scalars_event(double wall_time, int64_t step,
                          const std::vector<std::pair<std::string, float>>& scalars) {
    ProtobufWriter summary;
    for (const auto& [tag, value] : scalars) {
        ProtobufWriter entry;
        entry.bytes_field(kValueTag, tag);
        entry.float_field(kValueSimpleValue, value);
        summary.bytes_field(kSummaryValue, entry.bytes());
    }
    ProtobufWriter event;
    event.double_field(kEventWallTime, wall_time);
    if (step != 0) event.int64_field(kEventStep, step);  // proto3 leaves out defaults
    event.bytes_field(kEventSummary, summary.bytes());
    return event.take();
}

}  // namespace slipway::tracking
