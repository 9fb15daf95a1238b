#include "tracking/text_exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace slipway::tracking {
namespace {

TEST(TextExpositionTest, HelpTypeAndSamplePerMetric) {
    const std::string text = text_exposition({
        {"slipway_train_steps_total", "counter", "Optimizer steps completed.", 120},
        {"slipway_train_loss", "gauge", "Mean loss.", 0.25},
    });
    EXPECT_EQ(text,
              "# HELP slipway_train_steps_total Optimizer steps completed.\n"
              "# TYPE slipway_train_steps_total counter\n"
              "slipway_train_steps_total 120\n"
              "# HELP slipway_train_loss Mean loss.\n"
              "# TYPE slipway_train_loss gauge\n"
              "slipway_train_loss 0.25\n");
}

TEST(TextExpositionTest, ValuesReadBackExactlyAndSpecialValuesAreSpelledOut) {
    const double third = 1.0 / 3.0;
    const std::string text = text_exposition({
        {"a", "gauge", "", third},
        {"b", "gauge", "", NAN},
        {"c", "gauge", "", std::numeric_limits<double>::infinity()},
        {"d", "gauge", "", -std::numeric_limits<double>::infinity()},
        {"e", "gauge", "", 1.7e9},
        {"f", "gauge", "", 1732500000.25},
    });
    EXPECT_NE(text.find("\na 0.3333333333333333\n"), std::string::npos);
    EXPECT_NE(text.find("\nb NaN\n"), std::string::npos);
    EXPECT_NE(text.find("\nc +Inf\n"), std::string::npos);
    EXPECT_NE(text.find("\nd -Inf\n"), std::string::npos);
    EXPECT_NE(text.find("\ne 1.7e+09\n"), std::string::npos);  // Go's ParseFloat reads it
    EXPECT_NE(text.find("\nf 1732500000.25\n"), std::string::npos);
}

TEST(TextExpositionTest, HelpEscapesBackslashAndNewline) {
    const std::string text = text_exposition({{"x", "gauge", "a\\b\nc", 1}});
    EXPECT_NE(text.find("# HELP x a\\\\b\\nc\n"), std::string::npos);
}

TEST(TextExpositionTest, InvalidNamesAndTypesThrow) {
    EXPECT_THROW(text_exposition({{"9lives", "gauge", "", 1}}), std::invalid_argument);
    EXPECT_THROW(text_exposition({{"has-dash", "gauge", "", 1}}), std::invalid_argument);
    EXPECT_THROW(text_exposition({{"ok", "histogram", "", 1}}), std::invalid_argument);
}

}  // namespace
}  // namespace slipway::tracking
