// `proeftuind recover-admin`: the break-glass procedure for a lost administrator token
// (docs/OPERATIONS.md, "Lost token"). With the server stopped, it opens the store directly,
// creates a new administrator principal "admin-recovery-<UTC time>" and writes its token to a
// new file (mode 0600). The creation is an event like any other: the trail shows it was made by
// "proeftuind" through "proeftuind recover-admin", with the operator's reason. Whoever can run
// this can already read the store's files; it grants nothing the machine's root does not have.
//
// Thread-safety: a plain function.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace proeftuin::server {

struct RecoverAdminOptions {
  std::string data_dir;
  std::string reason;      // required: why (stored in the event)
  std::string token_file;  // default: <data_dir>/admin-recovery-<UTC time>.token
};

// Writes `token` and a newline to `path` (mode 0600, synced). With `replace` an existing file is
// replaced; without it an existing file is an error (INTERNAL either way when it cannot write).
absl::Status WriteTokenFile(const std::string& path, const std::string& token, bool replace);

// The path of the token file written. FAILED_PRECONDITION when the store is in use (stop the
// server first); NOT_FOUND when there is no store; INVALID_ARGUMENT without a reason.
absl::StatusOr<std::string> RecoverAdmin(const RecoverAdminOptions& o);

}  // namespace proeftuin::server
