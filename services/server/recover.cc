#include "server/recover.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "app/principals.h"
#include "eventstore/rocks_store.h"
#include "eventstore/status_macros.h"
#include "server/wiring.h"

namespace proeftuin::server {

absl::Status WriteTokenFile(const std::string& path, const std::string& token, bool replace) {
  if (replace) ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError("cannot write " + path);
  std::string line = token + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok &= ::fsync(fd) == 0;
  ::close(fd);
  return ok ? absl::OkStatus() : absl::InternalError("cannot write " + path);
}

absl::StatusOr<std::string> RecoverAdmin(const RecoverAdminOptions& o) {
  if (o.reason.empty()) return absl::InvalidArgumentError("--reason: say why (it is stored in the trail)");
  std::string stamp = absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone());
  std::string id = "admin-recovery-" + absl::AsciiStrToLower(stamp);
  std::string token_file = o.token_file.empty() ? o.data_dir + "/" + id + ".token" : o.token_file;

  std::error_code ec;
  if (std::filesystem::exists(token_file, ec)) {
    return absl::FailedPreconditionError("--token-file: " + token_file + " already exists");
  }
  ServerOptions server;
  server.data_dir = o.data_dir;
  eventstore::RocksStoreOptions so = StoreOptions(server);
  so.create_if_missing = false;
  absl::StatusOr<std::unique_ptr<eventstore::RocksStore>> store = eventstore::RocksStore::Open(std::move(so));
  if (!store.ok()) {
    if (store.status().code() == absl::StatusCode::kNotFound) return store.status();
    return absl::FailedPreconditionError("cannot open the store in " + o.data_dir + " (stop proeftuind first): " +
                                         std::string(store.status().message()));
  }
  app::PrincipalAdmin principals(store->get(), [] { return absl::Now(); });
  v1::CreatePrincipalRequest r;
  r.set_request_id("proeftuind-recover-admin-" + absl::AsciiStrToLower(stamp));
  r.set_principal_id(id);
  r.set_display_name("Administrator (recovery on the server's machine, " + stamp + ")");
  r.set_role(v1::ROLE_ADMINISTRATOR);
  r.set_clearance(v1::CONFIDENTIALITY_ZEER_GEHEIM);
  r.set_reason(o.reason);
  v1::Actor system;
  system.set_principal_id("proeftuind");
  system.set_display_name("proeftuind (local recovery)");
  system.set_role("system");
  system.set_application("proeftuind recover-admin");
  absl::StatusOr<v1::CreatePrincipalResponse> created = principals.Create(r, system);
  absl::Status written = created.ok() ? WriteTokenFile(token_file, created->token(), false) : created.status();
  (*store)->Close();
  RETURN_IF_ERROR(written);
  return token_file;
}

}  // namespace proeftuin::server
