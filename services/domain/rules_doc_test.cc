// Tests of the rule ids: their format, the error helpers, and that docs/DOMAIN-RULES.md
// documents every one of them.
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "domain/rules.h"
#include "gtest/gtest.h"

namespace proeftuin::domain {
namespace {

TEST(Rules, IdsAreUniqueAndWellFormed) {
  std::set<std::string_view> seen;
  for (std::string_view id : rules::AllRuleIds()) {
    EXPECT_TRUE(seen.insert(id).second) << id;
    EXPECT_EQ(id.substr(0, 3), "PT-") << id;
    EXPECT_EQ(RuleIdOf(absl::InternalError(std::string(id) + ": x")), id);
  }
  EXPECT_GE(seen.size(), 50u);
}

TEST(Rules, EveryRuleIsDocumented) {
  std::ifstream file(PROEFTUIN_DOMAIN_RULES_MD);
  ASSERT_TRUE(file.good()) << PROEFTUIN_DOMAIN_RULES_MD;
  std::stringstream text;
  text << file.rdbuf();
  for (std::string_view id : rules::AllRuleIds()) {
    EXPECT_NE(text.str().find("`" + std::string(id) + "`"), std::string::npos)
        << id << " is not documented in docs/DOMAIN-RULES.md";
  }
}

TEST(Rules, ExtractsTheRuleIdFromAStatus) {
  EXPECT_EQ(RuleIdOf(absl::FailedPreconditionError("PT-COUNCIL-OPEN: 2 open")), "PT-COUNCIL-OPEN");
  EXPECT_EQ(RuleIdOf(absl::OkStatus()), "");
  EXPECT_EQ(RuleIdOf(absl::InternalError("boom")), "");
  EXPECT_EQ(RuleIdOf(absl::InternalError("PT-: x")), "");
  EXPECT_EQ(RuleIdOf(absl::InternalError("PT-lower: x")), "");
  EXPECT_EQ(RuleIdOf(absl::InternalError("PT-NO-COLON")), "");
}

TEST(Rules, WithActionNamesTheActionAfterTheRuleId) {
  const absl::Status status = WithAction(
      PreconditionError(rules::kCouncilOpen, "2 council input(s) have no college response"),
      "adopt programme lv-2024-2027");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "PT-COUNCIL-OPEN: cannot adopt programme lv-2024-2027: 2 council input(s) have no "
            "college response");
  EXPECT_EQ(WithAction(absl::InternalError("boom"), "x").message(), "boom");
  EXPECT_TRUE(WithAction(absl::OkStatus(), "x").ok());
}

TEST(Rules, FieldErrorsNameTheField) {
  const absl::Status status = FieldError(rules::kTextTooLong, "design.title", "is too long");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "PT-TEXT-TOO-LONG: field design.title is too long");
}

}  // namespace
}  // namespace proeftuin::domain
