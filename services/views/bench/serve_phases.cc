#include "views/bench/serve_phases.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>
#include <tuple>

#include "app/decider_projection.h"
#include "domain/testing/builders.h"
#include "lib/command_client.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"
#include "server/wiring.h"
#include "views/bench/daemon.h"
#include "views/bench/paced_load.h"
#include "views/views.h"

namespace proeftuin::views::bench {
namespace {

namespace fs = std::filesystem;

// Programmes drafted by the write load (cold_start) start with this; GetProgramme asks only for
// the generated ones.
constexpr char kWriteLoadPrefix[] = "bench-load-";

std::string ServerDir(const Context& c) { return c.config.dir + "/server"; }
std::string ServerLog(const Context& c) { return c.config.dir + "/server.log"; }
std::string TokenFile(const Context& c) { return c.config.dir + "/server.bench-token"; }

std::unique_ptr<grpc::ClientContext> Call(const std::string& token, int deadline_ms) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
  return ctx;
}

std::unique_ptr<eventstore::RocksStore> OpenOrDie(eventstore::RocksStoreOptions o) {
  o.create_if_missing = false;
  auto store = eventstore::RocksStore::Open(std::move(o));
  if (!store.ok()) Die("open: " + store.status().ToString() + " (run the generate phase first)");
  return *std::move(store);
}

// Opens <dir>/server with every projection proeftuind registers and lists the programmes.
void OpenServerDir(Context& c) {
  server::ServerOptions options;
  options.data_dir = ServerDir(c);
  auto store = OpenOrDie(server::StoreOptions(options));
  c.events = store->LastPosition();
  auto view = store->OpenReadView();
  if (!view.ok()) Die("view: " + view.status().ToString());
  c.server.programme_ids = ProgrammeIds(**view);
  view->reset();
  store->Close();
}

// <dir>/server: a checkpoint of <dir>/store with every projection of proeftuind built (in
// <dir>/store, so that later runs of the other phases find them).
void BuildServerDir(Context& c) {
  std::error_code ec;
  fs::remove_all(ServerDir(c), ec);
  fs::remove(ServerLog(c), ec);
  fs::remove(TokenFile(c), ec);
  auto start = Clock::now();
  server::ServerOptions options;
  options.data_dir = c.config.dir + "/store";
  auto store = OpenOrDie(server::StoreOptions(options));
  absl::Status s = store->WaitForProjection(kAuditIndexProjection, store->LastPosition(), absl::Now() + absl::Hours(2));
  if (!s.ok()) Die("audit index: " + s.ToString());
  std::printf("serve: the store opened with every projection of proeftuind (missing ones built, audit index caught "
              "up): %.2f s\n", Since(start));
  start = Clock::now();
  if (s = store->Checkpoint(ServerDir(c)); !s.ok()) Die("checkpoint: " + s.ToString());
  store->Close();
  std::printf("serve: checkpoint of the store into %s, verified: %.2f s\n", ServerDir(c).c_str(), Since(start));
  OpenServerDir(c);
  std::printf("serve: %llu events, %zu programmes\n", static_cast<unsigned long long>(c.events),
              c.server.programme_ids.size());
}

// The benchmark's principal: a programme manager who may read every programme.
std::string CreateBenchPrincipal(const Daemon& d, const std::string& admin_token) {
  v1::CreatePrincipalRequest r;
  r.set_request_id("views-bench-principal");
  r.set_principal_id("views-bench");
  r.set_display_name("views_bench");
  r.set_role(v1::ROLE_PROGRAMME_MANAGER);
  r.set_clearance(v1::CONFIDENTIALITY_ZEER_GEHEIM);
  v1::CreatePrincipalResponse created;
  grpc::Status s = v1::AdminService::NewStub(d.NewChannel())->CreatePrincipal(Call(admin_token, 10000).get(), r, &created);
  if (!s.ok()) Die("CreatePrincipal: " + s.error_message());
  return created.token();
}

// --reuse-server: the data dir an earlier run prepared (with what that run wrote to it).
bool ReuseServerDir(Context& c) {
  std::ifstream(TokenFile(c)) >> c.server.bench_token;
  if (c.server.bench_token.empty()) return false;
  OpenServerDir(c);
  std::printf("serve: reusing %s (%llu events)\n", ServerDir(c).c_str(), static_cast<unsigned long long>(c.events));
  return true;
}

void PrepareServer(Context& c) {
  if (c.server.prepared) return;
  c.server.prepared = true;
  if (c.config.reuse_server && ReuseServerDir(c)) return;
  BuildServerDir(c);
  Daemon d(ServerDir(c), ServerLog(c));
  std::printf("serve: first start of proeftuind (creates the administrator): %.3f s\n", d.StartTimed());
  std::string admin_token;
  std::ifstream(ServerDir(c) + "/admin.token") >> admin_token;
  c.server.bench_token = CreateBenchPrincipal(d, admin_token);
  std::ofstream(TokenFile(c)) << c.server.bench_token << "\n";
  if (int status = d.Stop(SIGTERM); status != 0) Die("proeftuind: SIGTERM exit status " + std::to_string(status));
}

grpc::Status GetProgramme(const Daemon& d, const std::string& token, const std::string& id) {
  v1::GetProgrammeRequest r;
  r.set_programme_id(id);
  v1::GetProgrammeResponse out;
  return v1::ProgrammeService::NewStub(d.NewChannel())->GetProgramme(Call(token, 10000).get(), r, &out);
}

// Drafts programmes from `threads` threads, one command after the other each, until Stop().
class WriteLoad {
 public:
  WriteLoad(const Daemon& d, const std::string& token, const std::string& tag, int threads = 2) {
    for (int t = 0; t < threads; ++t) {
      writers_.emplace_back([this, channel = d.NewChannel(), token, tag, t] {
        for (int n = 0; !stop_.load(); ++n) {
          const std::string id = tag + "-" + std::to_string(t) + "-" + std::to_string(n);
          v1::Command draft = domain::testkit::DraftCmd();
          draft.mutable_draft_programme()->set_programme_id(id);
          v1::CommandOptions options;
          options.set_request_id(id);
          v1::CommandResult result;
          if (!clients::SendCommand(channel.get(), Call(token, 2000).get(), draft, options, &result).ok()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
          }
          std::lock_guard<std::mutex> l(mu_);
          ++acked_;
          if (result.last_position() > last_position_) {
            last_position_ = result.last_position();
            last_id_ = id;
          }
        }
      });
    }
  }
  ~WriteLoad() { Stop(); }
  // Stops the writers; returns how many drafts were acknowledged and the last one.
  std::pair<uint64_t, std::string> Stop() {
    stop_.store(true);
    for (auto& w : writers_) {
      if (w.joinable()) w.join();
    }
    return {acked_, last_id_};
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  uint64_t acked_ = 0, last_position_ = 0;
  std::string last_id_;
  std::vector<std::thread> writers_;
};

// Waits until proeftuind uses less than 5 % of a core for two seconds in a row: RocksDB compacts
// for a while after the bulk load of the projections, which is not what a steady server does.
void WaitUntilIdle(const Daemon& d) {
  const auto start = Clock::now();
  int quiet = 0;
  for (double last = d.CpuSeconds(); quiet < 2 && Since(start) < 1800;) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double now = d.CpuSeconds();
    quiet = now - last < 0.05 ? quiet + 1 : 0;
    last = now;
  }
  std::printf("get_programme: proeftuind idle (background compaction done) after %.1f s\n", Since(start));
}

// One GetProgramme, to show what a response weighs.
void PrintResponseSize(v1::ProgrammeService::Stub& stub, const std::string& token, const std::string& id) {
  v1::GetProgrammeRequest one;
  one.set_programme_id(id);
  v1::GetProgrammeResponse answer;
  grpc::Status s = stub.GetProgramme(Call(token, 10000).get(), one, &answer);
  if (!s.ok()) Die("GetProgramme " + id + ": " + s.error_message());
  std::printf("get_programme: a response is %zu bytes (programme state %zu, view %zu)\n", answer.ByteSizeLong(),
              answer.programme().ByteSizeLong(), answer.view().ByteSizeLong());
}

// Answers over the target that came close together: a stall of the machine delays every request
// scheduled during it and the queue behind.
struct Episode {
  double first_ms = 0;   // the first slow answer's scheduled send, from the schedule's start
  double span_ms = 0;    // from its scheduled send to the last slow one's
  uint64_t answers = 0;  // over the target
  double slowest_ms = 0;
};
constexpr double kTargetMs = 2.0, kEpisodeGapMs = 10.0;

// The answers over kTargetMs, grouped while their scheduled sends lie within kEpisodeGapMs of
// each other, in the order of their sends.
std::vector<Episode> FindEpisodes(const PacedResult& r, double rate) {
  std::vector<Episode> episodes;
  for (size_t i = 0; i < r.latency_by_send_ms.size(); ++i) {
    if (r.latency_by_send_ms[i] <= kTargetMs) continue;
    const double at_ms = static_cast<double>(i) * 1000.0 / rate;
    if (episodes.empty() || at_ms - (episodes.back().first_ms + episodes.back().span_ms) > kEpisodeGapMs) {
      episodes.push_back(Episode{at_ms});
    }
    Episode& e = episodes.back();
    ++e.answers;
    e.span_ms = at_ms - e.first_ms;
    e.slowest_ms = std::max(e.slowest_ms, r.latency_by_send_ms[i]);
  }
  return episodes;
}

// How many answers were slow, in how many episodes, the largest; with `list`, each episode and
// the schedule's start on CLOCK_MONOTONIC (to line them up with `perf record -k CLOCK_MONOTONIC`).
void ReportEpisodes(std::vector<Episode> episodes, const PacedResult& r, bool list) {
  if (list) {
    std::printf("get_programme: the schedule began at %.6f s on CLOCK_MONOTONIC; episodes (first send in ms from "
                "there, answers over %.0f ms, slowest):\n",
                r.start_monotonic_s, kTargetMs);
    for (const Episode& e : episodes) {
      std::printf("  episode at %9.1f ms: %3llu answers, slowest %.2f ms\n", e.first_ms,
                  static_cast<unsigned long long>(e.answers), e.slowest_ms);
    }
  }
  std::sort(episodes.begin(), episodes.end(), [](const Episode& a, const Episode& b) {
    return std::tie(a.answers, a.span_ms) > std::tie(b.answers, b.span_ms);
  });
  uint64_t slow = 0, top3 = 0;
  for (size_t e = 0; e < episodes.size(); ++e) {
    slow += episodes[e].answers;
    if (e < 3) top3 += episodes[e].answers;
  }
  std::printf("get_programme: %llu answers over %.0f ms (1%% is %llu), in %zu episodes; the three largest hold %llu",
              static_cast<unsigned long long>(slow), kTargetMs,
              static_cast<unsigned long long>(r.latency_by_send_ms.size() / 100), episodes.size(),
              static_cast<unsigned long long>(top3));
  if (!episodes.empty()) {
    std::printf(" (the largest: %llu requests sent over %.1f ms)", static_cast<unsigned long long>(episodes[0].answers),
                episodes[0].span_ms);
  }
  std::printf("\n");
}

void Report(Context& c, const PacedResult& r, int threads, double load_before) {
  std::printf("get_programme: %.0f/s scheduled from %d threads for %.1f s (after %.1f s warm-up), load average %.2f: "
              "%llu ok, %llu failed, achieved %.0f/s; latency from the scheduled send p50 %.2f ms, p90 %.2f ms, "
              "p99 %.2f ms, p99.9 %.2f ms, max %.2f ms; sends at worst %.2f ms behind schedule\n",
              c.config.rate, threads, c.config.load_seconds, c.config.warmup_seconds, load_before,
              static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.failed), r.achieved_per_s(),
              Quantile(r.latency_ms, 0.5), Quantile(r.latency_ms, 0.9), Quantile(r.latency_ms, 0.99),
              Quantile(r.latency_ms, 0.999), r.latency_ms.empty() ? 0 : r.latency_ms.back(), r.max_late_ms);
  if (r.failed > 0) {
    std::printf("get_programme: %llu requests failed (counted with their time to fail), the first: %s\n",
                static_cast<unsigned long long>(r.failed), r.first_error.c_str());
  }
  ReportEpisodes(FindEpisodes(r, c.config.rate), r, c.config.list_episodes);
  c.results["get_programme_failed"] = static_cast<double>(r.failed);
  c.results["get_programme_achieved_per_s"] = r.achieved_per_s();
  // A request that failed before its deadline (the server gone, a refusal) is no answer and would
  // make the percentiles look better than the answers were: no percentiles for such a run, and
  // views_bench exits 1 at the end. One that failed at its deadline counts with it.
  if (r.failed_before_deadline > 0) {
    std::printf(
        "get_programme: %llu requests failed before their deadline: no percentiles for this run\n",
        static_cast<unsigned long long>(r.failed_before_deadline));
    c.failed = true;
    return;
  }
  c.results["get_programme_p50_ms"] = Quantile(r.latency_ms, 0.5);
  c.results["get_programme_p99_ms"] = Quantile(r.latency_ms, 0.99);
}

