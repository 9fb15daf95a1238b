#include "tracking/event_proto.h"

#include <gtest/gtest.h>

#include "hex.h"

namespace slipway::tracking {
namespace {

using testing::to_hex;

// Expected bytes: TensorBoard's generated Python classes (tensorboard 2.21,
// tensorboard.compat.proto.event_pb2) serialising the same Event.
TEST(EventProtoTest, FileVersionEventMatchesTensorBoard) {
    EXPECT_EQ(to_hex(file_version_event(1.5)), "09000000000000f83f1a0d627261696e2e4576656e743a32");
}

TEST(EventProtoTest, ScalarsEventMatchesTensorBoard) {
    const std::string event =
        scalars_event(1700000000.25, 300, {{"train/loss", 0.5f}, {"test/accuracy", 0.875f}});
    EXPECT_EQ(to_hex(event),
              "0900001040fc54d94110ac022a290a110a0a747261696e2f6c6f7373150000003f0a140a0d7465"
              "73742f6163637572616379150000603f");
}

TEST(EventProtoTest, StepZeroIsLeftOutAsProto3Does) {
    const std::string event = scalars_event(1.5, 0, {{"a", 1.0f}});
    EXPECT_EQ(to_hex(event).substr(0, 18), "09000000000000f83f");
    EXPECT_EQ(to_hex(event).substr(18, 2), "2a");  // the summary follows the wall time
}

}  // namespace
}  // namespace slipway::tracking
