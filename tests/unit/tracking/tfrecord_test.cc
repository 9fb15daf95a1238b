#include "tracking/tfrecord.h"

#include <gtest/gtest.h>

#include "hex.h"

namespace slipway::tracking {
namespace {

using testing::to_hex;

// The record TensorBoard's own RecordWriter (tensorboard 2.21,
// tensorboard.summary.writer.record_writer) writes for b"hello".
TEST(TfRecordTest, MatchesTensorBoardsRecordWriter) {
    EXPECT_EQ(to_hex(tfrecord_frame("hello")), "0500000000000000eab2043e68656c6c6fbb1f1c19");
}

TEST(TfRecordTest, LayoutIsLengthCrcDataCrc) {
    const std::string data(300, 'x');
    const std::string record = tfrecord_frame(data);
    ASSERT_EQ(record.size(), 8 + 4 + data.size() + 4);
    EXPECT_EQ(to_hex(record.substr(0, 8)), "2c01000000000000");  // 300 little-endian
    EXPECT_EQ(record.substr(12, data.size()), data);
}

TEST(TfRecordTest, EmptyDataStillFramed) {
    const std::string record = tfrecord_frame("");
    ASSERT_EQ(record.size(), 16u);
    EXPECT_EQ(to_hex(record.substr(0, 8)), "0000000000000000");
}

}  // namespace
}  // namespace slipway::tracking
