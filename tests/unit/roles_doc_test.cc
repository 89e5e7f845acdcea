// docs/ROLES.md documents the role matrix that services/api/authz.cc enforces: both must list
// the same methods with the same roles.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "api/authz.h"
#include "app/principals.h"

namespace proeftuin::api {
namespace {

TEST(RolesDoc, ListsEveryMethodWithTheRolesTheCodeEnforces) {
  std::ifstream in(PROEFTUIN_ROLES_MD);
  ASSERT_TRUE(in) << PROEFTUIN_ROLES_MD;
  std::map<std::string, std::set<std::string>> documented;
  std::regex row(R"(^\| `(\w+)/(\w+)` \| ([a-z_, ]+) \|$)");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    std::set<std::string> roles;
    std::stringstream ss(m[3].str());
    for (std::string r; std::getline(ss, r, ',');) roles.insert(r.substr(r.find_first_not_of(' ')));
    documented[MethodName(m[1].str(), m[2].str())] = roles;
  }
  ASSERT_FALSE(documented.empty());
  for (const auto& m : RoleMatrix()) {
    std::set<std::string> enforced;
    for (auto r : m.roles) enforced.insert(app::RoleName(r));
    auto it = documented.find(m.method);
    ASSERT_NE(it, documented.end()) << m.method << " is not in docs/ROLES.md";
    EXPECT_EQ(it->second, enforced) << m.method;
  }
  EXPECT_EQ(documented.size(), RoleMatrix().size()) << "docs/ROLES.md lists methods the code does not";
}

// Every event docs/DOMAIN-RULES.md lists as correctable has the command that records it, and only
// that command's roles may correct it: the college its adoption decision, not the council clerk;
// the council clerk the council input it recorded, not the college; the evaluator an evaluation.
TEST(RolesDoc, EveryCorrectableEventIsCorrectedOnlyByTheRolesThatRecordIt) {
  std::ifstream in(PROEFTUIN_DOMAIN_RULES_MD);
  ASSERT_TRUE(in) << PROEFTUIN_DOMAIN_RULES_MD;
  std::regex row(R"(^\| (`\w+`(, `\w+`)*) \| .+ \|$)");
  std::regex type(R"(`(\w+)`)");
  std::set<std::string> correctable;
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| corrected event |", 0) == 0) in_table = true;
    if (!in_table) continue;
    if (line.empty()) break;
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    const std::string types = m[1].str();
    for (std::sregex_iterator it(types.begin(), types.end(), type), end; it != end; ++it) {
      correctable.insert("proeftuin.v1." + (*it)[1].str());
    }
  }
  ASSERT_EQ(correctable.size(), 14u) << "the corrections table of docs/DOMAIN-RULES.md";
  for (const std::string& t : correctable) {
    const std::string_view method = MethodRecording(t);
    ASSERT_FALSE(method.empty()) << t << " has no recording command";
    const std::string full = MethodName("ProgrammeService", method);
    const MethodRoles* entry = nullptr;
    for (const auto& m : RoleMatrix()) {
      if (m.method == full) entry = &m;
    }
    ASSERT_NE(entry, nullptr) << full;
    for (v1::Role role : {v1::ROLE_PROGRAMME_MANAGER, v1::ROLE_COLLEGE, v1::ROLE_COUNCIL_CLERK,
                          v1::ROLE_EVALUATOR}) {
      const bool records =
          std::find(entry->roles.begin(), entry->roles.end(), role) != entry->roles.end();
      absl::Status s = MayCorrect(role, "p", t);
      EXPECT_EQ(s.ok(), records) << t << " by " << app::RoleName(role) << ": " << s;
      if (!records) {
        EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
        EXPECT_NE(s.message().find("requires role"), std::string::npos) << s;
      }
    }
  }
  EXPECT_FALSE(MayCorrect(v1::ROLE_COUNCIL_CLERK, "griffie", "proeftuin.v1.ProgrammeAdopted").ok());
  EXPECT_TRUE(MayCorrect(v1::ROLE_COLLEGE, "college", "proeftuin.v1.ProgrammeAdopted").ok());
  EXPECT_TRUE(MayCorrect(v1::ROLE_COUNCIL_CLERK, "griffie", "proeftuin.v1.CouncilInputRecorded").ok());
  EXPECT_FALSE(MayCorrect(v1::ROLE_COLLEGE, "college", "proeftuin.v1.ExperimentEvaluated").ok());
  EXPECT_FALSE(MayCorrect(v1::ROLE_PROGRAMME_MANAGER, "pm", "proeftuin.v1.ProgrammeDrafted").ok());
}

}  // namespace
}  // namespace proeftuin::api
