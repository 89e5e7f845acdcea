// `proeftuin admin …`: backup (online, verified), restore (offline procedure), rebuild
// (progress bar), stats; principals are in principal_commands.cc.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/audit_trail.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/progress.h"
#include "cli/verb.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"

namespace proeftuin::cli {
namespace {

namespace fs = std::filesystem;

std::string Bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

Outcome Backup(Cli* cli, const std::string& to) {
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  auto stub = v1::AdminService::NewStub(cli->Channel());
  v1::BackupRequest req;
  std::error_code ec;
  req.set_directory(fs::path(to).is_absolute() ? to : fs::absolute(to, ec).lexically_normal().string());
  v1::BackupResponse r;
  auto ctx = cli->Context(std::chrono::seconds(3600));
  Spinner spinner("backing up and verifying", cli->progress());
  grpc::Status s = stub->Backup(ctx.get(), req, &r);
  spinner.Stop();
  if (!s.ok()) return FromStatus(s, ctx.get(), "back up to " + req.directory());
  if (cli->json()) {
    std::cout << ToJson(r) << "\n";
  } else {
    std::cout << KeyValues(
        {{"Backup", r.directory()},
         {"Position", std::to_string(r.position())},
         {"Digest", std::to_string(r.position()) + ":" + r.head_hash()},
         {"Verified", r.verified() ? Cell("yes: the whole chain of the copy", Tone::kGood)
                                   : Cell("NO", Tone::kBad)},
         {"Size", Bytes(r.size_bytes())}},
        cli->color_out());
  }
  return r.verified() ? Ok() : Refused("backup in " + r.directory() + " was written but not verified");
}

struct RestoreArgs {
  std::string from;
  std::string data_dir;
};

Outcome CheckTarget(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Ok();
  if (!fs::is_directory(dir, ec)) return Usage("--data-dir: " + dir + " is not a directory");
  if (!fs::is_empty(dir, ec)) {
    return Usage("--data-dir: " + dir +
                 " is not empty. Stop proeftuind, move the old data directory aside, and restore into an empty one");
  }
  return Ok();
}

// fsync(2) of a file or a directory; the error says which and why.
bool SyncPath(const fs::path& path, bool directory, std::string* error) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  bool ok = fd >= 0 && ::fsync(fd) == 0;
  if (!ok) *error = "cannot sync " + path.string() + ": " + std::strerror(errno);
  if (fd >= 0) ::close(fd);
  return ok;
}

// Copies the backup `from` into the (new or empty) directory `to`, then makes the copy durable
// before anyone starts a server on it: every file is fsync'ed, then every directory (so their
// entries are), deepest first, then `to` itself and its parent (which holds its entry).
bool CopyDurably(const fs::path& from, const fs::path& to, std::string* error) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (!ec) fs::copy(from, to, fs::copy_options::recursive, ec);
  if (ec) {
    *error = "cannot copy " + from.string() + " to " + to.string() + ": " + ec.message();
    return false;
  }
  std::vector<fs::path> dirs;
  for (auto it = fs::recursive_directory_iterator(to, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory(ec)) {
      dirs.push_back(it->path());
    } else if (it->is_regular_file(ec) && !SyncPath(it->path(), false, error)) {
      return false;
    }
  }
  if (ec) {
    *error = "cannot list the copy in " + to.string() + ": " + ec.message();
    return false;
  }
  for (auto d = dirs.rbegin(); d != dirs.rend(); ++d) {
    if (!SyncPath(*d, true, error)) return false;
  }
  fs::path self = fs::absolute(to, ec).lexically_normal();
  if (!self.has_filename()) self = self.parent_path();  // "dir/" -> "dir"
  return SyncPath(to, true, error) && SyncPath(self.parent_path(), true, error);
}

