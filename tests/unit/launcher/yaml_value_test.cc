// render/yaml_value: the ordered Value and its block-style YAML emitter. Every emitted scalar
// must read back, through a real YAML reader, with the type and text it was built with.
#include "render/yaml_value.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "launcher_test_util.h"

namespace slipway::render {
namespace {

using launcher_test::parse_yaml;
using launcher_test::parse_yaml_documents;

// Strings a naive emitter gets wrong: YAML would read them as another type, another string,
// or not at all.
const std::vector<std::string>& tricky_strings() {
    static const std::vector<std::string> strings = {
        // numbers and versions
        "29500", "0.1.0", "1e3", "1E3", ".5", "-.5", "+1", "-1", ".inf", "-.inf", ".nan", ".NaN",
        "0x1F", "017", "0o17", "1_000", "1:30", "08", "3.14",
        // YAML 1.1 booleans and nulls, any case
        "true", "True", "TRUE", "false", "no", "No", "yes", "YES", "on", "On", "off", "OFF", "y",
        "Y", "n", "N", "null", "Null", "NULL", "~", "",
        // whitespace at the edges
        " lead", "trail ", " ", "  ", "\t", "tab\there",
        // indicators
        "a: b", "ends:", "a:b", "#x", "a #b", "a#b", "- x", "-", "-x", "--set", "---", "...",
        "? x", "?x", ":x", ",x", "[x]", "{x}", "x]", "*alias", "&anchor", "!tag", "|", ">",
        "'single'", "\"double\"", "it's", "say \"hi\"", "%x", "@x", "`x", "back\\slash",
        "<<", "=",
        // control characters
        "ctrl\x01" "char", "bell\a", "cr\rlf", "a\r\nb", "del\x7f", "c1\xc2\x85next",
        "line\xe2\x80\xa8sep", "para\xe2\x80\xa9sep", "multi\nline\x7f\n",
        // multi-line: literal blocks or quoted, every newline kept
        "key: value\nline2\n", "line1\nline2", "line1\nline2\n", "line1\nline2\n\n",
        "line1\nline2\n\n\n", "a\n\nb", "a\n  indented\nb\n", "# comment\nname: x\n",
        "\n", "\n\n", "\nleading newline", "  indented first\nline", "trailing space \nnext",
        "last line trailing space\nx ", "tab\tinside\nline", "- item\n- item\n",
        "quote \"in\" block\nand \\ backslash\n",
        // the shapes manifests carry
        "$(JOB_NAME)-0.svc", "metadata.labels['batch.kubernetes.io/job-name']",
        "registry.example.com/ml/slipway-train:0.1.0", "0 3 * * *", "@daily", "*/5 * * * *",
        "nvidia.com/gpu", "/etc/slipway/job.yaml", "train.optimizer.lr=0.1", "100Gi", "500m",
        // unicode
        "héllo wörld", "日本語", "emoji ✓ 🚀", "naïve: café", "\xc2\xa0nbsp",
    };
    return strings;
}

std::string printable(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else out += c;
    }
    return "\"" + out + "\"";
}

TEST(YamlValueTest, EveryStringRoundTripsAsAMapValue) {
    for (const std::string& text : tricky_strings()) {
        const Value value = Value::map({{"before", 1}, {"key", text}, {"after", true}});
        const std::string yaml = to_yaml(value);
        EXPECT_EQ(parse_yaml(yaml), value) << printable(text) << " emitted as:\n" << yaml;
    }
}

TEST(YamlValueTest, EveryStringRoundTripsAsAListItem) {
    for (const std::string& text : tricky_strings()) {
        const Value value = Value::list({"before", text, 7});
        const std::string yaml = to_yaml(value);
        EXPECT_EQ(parse_yaml(yaml), value) << printable(text) << " emitted as:\n" << yaml;
    }
}

TEST(YamlValueTest, EveryStringRoundTripsInsideAListOfMaps) {
    for (const std::string& text : tricky_strings()) {
        const Value value = Value::map({{"items", Value::list({
            Value::map({{"name", text}, {"next", text}}),
            Value::map({{"args", Value::list({text, "x"})}, {"n", 2}}),
        })}});
        const std::string yaml = to_yaml(value);
        EXPECT_EQ(parse_yaml(yaml), value) << printable(text) << " emitted as:\n" << yaml;
    }
}

TEST(YamlValueTest, EveryStringRoundTripsAsAKey) {
    for (const std::string& text : tricky_strings()) {
        const Value value = Value::map({{text, "v"}, {"other", Value::map({{text, 1}})}});
        const std::string yaml = to_yaml(value);
        EXPECT_EQ(parse_yaml(yaml), value) << printable(text) << " emitted as:\n" << yaml;
    }
}

TEST(YamlValueTest, EveryStringRoundTripsAsADocument) {
    for (const std::string& text : tricky_strings()) {
        const std::string yaml = to_yaml(Value(text));
        EXPECT_EQ(parse_yaml(yaml), Value(text)) << printable(text) << " emitted as:\n" << yaml;
    }
}

// The oracle the round trips rely on: plain scalars resolve the way kubectl's YAML 1.1 reader
// resolves them, quoted and block scalars stay strings.
TEST(YamlValueTest, ReaderResolvesPlainScalarsLikeKubectl) {
    EXPECT_EQ(parse_yaml("a: no\nb: On\nc: 29500\nd: ~\ne: null\nf: '29500'\ng: \"no\"\n"
                         "h: |\n  x\ni: text\n"),
              Value::map({{"a", false}, {"b", true}, {"c", 29500}, {"d", Value()},
                          {"e", Value()}, {"f", "29500"}, {"g", "no"}, {"h", "x\n"},
                          {"i", "text"}}));
    EXPECT_NONFATAL_FAILURE(parse_yaml("a: 1.5\n"), "reads back as a float");
}

TEST(YamlValueTest, ScalarsKeepTheirTypes) {
    const Value value = Value::map({
        {"int", 29500},
        {"negative", -3},
        {"zero", 0},
        {"int64", int64_t{604800} * 1000000},
        {"string_int", "29500"},
        {"true", true},
        {"false", false},
        {"string_true", "true"},
        {"null", Value()},
        {"string_null", "null"},
    });
    EXPECT_EQ(to_yaml(value),
              "int: 29500\n"
              "negative: -3\n"
              "zero: 0\n"
              "int64: 604800000000\n"
              "string_int: \"29500\"\n"
              "\"true\": true\n"
              "\"false\": false\n"
              "string_true: \"true\"\n"
              "\"null\": null\n"
              "string_null: \"null\"\n");
    EXPECT_EQ(parse_yaml(to_yaml(value)), value);
}

struct EmitCase {
    const char* name;
    Value value;
    std::string yaml;
};

void PrintTo(const EmitCase& c, std::ostream* os) { *os << c.name; }

class EmitTest : public testing::TestWithParam<EmitCase> {};

TEST_P(EmitTest, EmitsExactText) {
    EXPECT_EQ(to_yaml(GetParam().value), GetParam().yaml);
    EXPECT_EQ(parse_yaml(GetParam().yaml), GetParam().value);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, EmitTest,
    testing::Values(
        EmitCase{"EmptyMap", Value::map(), "{}\n"},
        EmitCase{"EmptyList", Value::list(), "[]\n"},
        EmitCase{"EmptyChildren",
                 Value::map({{"m", Value::map()}, {"l", Value::list()}}),
                 "m: {}\nl: []\n"},
        EmitCase{"EmptyItems", Value::list({Value::map(), Value::list()}), "- {}\n- []\n"},
        EmitCase{"InsertionOrder", Value::map({{"z", 1}, {"a", 2}, {"m", 3}}),
                 "z: 1\na: 2\nm: 3\n"},
        EmitCase{"NestedMaps",
                 Value::map({{"metadata", Value::map({{"labels", Value::map({{"a", "b"}})}})}}),
                 "metadata:\n  labels:\n    a: b\n"},
        EmitCase{"ListOfMaps",
                 Value::map({{"containers", Value::list({
                     Value::map({{"name", "trainer"},
                                 {"args", Value::list({"a", "29500"})},
                                 {"env", Value::list()},
                                 {"ports", Value::list({Value::map({{"containerPort", 29500},
                                                                    {"protocol", "TCP"}})})}}),
                     Value::map({{"name", "side"}}),
                 })}}),
                 "containers:\n"
                 "- name: trainer\n"
                 "  args:\n"
                 "  - a\n"
                 "  - \"29500\"\n"
                 "  env: []\n"
                 "  ports:\n"
                 "  - containerPort: 29500\n"
                 "    protocol: TCP\n"
                 "- name: side\n"},
        EmitCase{"ListOfLists", Value::list({Value::list({1, 2}), Value::list({"x"})}),
                 "- \n  - 1\n  - 2\n- \n  - x\n"},
        EmitCase{"BlockStripsNoNewline", Value::map({{"t", "a\nb"}}), "t: |-\n  a\n  b\n"},
        EmitCase{"BlockClipsOneNewline", Value::map({{"t", "a\nb\n"}}), "t: |\n  a\n  b\n"},
        EmitCase{"BlockKeepsNewlines", Value::map({{"t", "a\nb\n\n\n"}, {"u", 1}}),
                 "t: |+\n  a\n  b\n\n\nu: 1\n"},
        EmitCase{"BlockWithEmptyLine", Value::map({{"t", "a\n\nb\n"}}), "t: |\n  a\n\n  b\n"},
        EmitCase{"BlockInListItem", Value::list({"a\nb\n"}), "- |\n  a\n  b\n"},
        EmitCase{"BlockInNestedMap",
                 Value::map({{"data", Value::map({{"job.yaml", "name: x\nimage: y\n"}})}}),
                 "data:\n  job.yaml: |\n    name: x\n    image: y\n"},
        EmitCase{"LeadingSpaceIsQuotedNotBlock", Value::map({{"t", " a\nb"}}),
                 "t: \" a\\nb\"\n"},
        EmitCase{"QuotedEscapes", Value::map({{"t", "q\"b\\t\tc"}}),
                 "t: \"q\\\"b\\\\t\\tc\"\n"},
        EmitCase{"Null", Value(), "null\n"},
        EmitCase{"Int", Value(42), "42\n"}),
    [](const testing::TestParamInfo<EmitCase>& info) { return std::string(info.param.name); });

TEST(YamlValueTest, DeepNestingRoundTrips) {
    const Value value = Value::map({
        {"spec", Value::map({
            {"replicatedJobs", Value::list({Value::map({
                {"name", "workers"},
                {"template", Value::map({{"spec", Value::map({
                    {"podFailurePolicy", Value::map({{"rules", Value::list({
                        Value::map({{"action", "FailJob"},
                                    {"onExitCodes",
                                     Value::map({{"values", Value::list({2, 3})}})}}),
                    })}})},
                    {"containers", Value::list({Value::map({
                        {"command", Value::list({"slipway-launch", "--", "29500", "a: b"})},
                        {"env", Value::list({Value::map({{"name", "X"}, {"value", "on"}})})},
                    })})},
                })}})},
            })})},
        })},
        {"trailer", Value::list({Value::list({Value::map({{"deep", "a\nb\n"}})})})},
    });
    EXPECT_EQ(parse_yaml(to_yaml(value)), value) << to_yaml(value);
}

TEST(YamlValueTest, SetReplacesInPlaceAndAppendsNewKeys) {
    Value map = Value::map({{"a", 1}, {"b", 2}, {"c", 3}});
    Value& replaced = map.set("b", "two");
    EXPECT_EQ(replaced, Value("two"));
    map.set("d", 4);
    EXPECT_EQ(map, Value::map({{"a", 1}, {"b", "two"}, {"c", 3}, {"d", 4}}));
    EXPECT_EQ(to_yaml(map), "a: 1\nb: two\nc: 3\nd: 4\n");
    // The reference set() returns is the stored value.
    map.set("e", Value::map()).set("x", 1);
    EXPECT_EQ(*map.at_path("e.x"), Value(1));
}

TEST(YamlValueTest, GetFindsKeysAndIsNullOtherwise) {
    Value map = Value::map({{"a", 1}, {"b", Value::list({1})}});
    ASSERT_NE(map.get("a"), nullptr);
    EXPECT_EQ(*map.get("a"), Value(1));
    EXPECT_EQ(map.get("missing"), nullptr);
    EXPECT_EQ(Value::list({1}).get("a"), nullptr);
    EXPECT_EQ(Value("a").get("a"), nullptr);
    EXPECT_EQ(Value().get("a"), nullptr);
    map.get("b")->push(2);  // the non-const get edits in place
    EXPECT_EQ(*map.get("b"), Value::list({1, 2}));
}

TEST(YamlValueTest, AtPathFollowsDottedKeys) {
    const Value object = Value::map({
        {"spec", Value::map({{"template", Value::map({{"spec", Value::map({
                     {"restartPolicy", "Never"}})}})}})},
        {"list", Value::list({Value::map({{"a", 1}})})},
        {"leaf", 5},
    });
    ASSERT_NE(object.at_path("spec.template.spec.restartPolicy"), nullptr);
    EXPECT_EQ(*object.at_path("spec.template.spec.restartPolicy"), Value("Never"));
    EXPECT_EQ(*object.at_path("spec.template.spec"),
              Value::map({{"restartPolicy", "Never"}}));
    EXPECT_EQ(*object.at_path("leaf"), Value(5));
    EXPECT_EQ(object.at_path("spec.missing.spec"), nullptr);
    EXPECT_EQ(object.at_path("spec.template.spec.restartPolicy.more"), nullptr);
    EXPECT_EQ(object.at_path("list.a"), nullptr);  // no path through lists
    EXPECT_EQ(object.at_path("leaf.x"), nullptr);
    EXPECT_EQ(object.at_path("missing"), nullptr);
    EXPECT_EQ(object.at_path("spec."), nullptr);
}

TEST(YamlValueTest, PushAndEmpty) {
    Value list = Value::list();
    EXPECT_TRUE(list.empty());
    list.push(1).as_int();
    list.push("x");
    EXPECT_FALSE(list.empty());
    EXPECT_EQ(list, Value::list({1, "x"}));
    EXPECT_TRUE(Value::map().empty());
    EXPECT_FALSE(Value::map({{"a", 1}}).empty());
    EXPECT_FALSE(Value("").empty());  // only collections are empty
}

TEST(YamlValueTest, TypePredicates) {
    EXPECT_TRUE(Value().is_null());
    EXPECT_TRUE(Value(true).is_bool());
    EXPECT_TRUE(Value(3).is_int());
    EXPECT_TRUE(Value(int64_t{3}).is_int());
    EXPECT_TRUE(Value("3").is_string());
    EXPECT_TRUE(Value(std::string("3")).is_string());
    EXPECT_TRUE(Value::map().is_map());
    EXPECT_TRUE(Value::list().is_list());
    EXPECT_NE(Value(3), Value("3"));
    EXPECT_NE(Value(true), Value("true"));
    EXPECT_NE(Value(), Value("null"));
    EXPECT_NE(Value::map({{"a", 1}, {"b", 2}}), Value::map({{"b", 2}, {"a", 1}}));  // ordered
}

TEST(YamlValueTest, DocumentsAreSeparated) {
    EXPECT_EQ(to_yaml_documents({}), "");
    EXPECT_EQ(to_yaml_documents({Value::map({{"a", 1}})}), "a: 1\n");
    const std::vector<Value> documents = {Value::map({{"a", 1}}),
                                          Value::map({{"b", "x\ny\n\n"}}),
                                          Value::map({{"c", "---"}})};
    EXPECT_EQ(to_yaml_documents(documents), "a: 1\n---\nb: |+\n  x\n  y\n\n---\nc: \"---\"\n");
    EXPECT_EQ(parse_yaml_documents(to_yaml_documents(documents)), documents);
}

struct PlainCase {
    std::string text;
    bool safe;
};

TEST(YamlValueTest, PlainScalarIsSafe) {
    const std::vector<PlainCase> cases = {
        {"trainer", true},       {"slipway-train", true}, {"a:b", true},
        {"a#b", true},           {"héllo", true},         {"$(JOB_NAME)-0.svc", true},
        {"x-1.2", true},         {"nvidia.com/gpu", true}, {"inf", true},
        {"", false},             {"29500", false},        {"0.1.0", false},
        {"true", false},         {"No", false},           {"~", false},
        {" a", false},           {"a ", false},           {"a: b", false},
        {"a:", false},           {"#a", false},           {"a #b", false},
        {"- a", false},          {"-a", false},           {"a\nb", false},
        {"a\tb", false},         {"{a}", false},          {"'a'", false},
        {".5", false},           {"-.inf", false},        {"*a", false},
    };
    for (const PlainCase& c : cases) {
        EXPECT_EQ(plain_scalar_is_safe(c.text), c.safe) << printable(c.text);
    }
}

}  // namespace
}  // namespace slipway::render
