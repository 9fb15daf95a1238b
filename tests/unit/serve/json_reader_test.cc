#include "serve/protocol/json_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "serve/protocol/json_number_parse.h"

namespace slipway::serve {
namespace {

// The error of reading `text` as one number, or "" when it reads.
std::string number_error(const std::string& text) {
    JsonReader reader(text);
    double value = 0;
    if (reader.read_number(value) && reader.finish()) return "";
    return reader.error();
}

double number_of(const std::string& text) {
    JsonReader reader(text);
    double value = -1;
    EXPECT_TRUE(reader.read_number(value) && reader.finish()) << text << ": " << reader.error();
    return value;
}

// The error of skipping `text` as one JSON value, or "" when it is well-formed.
std::string skip_error(const std::string& text) {
    JsonReader reader(text);
    if (reader.skip_value() && reader.finish()) return "";
    return reader.error();
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(JsonReaderTest, NumbersAreTheCorrectlyRoundedDouble) {
    for (const char* text : {"0",
                             "1",
                             "-1",
                             "0.1234",
                             "0.5678",
                             "-0.0001",
                             "2e3",
                             "1E-2",
                             "-2.5E+2",
                             "123456789",
                             "0.30000000000000004",
                             "9007199254740993",
                             "18446744073709551615",
                             "18446744073709551616",
                             "0.12345678901234567890123",
                             "123456789012345678901234",
                             "3.4028234663852886e38",
                             "1.17549435e-38",
                             "4.9e-324",
                             "2.2250738585072014e-308",
                             "1.7976931348623157e308",
                             "1e22",
                             "1e23",
                             "1e-22",
                             "1e-23",
                             "0.000001234e10"}) {
        EXPECT_TRUE(same_bits(number_of(text), std::strtod(text, nullptr))) << text;
        // What a model sees: the float of that double, for these the float strtof gives.
        if (std::fabs(number_of(text)) <= std::numeric_limits<float>::max()) {
            EXPECT_EQ(static_cast<float>(number_of(text)), std::strtof(text, nullptr)) << text;
        }
    }
}

TEST(JsonReaderTest, UnderflowIsZeroAndOverflowIsAnError) {
    EXPECT_EQ(number_of("1e-50"), 1e-50);
    EXPECT_TRUE(same_bits(number_of("1e-400"), 0.0));
    EXPECT_TRUE(same_bits(number_of("-1e-400"), -0.0));
    EXPECT_TRUE(same_bits(number_of("1e-99999999999999999999"), 0.0));
    EXPECT_TRUE(same_bits(number_of("0.0000000000000000000000000000001e-300"), 0.0));
    EXPECT_TRUE(same_bits(number_of("0e999999"), 0.0));
    EXPECT_EQ(number_error("1e999"), "malformed JSON at byte 0: number overflow parsing '1e999'");
    EXPECT_NE(number_error("-1e309").find("number overflow"), std::string::npos);
    EXPECT_NE(number_error("1e99999999999999999999").find("number overflow"), std::string::npos);
    EXPECT_NE(number_error("0.001e312").find("number overflow"), std::string::npos);
    EXPECT_NE(number_error(std::string(400, '9')).find("number overflow"), std::string::npos);
}

// nlohmann read "-0" as the integer 0, so requests that send it keep getting +0.
TEST(JsonReaderTest, MinusZeroIntegerIsPlusZero) {
    EXPECT_TRUE(same_bits(number_of("-0"), 0.0));
    EXPECT_TRUE(same_bits(number_of("-0.0"), -0.0));
    EXPECT_TRUE(same_bits(number_of("-0e1"), -0.0));
}

TEST(JsonReaderTest, MalformedNumbersNameTheOffendingByte) {
    EXPECT_EQ(number_error("01"),
              "malformed JSON at byte 1: invalid number: a leading zero must stand alone");
    EXPECT_EQ(number_error("-01"),
              "malformed JSON at byte 2: invalid number: a leading zero must stand alone");
    EXPECT_EQ(number_error("-"),
              "malformed JSON at byte 1: invalid number: expected a digit after '-'");
    EXPECT_EQ(number_error("-x"),
              "malformed JSON at byte 1: invalid number: expected a digit after '-'");
    EXPECT_EQ(number_error("-inf"),
              "malformed JSON at byte 1: invalid number: expected a digit after '-'");
    EXPECT_EQ(number_error("--1"),
              "malformed JSON at byte 1: invalid number: expected a digit after '-'");
    EXPECT_EQ(number_error("5."),
              "malformed JSON at byte 2: invalid number: expected a digit after '.'");
    EXPECT_EQ(number_error("5.e3"),
              "malformed JSON at byte 2: invalid number: expected a digit after '.'");
    EXPECT_EQ(number_error("1e"),
              "malformed JSON at byte 2: invalid number: expected a digit in the exponent");
    EXPECT_EQ(number_error("1e+"),
              "malformed JSON at byte 3: invalid number: expected a digit in the exponent");
    EXPECT_EQ(number_error("1E-x"),
              "malformed JSON at byte 3: invalid number: expected a digit in the exponent");
    for (const char* not_a_number : {".5", "+1", "nan", "NaN", "inf", "Infinity", ""}) {
        EXPECT_NE(number_error(not_a_number).find("malformed JSON at byte 0"), std::string::npos)
            << not_a_number;
    }
    // The number ends where the grammar does; what follows is not part of it.
    EXPECT_EQ(number_error("0x10"),
              "malformed JSON at byte 1: unexpected 'x' after the JSON value");
    EXPECT_EQ(number_error("1.5.3"),
              "malformed JSON at byte 3: unexpected '.' after the JSON value");
    EXPECT_EQ(number_error("1 2"), "malformed JSON at byte 2: unexpected '2' after the JSON value");
}

TEST(JsonReaderTest, ParseJsonNumberStopsAtTheEndOfTheText) {
    const std::string text = "12.5e1";
    for (size_t length : {1, 2, 3, 4, 5}) {
        const JsonNumber number = parse_json_number(text.data(), text.data() + length);
        const bool complete = length == 1 || length == 2 || length == 4;
        EXPECT_EQ(number.status == JsonNumber::Status::kOk, complete) << length;
    }
}

TEST(JsonReaderTest, OnlyJsonWhitespaceSeparatesTokens) {
    EXPECT_EQ(skip_error(" \t\r\n[ 1 ,\t2\r,\n3 ] \n"), "");
    EXPECT_EQ(skip_error("{ \"a\" : [ ] , \"b\" :{ } }"), "");
    EXPECT_EQ(skip_error("[1,\v2]"), "malformed JSON at byte 3: expected a value, got byte 0x0B");
    EXPECT_EQ(skip_error("[1,\f2]"), "malformed JSON at byte 3: expected a value, got byte 0x0C");
    EXPECT_EQ(skip_error("[1,\xC2\xA0"
                         "2]"),
              "malformed JSON at byte 3: expected a value, got byte 0xC2");
    EXPECT_EQ(skip_error(""),
              "malformed JSON at byte 0: expected a value, got the end of the body");
    EXPECT_EQ(skip_error("  "),
              "malformed JSON at byte 2: expected a value, got the end of the body");
}

TEST(JsonReaderTest, StructureErrors) {
    EXPECT_EQ(skip_error("[1,2,]"), "malformed JSON at byte 5: expected a value, got ']'");
    EXPECT_EQ(skip_error("[,1]"), "malformed JSON at byte 1: expected a value, got ','");
    EXPECT_EQ(skip_error("[1 2]"),
              "malformed JSON at byte 3: expected ',' or ']' after an array element, got '2'");
    EXPECT_EQ(skip_error("[1"),
              "malformed JSON at byte 2: expected ',' or ']' after an array element, got the end "
              "of the body");
    EXPECT_EQ(skip_error("{\"a\" 1}"),
              "malformed JSON at byte 5: expected ':' after an object key, got '1'");
    EXPECT_EQ(skip_error("{\"a\":1,}"), "malformed JSON at byte 7: expected a string key, got '}'");
    EXPECT_EQ(skip_error("{a:1}"), "malformed JSON at byte 1: expected a string key, got 'a'");
    EXPECT_EQ(skip_error("{'a':1}"), "malformed JSON at byte 1: expected a string key, got '''");
    EXPECT_EQ(skip_error("{\"a\":1 \"b\":2}"),
              "malformed JSON at byte 7: expected ',' or '}' after an object member, got '\"'");
    EXPECT_EQ(skip_error("[tru]"), "malformed JSON at byte 1: invalid literal; expected true");
    EXPECT_EQ(skip_error("[nul]"), "malformed JSON at byte 1: invalid literal; expected null");
    EXPECT_EQ(skip_error("[True]"), "malformed JSON at byte 1: expected a value, got 'T'");
    EXPECT_EQ(skip_error("[true, false, null, \"s\", -1.5e3, {}, []]"), "");
}

TEST(JsonReaderTest, TrailingGarbageAfterTheValueIsRefused) {
    EXPECT_EQ(skip_error("{} x"), "malformed JSON at byte 3: unexpected 'x' after the JSON value");
    EXPECT_EQ(skip_error("{}{}"), "malformed JSON at byte 2: unexpected '{' after the JSON value");
    EXPECT_EQ(skip_error("[1]]"), "malformed JSON at byte 3: unexpected ']' after the JSON value");
    // nlohmann stopped at a NUL byte as if the body ended there; RFC 8259 does not.
    EXPECT_EQ(skip_error(std::string("{}\0x", 4)),
              "malformed JSON at byte 2: unexpected byte 0x00 after the JSON value");
}

TEST(JsonReaderTest, ByteOrderMarkOnlyAtTheStart) {
    EXPECT_EQ(skip_error("\xEF\xBB\xBF{}"), "");
    EXPECT_EQ(skip_error(" \xEF\xBB\xBF{}"),
              "malformed JSON at byte 1: expected a value, got byte 0xEF");
    EXPECT_EQ(skip_error("\xEF\xBB{}"),
              "malformed JSON at byte 0: expected a value, got byte 0xEF");
}

TEST(JsonReaderTest, StringsDecodeEscapes) {
    JsonReader reader(R"(["a\"b\\c\/d\b\f\n\r\t", "\u0066\u00e9\u20AC\ud83d\ude00", "\u0000"])");
    std::string value;
    ASSERT_TRUE(reader.begin_array());
    ASSERT_TRUE(reader.next_element(0));
    ASSERT_TRUE(reader.read_string(value));
    EXPECT_EQ(value, "a\"b\\c/d\b\f\n\r\t");
    ASSERT_TRUE(reader.next_element(1));
    ASSERT_TRUE(reader.read_string(value));
    EXPECT_EQ(value, "f\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    ASSERT_TRUE(reader.next_element(2));
    ASSERT_TRUE(reader.read_string(value));
    EXPECT_EQ(value, std::string("\0", 1));
    EXPECT_FALSE(reader.next_element(3));
    EXPECT_TRUE(reader.finish()) << reader.error();
}

TEST(JsonReaderTest, EscapedKeysAreDecoded) {
    JsonReader reader(R"({"fe\u0061tures\n": 1})");
    std::string key;
    ASSERT_TRUE(reader.begin_object());
    ASSERT_TRUE(reader.next_member(0, key));
    EXPECT_EQ(key, "features\n");
}

TEST(JsonReaderTest, MalformedStrings) {
    EXPECT_EQ(skip_error("\"abc"), "malformed JSON at byte 0: unterminated string");
    EXPECT_EQ(skip_error("\"a\nb\""),
              "malformed JSON at byte 2: invalid string: control character U+000A must be "
              "escaped");
    EXPECT_NE(skip_error(std::string("\"a\0b\"", 5)).find("control character U+0000"),
              std::string::npos);
    EXPECT_EQ(skip_error(R"("\x")"),
              "malformed JSON at byte 1: invalid string: forbidden character after backslash");
    EXPECT_EQ(skip_error(R"("\u12")"),
              "malformed JSON at byte 1: invalid string: '\\u' must be followed by 4 hex digits");
    EXPECT_EQ(skip_error(R"("\uD800")"),
              "malformed JSON at byte 1: invalid string: surrogate U+D800..U+DBFF must be "
              "followed by U+DC00..U+DFFF");
    EXPECT_NE(skip_error(R"("\uD800\u0041")").find("must be followed by U+DC00"),
              std::string::npos);
    EXPECT_EQ(skip_error(R"("\uDC00")"),
              "malformed JSON at byte 1: invalid string: surrogate U+DC00..U+DFFF must follow "
              "U+D800..U+DBFF");
    // Ill-formed UTF-8, as nlohmann refused it: overlong, encoded surrogate, past U+10FFFF,
    // lone continuation byte, truncated sequence.
    for (const char* bad :
         {"\"\xC0\x80\"", "\"\xE0\x80\x80\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"",
          "\"\xF5\x80\x80\x80\"", "\"\x80\"", "\"\xE2\x82\""}) {
        EXPECT_EQ(skip_error(bad),
                  "malformed JSON at byte 1: invalid string: ill-formed UTF-8 byte")
            << bad;
    }
    EXPECT_EQ(skip_error("\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\""), "");
}

TEST(JsonReaderTest, NestingIsBounded) {
    const size_t limit = JsonReader::kMaxDepth;
    EXPECT_EQ(skip_error(std::string(limit, '[') + std::string(limit, ']')), "");
    EXPECT_EQ(skip_error(std::string(limit + 1, '[') + std::string(limit + 1, ']')),
              "malformed JSON at byte 256: nesting deeper than 256 levels");
    // A body of 100k '[' is refused without running out of stack.
    EXPECT_NE(skip_error(std::string(100'000, '[')).find("nesting deeper"), std::string::npos);
    std::string objects;
    for (int i = 0; i < 100'000; ++i) objects += "{\"a\":";
    EXPECT_NE(skip_error(objects).find("nesting deeper"), std::string::npos);
}

TEST(JsonReaderTest, IdentifyValueReadsScalarsButNotContainers) {
    JsonReader good("\"text\"");
    EXPECT_EQ(good.identify_value(), JsonKind::kString);
    EXPECT_TRUE(good.finish());
    JsonReader bad("\"unterminated");
    EXPECT_EQ(bad.identify_value(), JsonKind::kInvalid);
    EXPECT_NE(bad.error().find("unterminated string"), std::string::npos);
    JsonReader array("[1, oops");
    EXPECT_EQ(array.identify_value(), JsonKind::kArray);
    EXPECT_FALSE(array.failed());
    EXPECT_STREQ(describe(JsonKind::kObject), "an object");
    EXPECT_STREQ(describe(JsonKind::kNull), "null");
    EXPECT_STREQ(describe(JsonKind::kBoolean), "a boolean");
}

TEST(JsonReaderTest, ReadRawGivesTheValueText) {
    JsonReader reader(R"({"a":  [1, {"b": "c"}] , "d":-2.5e1})");
    std::string key;
    std::string_view raw;
    ASSERT_TRUE(reader.begin_object());
    ASSERT_TRUE(reader.next_member(0, key));
    ASSERT_TRUE(reader.read_raw(raw));
    EXPECT_EQ(raw, R"([1, {"b": "c"}])");
    ASSERT_TRUE(reader.next_member(1, key));
    ASSERT_TRUE(reader.read_raw(raw));
    EXPECT_EQ(raw, "-2.5e1");
    EXPECT_FALSE(reader.next_member(2, key));
    EXPECT_TRUE(reader.finish());
}

TEST(JsonReaderTest, FirstErrorSticks) {
    JsonReader reader("[x, 1]");
    ASSERT_TRUE(reader.begin_array());
    ASSERT_TRUE(reader.next_element(0));
    double value = 0;
    EXPECT_FALSE(reader.read_number(value));
    EXPECT_FALSE(reader.next_element(1));
    EXPECT_FALSE(reader.finish());
    EXPECT_EQ(reader.error(), "malformed JSON at byte 1: expected a number, got 'x'");
}

// What read_plain_floats did with an array's first elements: how many it took, their values,
// and where it left the cursor.
struct PlainRun {
    size_t count = 0;
    std::vector<float> values;
    size_t offset = 0;
};

PlainRun plain_run(JsonReader& reader, size_t index, size_t room = 64) {
    PlainRun run;
    run.values.assign(room, -1.0f);
    run.count = reader.read_plain_floats(index, run.values.data(), room);
    run.values.resize(run.count);
    run.offset = reader.offset();
    return run;
}

PlainRun first_plain_run(std::string_view array, size_t room = 64) {
    JsonReader reader(array);
    EXPECT_TRUE(reader.begin_array()) << array;
    return plain_run(reader, 0, room);
}

// An array of numbers read as the request parsers read it: runs of plain decimals through
// read_plain_floats (when `fast`), every other element through next_element / read_number.
// Gives each float's bits, or the first error: both ways must give the same.
std::string read_float_array(std::string_view text, bool fast, size_t room = 1000) {
    JsonReader reader(text);
    if (!reader.begin_array()) return reader.error();
    std::vector<float> values(room);
    size_t index = 0;
    for (;; ++index) {
        if (fast) index += reader.read_plain_floats(index, values.data() + index, room - index);
        if (!reader.next_element(index)) break;
        double number = 0;
        if (index >= room) return "room exhausted at " + std::to_string(index);
        if (!reader.read_number(number)) return reader.error();
        values[index] = static_cast<float>(number);
    }
    if (!reader.finish()) return reader.error();
    std::string bits;
    for (size_t i = 0; i < index; ++i) {
        uint32_t word = 0;
        std::memcpy(&word, &values[i], sizeof word);
        bits += std::to_string(word) + " ";
    }
    return bits + "last " + std::string(reader.last_number());
}

TEST(JsonReaderPlainFloatsTest, TakesPlainDecimalsAsStrtodThenFloat) {
    const std::vector<std::string> texts = {"0.1234",
                                            "-0.5678",
                                            "17",
                                            "0",
                                            "3.5",
                                            "-42",
                                            "0.1",
                                            "9007199254740992",
                                            "0.000000000000000001",
                                            "123456.789012"};
    std::string array = "[";
    for (size_t i = 0; i < texts.size(); ++i) array += (i ? ", " : "") + texts[i];
    array += "]";
    const PlainRun run = first_plain_run(array);
    ASSERT_EQ(run.count, texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
        const auto expected = static_cast<float>(std::strtod(texts[i].c_str(), nullptr));
        EXPECT_EQ(std::memcmp(&run.values[i], &expected, sizeof expected), 0) << texts[i];
    }
    EXPECT_EQ(run.offset, array.size() - 1);  // before the ']', left to next_element
}

TEST(JsonReaderPlainFloatsTest, RandomDecimalsMatchStrtodThenFloat) {
    std::mt19937_64 random(7);
    for (int i = 0; i < 20'000; ++i) {
        // round(random(), k) and its kin, with at most 15 digits: all below 2^53.
        const int integer_digits = static_cast<int>(random() % 8);
        const int fraction_digits = static_cast<int>(random() % 9);
        std::string text = random() % 3 == 0 ? "-" : "";
        text += integer_digits == 0 ? "0" : std::to_string(1 + random() % 9);
        for (int d = 1; d < integer_digits; ++d) text += static_cast<char>('0' + random() % 10);
        if (fraction_digits > 0) text += '.';
        for (int d = 0; d < fraction_digits; ++d) text += static_cast<char>('0' + random() % 10);
        const PlainRun run = first_plain_run("[" + text + "]");
        ASSERT_EQ(run.count, 1u) << text;
        // "-0" is the integer 0, as nlohmann read it; strtod gives -0.
        const auto expected =
            text == "-0" ? 0.0f : static_cast<float>(std::strtod(text.c_str(), nullptr));
        EXPECT_EQ(std::memcmp(&run.values[0], &expected, sizeof expected), 0) << text;
        EXPECT_EQ(read_float_array("[" + text + "]", true),
                  read_float_array("[" + text + "]", false))
            << text;
    }
}

TEST(JsonReaderPlainFloatsTest, StopsBeforeAnExponentAndResumesAfterIt) {
    JsonReader reader("[1.5, 2e3, 4, -2.5E-1]");
    ASSERT_TRUE(reader.begin_array());
    PlainRun run = plain_run(reader, 0);
    EXPECT_EQ(run.values, (std::vector<float>{1.5f}));
    EXPECT_EQ(run.offset, 4u);  // after "1.5": the ',' is next_element's
    EXPECT_EQ(reader.last_number(), "1.5");
    ASSERT_TRUE(reader.next_element(1));
    double number = 0;
    ASSERT_TRUE(reader.read_number(number));
    EXPECT_EQ(number, 2000.0);
    run = plain_run(reader, 2);
    EXPECT_EQ(run.values, (std::vector<float>{4.0f}));
    EXPECT_EQ(reader.last_number(), "4");
    ASSERT_TRUE(reader.next_element(3));
    ASSERT_TRUE(reader.read_number(number));
    EXPECT_EQ(number, -0.25);
    EXPECT_EQ(plain_run(reader, 4).count, 0u);
    EXPECT_FALSE(reader.next_element(4));
    EXPECT_TRUE(reader.finish()) << reader.error();
}

TEST(JsonReaderPlainFloatsTest, StopsBeforeWhatTheGeneralPathMustJudge) {
    // Each array: one plain element, then one the fast path must not take.
    for (const char* array : {"[1, 01]",
                              "[1, -01]",
                              "[1, 00]",
                              "[1, 2.]",
                              "[1, 2.e3]",
                              "[1, .5]",
                              "[1, +5]",
                              "[1, -]",
                              "[1, 1e5]",
                              "[1, 1E5]",
                              "[1, 0e0]",
                              "[1, 1.5.3]",
                              "[1, 12345678901234567890]",
                              "[1, 0.1234567890123456789]",
                              "[1, 9007199254740993]",
                              "[1, 1234567890123456789]",
                              "[1, 340282356779733661637539395458142568448]",
                              "[1, \"2\"]",
                              "[1, [2]]",
                              "[1, {}]",
                              "[1, null]",
                              "[1, true]",
                              "[1, NaN]",
                              "[1, -Infinity]",
                              "[1 2]",
                              "[1,,2]",
                              "[1;2]",
                              "[1,\v2]",
                              "[1,\f2]",
                              "[1,",
                              "[1, ",
                              "[1",
                              "[1]"}) {
        const PlainRun run = first_plain_run(array);
        EXPECT_EQ(run.count, 1u) << array;
        EXPECT_EQ(run.offset, 2u) << array;  // right after the "1"
        EXPECT_EQ(read_float_array(array, true), read_float_array(array, false)) << array;
    }
    // Nothing plain to start with.
    for (const char* array : {"[]", "[", "[ ]", "[-0e1]", "[01]", "[1.]", "[-", "[\"a\"]"}) {
        EXPECT_EQ(first_plain_run(array).count, 0u) << array;
        EXPECT_EQ(first_plain_run(array).offset, 1u) << array;
        EXPECT_EQ(read_float_array(array, true), read_float_array(array, false)) << array;
    }
}

TEST(JsonReaderPlainFloatsTest, OnlyDigitsTheFastPathConvertsExactly) {
    EXPECT_EQ(first_plain_run("[0.000000000000000001]").count, 1u);   // 19 digits
    EXPECT_EQ(first_plain_run("[0.0000000000000000001]").count, 0u);  // 20
    EXPECT_EQ(first_plain_run("[9007199254740992]").count, 1u);       // 2^53
    EXPECT_EQ(first_plain_run("[900719925474099.2]").count, 1u);
    EXPECT_EQ(first_plain_run("[9007199254740993]").count, 0u);      // past 2^53
    EXPECT_EQ(first_plain_run("[100000000000000000.0]").count, 0u);  // 19 digits, 10^18
}

TEST(JsonReaderPlainFloatsTest, MinusZeroIntegerIsPlusZeroMinusZeroFractionIsMinusZero) {
    const PlainRun run = first_plain_run("[-0, -0.0, -0.000, 0, 0.0]");
    ASSERT_EQ(run.count, 5u);
    EXPECT_FALSE(std::signbit(run.values[0]));
    EXPECT_TRUE(std::signbit(run.values[1]));
    EXPECT_TRUE(std::signbit(run.values[2]));
    EXPECT_FALSE(std::signbit(run.values[3]));
    EXPECT_FALSE(std::signbit(run.values[4]));
    for (const char* array : {"[-0]", "[-0.0]", "[-0.000]", "[1, -0]"}) {
        EXPECT_EQ(read_float_array(array, true), read_float_array(array, false)) << array;
    }
}

TEST(JsonReaderPlainFloatsTest, JsonWhitespaceAroundElementsAndSeparators) {
    const std::string array = "[ \t\r\n1 \n,\t2\r\n, 3,4 ,5\n]";
    const PlainRun run = first_plain_run(array);
    EXPECT_EQ(run.values, (std::vector<float>{1, 2, 3, 4, 5}));
    EXPECT_EQ(run.offset, array.size() - 2);  // after "5", before "\n]"
    EXPECT_EQ(read_float_array(array, true), read_float_array(array, false));
    // Not JSON whitespace: left for the general path to refuse.
    const std::string no_break_space = std::string("[1,\xC2\xA0") + "2]";
    EXPECT_EQ(first_plain_run(no_break_space).count, 1u);
    EXPECT_EQ(read_float_array("[1,\v2]", true),
              "malformed JSON at byte 3: expected a number, got byte 0x0B");
}

TEST(JsonReaderPlainFloatsTest, TakesNoMoreThanItsRoom) {
    JsonReader reader("[1, 2, 3]");
    ASSERT_TRUE(reader.begin_array());
    PlainRun run = plain_run(reader, 0, 2);
    EXPECT_EQ(run.values, (std::vector<float>{1, 2}));
    EXPECT_EQ(run.offset, 5u);
    EXPECT_EQ(plain_run(reader, 2, 0).count, 0u);
    EXPECT_EQ(reader.offset(), 5u);
    run = plain_run(reader, 2, 5);
    EXPECT_EQ(run.values, (std::vector<float>{3}));
    EXPECT_FALSE(reader.next_element(3));
    EXPECT_TRUE(reader.finish());
}

TEST(JsonReaderPlainFloatsTest, TruncatedInputIsLeftToTheGeneralPath) {
    // After a digit: the number is whole (nothing follows it), the missing ']' is
    // next_element's to report.
    PlainRun run = first_plain_run("[1, 23");
    EXPECT_EQ(run.values, (std::vector<float>{1, 23}));
    EXPECT_EQ(run.offset, 6u);
    EXPECT_EQ(read_float_array("[1, 23", true),
              "malformed JSON at byte 6: expected ',' or ']' after an array element, got the end "
              "of the body");
    // After a ',' or a '.' or a '-': nothing taken past the last whole element.
    for (const char* array : {"[1, 2,", "[1, 2, ", "[1, 2, 3.", "[1, 2, -"}) {
        EXPECT_EQ(first_plain_run(array).count, 2u) << array;
        EXPECT_EQ(first_plain_run(array).offset, 5u) << array;
        EXPECT_EQ(read_float_array(array, true), read_float_array(array, false)) << array;
    }
    // The text ends where the view does, whatever the bytes after it.
    const std::string buffer = "[1, 23456]";
    run = first_plain_run(std::string_view(buffer.data(), 6));
    EXPECT_EQ(run.values, (std::vector<float>{1, 23}));
    run = first_plain_run(std::string_view(buffer.data(), 4));
    EXPECT_EQ(run.values, (std::vector<float>{1}));
}

TEST(JsonReaderPlainFloatsTest, LeavesNestingAndErrorsAlone) {
    JsonReader reader("[[1, 2], [3]]");
    ASSERT_TRUE(reader.begin_array());
    EXPECT_EQ(plain_run(reader, 0).count, 0u);  // an array is not a number
    for (size_t row = 0; reader.next_element(row); ++row) {
        ASSERT_TRUE(reader.begin_array());
        const size_t count = plain_run(reader, 0).count;
        EXPECT_EQ(count, row == 0 ? 2u : 1u);
        EXPECT_FALSE(reader.next_element(count));
    }
    EXPECT_TRUE(reader.finish()) << reader.error();

    JsonReader failed("[x, 1, 2]");
    ASSERT_TRUE(failed.begin_array());
    double ignored = 0;
    EXPECT_FALSE(failed.read_number(ignored));
    float out[4];
    EXPECT_EQ(failed.read_plain_floats(0, out, 4), 0u);
    EXPECT_EQ(failed.error(), "malformed JSON at byte 1: expected a number, got 'x'");
}

TEST(JsonReaderPlainFloatsTest, TriesStopPayingAfterShortRunsInARow) {
    PlainFloatTries tries;
    EXPECT_TRUE(tries.worthwhile());
    for (int i = 0; i < 3; ++i) tries.record(i);
    EXPECT_TRUE(tries.worthwhile());
    tries.record(4);  // a long enough run starts the count again
    for (int i = 0; i < 3; ++i) tries.record(0);
    EXPECT_TRUE(tries.worthwhile());
    tries.record(3);
    EXPECT_FALSE(tries.worthwhile());
}

TEST(JsonReaderPlainFloatsTest, MixedArraysReadAsTheGeneralPathReadsThem) {
    for (const char* array :
         {"[0.1234, 0.8474, 2e-3, 0.5, -0, -0.0, 1e39, 7]", "[1, 2, 3e]",
          "[0.30000000000000004, 0.1]", "[4.9e-324, 1]", "[1, 1e999, 2]",
          "[18446744073709551616, 1.5]", "[ 1 , 2 , 3 ] ", "[1, 2, 3]]", "[1, 2, 3] x",
          // What follows a number's grammar is the separator's problem, after the number.
          "[1, 0x10]", "[1, 2.5x]", "[1, 2-3]", "[1, 2+3]", "[1, -0-0]"}) {
        EXPECT_EQ(read_float_array(array, true), read_float_array(array, false)) << array;
    }
}

}  // namespace
}  // namespace slipway::serve
