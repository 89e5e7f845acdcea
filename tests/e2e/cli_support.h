// Helpers for the end-to-end tests of the `proeftuin` CLI: a running proeftuind with one
// principal per role (E2eTest), token files per role, running the real CLI binary as a
// subprocess, and golden JSON files with the values that vary normalised.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "e2e/e2e_support.h"

namespace proeftuin::e2e {

// The day the golden files were made: the example runs up to it in golden tests.
inline absl::Time GoldenDay() { return absl::FromCivil(absl::CivilDay(2026, 11, 28), absl::UTCTimeZone()); }

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Path of the proeftuin binary under test: this build's, or the one PROEFTUIN_CLI_UNDER_TEST
// names (e.g. an older build, to see a test fail without a fix).
std::string ProeftuinCliPath();

// Runs the CLI with `args` (no --server / token added), in `cwd`, with HOME=`home` and the
// PROEFTUIN_* variables cleared; `input` goes to stdin.
CliResult RunCli(const std::vector<std::string>& args, const std::string& cwd, const std::string& home,
                 const std::string& input = "");

class CliTest : public E2eTest {
 protected:
  void SetUp() override;
  // proeftuin --server <addr> --token-file <role's file> --no-color <args...>
  CliResult Cli(const std::vector<std::string>& args, const std::string& role = "administrator",
                const std::string& input = "");
  std::string TokenFile(const std::string& role) const { return dir_.path() + "/tokens/" + role + ".token"; }
  std::string home() const { return dir_.path() + "/home"; }
  // Runs every example step dated up to `until` (default: now) through the CLI (`<noun> <verb> …
  // -f - --occurred-on <the step's date>`); returns how many ran. Goldens use kGoldenDay, so they do not change as days pass.
  int RunExampleThroughCli(absl::Time until = absl::Now());
};

// Replaces the values that vary between runs (times, hashes, ids, positions where asked) with
// placeholders, and pretty-prints with sorted keys.
std::string NormaliseJson(const std::string& json, const std::vector<std::string>& also_keys = {});
// Compares with tests/e2e/golden/cli/<name>.json; PROEFTUIN_UPDATE_GOLDEN=1 rewrites the file.
void ExpectGolden(const std::string& name, const std::string& normalised_json);

}  // namespace proeftuin::e2e