Outcome Restore(Cli* cli, const RestoreArgs& a) {
  v1::VerifyOutcome before, after;
  if (Outcome o = VerifyOffline(a.from, 0, 0, "", &before); o.exit_code != 0) return o;
  if (!before.ok()) {
    return Refused("cannot restore from " + a.from + ": the backup does not verify at position " +
                   std::to_string(before.first_bad_position()) + ": " + before.problem());
  }
  if (Outcome o = CheckTarget(a.data_dir); o.exit_code != 0) return o;
  if (std::string error; !CopyDurably(a.from, a.data_dir, &error)) return Refused(error);
  if (Outcome o = VerifyOffline(a.data_dir, 0, 0, "", &after); o.exit_code != 0) return o;
  bool same = after.ok() && after.to_position() == before.to_position() && after.head_hash() == before.head_hash();
  if (!same) return Refused("the restored copy in " + a.data_dir + " does not match the backup: remove it");
  std::string digest = std::to_string(after.to_position()) + ":" + after.head_hash();
  if (cli->json()) {
    nlohmann::ordered_json j = {{"from", a.from},       {"data_dir", a.data_dir},
                                {"position", after.to_position()}, {"head_hash", after.head_hash()},
                                {"verified", true}};
    std::cout << TerminalJson(j.dump(2)) << "\n";
  } else {
    std::cout << Green("✓", cli->color_out()) << " restored " << a.from << " into " << a.data_dir << "\n  verified "
              << after.events_checked() << " events, digest " << digest << "\n  next: start proeftuind --data-dir "
              << a.data_dir << " (tokens issued before the backup still work)\n";
  }
  return Ok();
}

// `name` empty: every projection (RebuildProjectionRequest.all).
Outcome Rebuild(Cli* cli, const std::string& name_or_all) {
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  auto stub = v1::AdminService::NewStub(cli->Channel());
  v1::RebuildProjectionRequest req;
  req.set_name(name_or_all);
  req.set_all(name_or_all.empty());
  const std::string name = name_or_all.empty() ? "every projection" : name_or_all;
  auto ctx = cli->Context(std::chrono::seconds(0));
  auto reader = stub->RebuildProjection(ctx.get(), req);
  v1::RebuildProjectionResponse m, last;
  ProgressBar bar("rebuilding " + name, cli->progress());
  while (reader->Read(&m)) {
    bar.Update(m.replayed(), m.total());
    last = m;
  }
  bar.Finish();
  grpc::Status s = reader->Finish();
  if (!s.ok()) return FromStatus(s, ctx.get(), "rebuild " + name);
  if (cli->json()) {
    std::cout << ToJson(last) << "\n";
  } else {
    std::cout << Green("✓", cli->color_out()) << " rebuilt " << (name_or_all.empty() ? "" : "projection ") << name << ": "
              << last.replayed() << " events replayed"
              << (name_or_all.empty() ? " (the log once for the inline projections, once for each asynchronous one)" : "")
              << "\n";
  }
  return Ok();
}

Outcome Stats(Cli* cli) {
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  auto stub = v1::AdminService::NewStub(cli->Channel());
  v1::GetStatisticsResponse r;
  auto ctx = cli->Context();
  grpc::Status s = stub->GetStatistics(ctx.get(), v1::GetStatisticsRequest(), &r);
  if (!s.ok()) return FromStatus(s, ctx.get(), "get statistics");
  if (cli->json()) {
    std::cout << ToJson(r) << "\n";
    return Ok();
  }
  double per_fsync = r.groups_committed() == 0 ? 0 : double(r.events_appended()) / double(r.groups_committed());
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.2f", per_fsync);
  char cpu[32];
  std::snprintf(cpu, sizeof cpu, "%.1f", r.process_cpu_seconds());
  std::cout << KeyValues(
      {{"Store", r.store_id()},
       {"Last position", std::to_string(r.last_position())},
       {"Write health",
        r.write_health().empty() ? Cell("ok", Tone::kGood) : Cell(r.write_health(), Tone::kBad)},
       {"Appends since start", std::to_string(r.appends())},
       {"Events since start", std::to_string(r.events_appended())},
       {"Events per fsync", ratio},
       {"Live subscriptions", std::to_string(r.live_subscriptions())},
       {"Size on disk", Bytes(r.size_on_disk_bytes())},
       {"Uptime", std::to_string(r.uptime_seconds()) + " s"},
       {"Resident memory", Bytes(r.resident_memory_bytes())},
       {"CPU since start", std::string(cpu) + " s"}},
      cli->color_out());
  Table t({"PROJECTION", "KIND", "POSITION"});
  t.AlignRight(2);
  for (const auto& p : r.projections()) {
    t.AddRow({p.name(), p.inline_() ? "inline" : "async", std::to_string(p.position())});
  }
  std::cout << "\n" << t.Render(cli->color_out());
  return Ok();
}

