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

}  // namespace
}  // namespace proeftuin::api
