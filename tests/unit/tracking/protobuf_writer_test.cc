#include "tracking/protobuf_writer.h"

#include <gtest/gtest.h>

#include "hex.h"

namespace slipway::tracking {
namespace {

using testing::to_hex;

TEST(ProtobufWriterTest, VarintsUseSevenBitGroups) {
    ProtobufWriter writer;
    writer.varint_field(1, 150);  // the protobuf documentation's example: 08 96 01
    EXPECT_EQ(to_hex(writer.bytes()), "089601");
    ProtobufWriter large;
    large.varint_field(2, 300);
    EXPECT_EQ(to_hex(large.bytes()), "10ac02");
}

TEST(ProtobufWriterTest, NegativeInt64TakesTenBytes) {
    ProtobufWriter writer;
    writer.int64_field(2, -1);
    EXPECT_EQ(to_hex(writer.bytes()), "10ffffffffffffffffff01");
}

TEST(ProtobufWriterTest, FixedWidthsAreLittleEndian) {
    ProtobufWriter writer;
    writer.double_field(1, 1.5);  // wire type 1
    writer.float_field(2, 0.5f);  // wire type 5
    EXPECT_EQ(to_hex(writer.bytes()),
              "09000000000000f83f"
              "150000003f");
}

TEST(ProtobufWriterTest, LengthDelimitedFields) {
    ProtobufWriter writer;
    writer.bytes_field(3, "abc");
    writer.bytes_field(16, "");  // field 16 needs a two-byte tag
    EXPECT_EQ(to_hex(writer.bytes()),
              "1a03616263"
              "820100");
}

}  // namespace
}  // namespace slipway::tracking