void PrintStarts(const char* what, const std::vector<double>& s) {
  std::printf("cold_start: %s:", what);
  for (double v : s) std::printf(" %.3f", v);
  std::printf(" s (median %.3f s)\n", Median(s));
}

}  // namespace

std::vector<std::string> ProgrammeIds(eventstore::ReadView& view) {
  std::vector<std::string> ids;
  absl::Status listed = view.Scan(app::kDeciderStateProjection, "p/", "", [&](std::string_view key, std::string_view) {
    if (!key.substr(2).starts_with(kWriteLoadPrefix)) ids.emplace_back(key.substr(2));
    return true;
  });
  if (!listed.ok() || ids.empty()) Die("no programmes: " + listed.ToString());
  return ids;
}

void ColdStart(Context& c) {
  PrepareServer(c);
  Daemon d(ServerDir(c), ServerLog(c));
  std::vector<double> clean, killed;
  for (int i = 0; i < c.config.starts; ++i) {
    clean.push_back(d.StartTimed());
    if (int status = d.Stop(SIGTERM); status != 0) Die("proeftuind: SIGTERM exit status " + std::to_string(status));
  }
  PrintStarts("after a clean shutdown (SIGTERM), exec to SERVING", clean);
  d.StartTimed();
  for (int i = 0; i < c.config.starts; ++i) {
    WriteLoad load(d, c.server.bench_token, kWriteLoadPrefix + std::string("kill") + std::to_string(i));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    d.Stop(SIGKILL);
    auto [acked, last] = load.Stop();
    killed.push_back(d.StartTimed());
    if (acked == 0) Die("the write load got no draft acknowledged before the kill");
    grpc::Status s = GetProgramme(d, c.server.bench_token, last);
    if (!s.ok()) Die("acknowledged draft " + last + " after kill -9: " + s.error_message());
    std::printf("cold_start: kill -9 after %llu acknowledged drafts; the last (%s) is there after the restart\n",
                static_cast<unsigned long long>(acked), last.c_str());
  }
  PrintStarts("after kill -9 under writes, exec to SERVING", killed);
  if (int status = d.Stop(SIGTERM); status != 0) Die("proeftuind: SIGTERM exit status " + std::to_string(status));
  c.results["cold_start_s"] = Median(clean);
  c.results["cold_start_after_kill_s"] = Median(killed);
}

