// The demo's principals: one per role of the example programme, created through AdminService
// with an administrator token, their tokens kept in the CLI's config directory keyed by the
// store's identity (<config dir>/demo/<store id>.json, mode 0600), so a demo against a new store
// never reuses stale tokens and a rerun against the same store creates nothing.
//
// Thread-safety: thread-compatible.
#pragma once

#include <map>
#include <string>

#include "cli/cli.h"

namespace proeftuin::cli {

struct DemoPrincipal {
  std::string principal_id;  // "demo-griffie"
  std::string token;
};

// Role name of domain::ExampleStep ("programme_manager", "proposer", "college", "griffie",
// "evaluator") -> principal.
using DemoPrincipals = std::map<std::string, DemoPrincipal>;

// The store's id (AdminService.GetStatistics); needs an administrator token.
Outcome DemoStoreId(Cli* cli, std::string* store_id);
// Loads the saved principals of `store_id` and creates (or re-issues tokens for) the missing
// ones; saves the file after each change. `created` counts the principals made or re-issued.
Outcome EnsureDemoPrincipals(Cli* cli, const std::string& store_id, DemoPrincipals* out, int* created);

}  // namespace proeftuin::cli
