// render/failure_policy: DESIGN.md's exit-code table as a Job's podFailurePolicy.
#include "render/failure_policy.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/exit_code.h"
#include "launcher_test_util.h"

namespace slipway::render {
namespace {

using launcher_test::parse_yaml;

TEST(FailurePolicyTest, WholePolicy) {
    const Value expected = Value::map({{"rules", Value::list({
        Value::map({{"action", "FailJob"},
                    {"onExitCodes", Value::map({{"containerName", "trainer"},
                                                {"operator", "In"},
                                                {"values", Value::list({2, 3, 4, 11})}})}}),
        Value::map({{"action", "Ignore"},
                    {"onExitCodes", Value::map({{"containerName", "trainer"},
                                                {"operator", "In"},
                                                {"values", Value::list({10, 143})}})}}),
        Value::map({{"action", "Ignore"},
                    {"onPodConditions", Value::list({Value::map({{"type", "DisruptionTarget"},
                                                                 {"status", "True"}})})}}),
    })}});
    EXPECT_EQ(pod_failure_policy("trainer"), expected);
}

TEST(FailurePolicyTest, EmitsYamlKubernetesReadsWithTheRightTypes) {
    const std::string yaml = to_yaml(pod_failure_policy("trainer"));
    EXPECT_EQ(yaml,
              "rules:\n"
              "- action: FailJob\n"
              "  onExitCodes:\n"
              "    containerName: trainer\n"
              "    operator: In\n"
              "    values:\n"
              "    - 2\n"
              "    - 3\n"
              "    - 4\n"
              "    - 11\n"
              "- action: Ignore\n"
              "  onExitCodes:\n"
              "    containerName: trainer\n"
              "    operator: In\n"
              "    values:\n"
              "    - 10\n"
              "    - 143\n"
              "- action: Ignore\n"
              "  onPodConditions:\n"
              "  - type: DisruptionTarget\n"
              "    status: \"True\"\n");  // a string: the API rejects a bool here
    EXPECT_EQ(parse_yaml(yaml), pod_failure_policy("trainer"));
}

TEST(FailurePolicyTest, NamesTheGivenContainer) {
    const Value policy = pod_failure_policy("worker");
    for (const Value& rule : policy.get("rules")->as_list()) {
        if (const Value* on_codes = rule.get("onExitCodes")) {
            EXPECT_EQ(*on_codes->get("containerName"), Value("worker"));
        }
    }
}

// What Kubernetes validates in onExitCodes.values: ascending, no duplicates, no 0 with In,
// at most 255; and no code in two rules (the first match would silently win).
TEST(FailurePolicyTest, ExitCodeValuesAreValidForTheApiServer) {
    std::set<int64_t> seen;
    const Value policy = pod_failure_policy("trainer");
    for (const Value& rule : policy.get("rules")->as_list()) {
        const Value* values = rule.at_path("onExitCodes.values");
        if (!values) continue;
        const auto& list = values->as_list();
        ASSERT_FALSE(list.empty());
        ASSERT_LE(list.size(), 255u);
        for (size_t i = 0; i < list.size(); ++i) {
            ASSERT_TRUE(list[i].is_int());
            EXPECT_NE(list[i].as_int(), 0);
            if (i > 0) {
                EXPECT_LT(list[i - 1].as_int(), list[i].as_int());
            }
            EXPECT_TRUE(seen.insert(list[i].as_int()).second)
                << list[i].as_int() << " appears in two rules";
        }
    }
}

// DESIGN.md "Exit codes": code -> retried?
TEST(FailurePolicyTest, RulesCoverEveryCodeOfTheDesignTable) {
    const std::map<int, FailureAction> design = {
        {2, FailureAction::kFailJob},  {3, FailureAction::kFailJob},
        {4, FailureAction::kFailJob},  {10, FailureAction::kIgnore},
        {11, FailureAction::kFailJob}, {143, FailureAction::kIgnore},
    };
    std::map<int, FailureAction> rules;
    for (const ExitCodeRule& rule : exit_code_rules()) {
        EXPECT_FALSE(rule.meaning.empty()) << rule.code;
        EXPECT_FALSE(rule.why.empty()) << rule.code;
        if (rule.code >= 0) {
            EXPECT_TRUE(rules.emplace(rule.code, rule.action).second) << "duplicate " << rule.code;
        }
    }
    EXPECT_EQ(rules, design);
    // 0 is success, never a failure rule; everything else (1, 137) is counted.
    EXPECT_EQ(rules.count(0), 0u);
    ASSERT_FALSE(exit_code_rules().empty());
    EXPECT_EQ(exit_code_rules().back().code, -1);
    EXPECT_EQ(exit_code_rules().back().action, FailureAction::kCount);
    EXPECT_THAT(exit_code_rules().back().meaning, testing::HasSubstr("137"));
}

TEST(FailurePolicyTest, RulesMatchTheExitCodeEnum) {
    const std::map<int, std::string> meanings = [] {
        std::map<int, std::string> out;
        for (const ExitCodeRule& rule : exit_code_rules()) out[rule.code] = rule.meaning;
        return out;
    }();
    for (ExitCode code : {ExitCode::kBadSpec, ExitCode::kBadData, ExitCode::kBadCheckpoint,
                          ExitCode::kPeerFailed, ExitCode::kOutOfMemory, ExitCode::kPreempted}) {
        EXPECT_EQ(meanings.count(to_int(code)), 1u) << to_int(code);
    }
    EXPECT_EQ(meanings.count(to_int(ExitCode::kInternal)), 0u);  // 1 is counted, not special
}

TEST(FailurePolicyTest, ActionNames) {
    EXPECT_STREQ(to_string(FailureAction::kFailJob), "FailJob");
    EXPECT_STREQ(to_string(FailureAction::kIgnore), "Ignore");
    EXPECT_STREQ(to_string(FailureAction::kCount), "Count");
}

}  // namespace
}  // namespace slipway::render