void GetProgrammeLoad(Context& c) {
  PrepareServer(c);
  Daemon d(ServerDir(c), ServerLog(c));
  d.StartTimed();
  WaitUntilIdle(d);
  const int threads = std::max(1, c.config.client_threads);
  std::vector<std::unique_ptr<v1::ProgrammeService::Stub>> stubs;
  std::vector<std::mt19937_64> rngs;
  for (int t = 0; t < threads; ++t) {
    stubs.push_back(v1::ProgrammeService::NewStub(d.NewChannel()));
    rngs.emplace_back(42 + t);
  }
  const std::vector<std::string>& ids = c.server.programme_ids;
  const std::string token = c.server.bench_token;
  Fire fire = [&](int t, uint64_t, std::function<void(const grpc::Status&)> done) {
    struct Pending {
      std::unique_ptr<grpc::ClientContext> ctx;
      v1::GetProgrammeRequest request;
      v1::GetProgrammeResponse response;
    };
    auto* p = new Pending{Call(token, 5000), {}, {}};
    p->request.set_programme_id(ids[rngs[t]() % ids.size()]);
    stubs[t]->async()->GetProgramme(p->ctx.get(), &p->request, &p->response, [p, done](grpc::Status s) {
      done(s);
      delete p;
    });
  };
  PrintResponseSize(*stubs[0], token, ids.front());
  RunPaced(threads, c.config.rate, c.config.warmup_seconds, fire);
  const double load_before = LoadAverage(), server_cpu = d.CpuSeconds(), client_cpu = OwnCpuSeconds();
  PacedResult r = RunPaced(threads, c.config.rate, c.config.load_seconds, fire);
  const double server_us = (d.CpuSeconds() - server_cpu) / static_cast<double>(r.sent) * 1e6;
  const double client_us = (OwnCpuSeconds() - client_cpu) / static_cast<double>(r.sent) * 1e6;
  const double rss_mb = d.RssMb();
  d.Stop(SIGTERM);
  std::printf("get_programme: CPU per request: proeftuind %.0f us, this client %.0f us (2 cores = 1,000,000 us/s); "
              "proeftuind resident %.0f MB\n", server_us, client_us, rss_mb);
  Report(c, r, threads, load_before);
  c.results["get_programme_server_cpu_us"] = server_us;
  c.results["get_programme_server_rss_mb"] = rss_mb;
}

}  // namespace proeftuin::views::bench
