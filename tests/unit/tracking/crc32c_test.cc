#include "tracking/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace slipway::tracking {
namespace {

// Check value of the CRC-32C catalogue entry ("123456789").
TEST(Crc32cTest, CatalogueCheckValue) { EXPECT_EQ(crc32c("123456789"), 0xE3069283u); }

TEST(Crc32cTest, EmptyInputIsZero) { EXPECT_EQ(crc32c(""), 0u); }

// RFC 3720 appendix B.4 test vectors (32-byte blocks).
TEST(Crc32cTest, Rfc3720Vectors) {
    EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
    EXPECT_EQ(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
    std::string ascending, descending;
    for (int i = 0; i < 32; ++i) {
        ascending.push_back(static_cast<char>(i));
        descending.push_back(static_cast<char>(31 - i));
    }
    EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
    EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
}

// TFRecord's mask: rotate right 15, add 0xa282ead8 (mod 2^32).
TEST(Crc32cTest, MaskRotatesAndAddsTheDelta) {
    EXPECT_EQ(mask_crc(0), 0xa282ead8u);
    EXPECT_EQ(mask_crc(0x00008000u), 0xa282ead9u);  // bit 15 rotates to bit 0
    EXPECT_EQ(mask_crc(0x00000001u), 0xa284ead8u);  // bit 0 rotates to bit 17
    EXPECT_EQ(masked_crc32c("123456789"), mask_crc(0xE3069283u));
}

}  // namespace
}  // namespace slipway::tracking