void AddRestore(CLI::App* noun, Cli* cli) {
  auto a = std::make_shared<RestoreArgs>();
  CLI::App* sub = noun->add_subcommand(
      "restore", "OFFLINE: verify a backup, copy it into an empty data dir (server stopped), verify the copy");
  sub->add_option("--from", a->from, "The backup directory (written by admin backup)")->required();
  sub->add_option("--data-dir", a->data_dir, "The new data directory: missing or empty")->required();
  sub->footer(ExampleFooter(
      "proeftuin-restore /var/backups/proeftuin/2026-11-28   # the whole procedure, as root "
      "(docs/OPERATIONS.md)\n"
      "  # by hand, as the service's user (as root the files would be root's, and proeftuind could "
      "not open them):\n"
      "  systemctl stop proeftuind && mv /var/lib/proeftuin/data /var/lib/proeftuin/data.old &&\n"
      "  sudo -u proeftuin proeftuin admin restore --from /var/backups/proeftuin/2026-11-28 "
      "--data-dir /var/lib/proeftuin/data"));
  sub->callback([cli, a] { cli->set_outcome(Restore(cli, *a)); });
}

}  // namespace

void AddAdminCommands(CLI::App* root, Cli* cli) {
  CLI::App* noun = root->add_subcommand("admin", "Operations: backup, restore, rebuild, stats, principals");
  noun->require_subcommand(1);
  noun->footer(ExampleFooter("proeftuin admin stats"));
  auto to = std::make_shared<std::string>();
  CLI::App* backup = noun->add_subcommand("backup", "Online, consistent backup on the server, verified after writing");
  backup->add_option("--to", *to, "A directory on the server that does not exist yet")->required();
  backup->footer(ExampleFooter("proeftuin admin backup --to /var/backups/proeftuin/2026-11-28"));
  backup->callback([cli, to] { cli->set_outcome(Backup(cli, *to)); });
  AddRestore(noun, cli);
  auto name = std::make_shared<std::string>();
  auto all = std::make_shared<bool>(false);
  CLI::App* rebuild =
      noun->add_subcommand("rebuild", "Rebuild a projection, or all of them, from the log (progress bar)");
  CLI::Option* projection = rebuild->add_option("projection", *name, "Projection name (admin stats lists them)");
  rebuild->add_flag("--all", *all,
                    "Every projection: the inline ones in one pass over the log (commands wait meanwhile), "
                    "then the audit index")
      ->excludes(projection);
  rebuild->footer(ExampleFooter("proeftuin admin rebuild decider_state\n  proeftuin admin rebuild --all"));
  rebuild->callback([cli, name, all] {
    if (!*all && name->empty()) {
      cli->set_outcome(Usage("admin rebuild: name a projection (admin stats lists them) or give --all"));
      return;
    }
    cli->set_outcome(Rebuild(cli, *all ? "" : *name));
  });
  CLI::App* stats = noun->add_subcommand("stats", "Statistics of the store and the server");
  stats->footer(ExampleFooter("proeftuin admin stats -o json"));
  stats->callback([cli] { cli->set_outcome(Stats(cli)); });
  AddPrincipalCommands(noun, cli);
}

}  // namespace proeftuin::cli
