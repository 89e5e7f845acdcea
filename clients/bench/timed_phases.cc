// The phases that time a request loop per client: durable commands through the real command RPC,
// interleaved with two references at the same concurrency (ENGINEERING.md §7: ratios measured in
// one run, since these machines are noisy): the raw RocksDB group commit of eventstore_bench, and
// an empty gRPC call to the same server (what any call costs before the service does anything);
// and GetProgramme queries.
#include <grpcpp/generic/generic_stub.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "bench/callers.h"
#include "bench/phases.h"
#include "bench/workload.h"
#include "domain/streams.h"
#include "lib/health_check.h"
#include "proeftuin/v1/event_service.grpc.pb.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

namespace proeftuin::bench {
namespace {

namespace wl = eventstore::bench;

// The server's CPU per operation between two statistics readings.
double ServerCpuUs(const v1::GetStatisticsResponse& before, const v1::GetStatisticsResponse& after,
                   uint64_t ops) {
  const double cpu = after.process_cpu_seconds() - before.process_cpu_seconds();
  return ops > 0 ? cpu * 1e6 / static_cast<double>(ops) : 0;
}

// Waits until the server has finished what a run set off: every projection at the head and the
// process's CPU under 5 % of a core over two readings 200 ms apart (RocksDB's flushes and
// compactions, the audit index catching up), at most 30 s. Returns the statistics then and the
// seconds waited. A raw run started before that would share the cores and the disk with the
// server's clean-up, and its rate would be lower than the machine's.
std::pair<v1::GetStatisticsResponse, double> WaitForServerQuiet(Server& server) {
  const auto start = std::chrono::steady_clock::now();
  auto since = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  v1::GetStatisticsResponse last = server.Statistics();
  int quiet = 0;
  while (quiet < 2 && since() < 30) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    v1::GetStatisticsResponse now = server.Statistics();
    bool at_head = true;
    for (const auto& projection : now.projections()) {
      at_head = at_head && projection.position() >= now.last_position();
    }
    const bool idle = now.process_cpu_seconds() - last.process_cpu_seconds() < 0.01;
    quiet = at_head && idle ? quiet + 1 : 0;
    last = std::move(now);
  }
  if (quiet < 2) {
    std::printf(
        "note: the server was not quiet 30 s after the commands (a projection behind the head, "
        "or busy); the raw run starts anyway, and the command run's server CPU includes those 30 "
        "s\n");
  }
  return {last, since()};
}

// A ProgrammeService stub per connection of `server`.
std::vector<std::unique_ptr<v1::ProgrammeService::Stub>> ProgrammeStubs(const Server& server) {
  std::vector<std::unique_ptr<v1::ProgrammeService::Stub>> stubs;
  for (int c = 0; c < std::max(1, server.channel_count()); ++c) {
    stubs.push_back(v1::ProgrammeService::NewStub(server.shared_channel(c)));
  }
  return stubs;
}

// The request id of client t's command n in the command run `tag`.
std::string CommandRequestId(const BenchProgramme& p, const std::string& tag, int t, uint64_t n) {
  return p.run_id + "-" + tag + "-" + std::to_string(t) + "-" + std::to_string(n);
}

// Events per fsync since `before`, from the server's statistics (exact when nothing else wrote).
double EventsPerFsyncSince(const Server& server, const v1::GetStatisticsResponse& before) {
  const v1::GetStatisticsResponse after = server.Statistics();
  const uint64_t groups = after.groups_committed() - before.groups_committed();
  const uint64_t events = after.events_appended() - before.events_appended();
  return groups > 0 ? double(events) / double(groups) : 0;
}

// One client's call in flight, for the callback driver: its request (the activity, with the
// request id set per call), response and context, kept until the answer has run.
template <typename Request, typename Response>
struct CallSlot {
  Request request;
  Response response;
  std::unique_ptr<grpc::ClientContext> ctx;
};

// `clients` clients recording activities, client t on experiment t; events per fsync from the
// server's statistics (exact when nothing else writes meanwhile). The server's CPU is set by the
// caller, which reads it once the server is quiet again (see DurablePhase).
wl::RunResult CommandRun(Server& server, const BenchProgramme& p, const Options& options, int clients,
                         const std::string& tag, const v1::GetStatisticsResponse& before) {
  auto request_id = [&](int t, uint64_t n) { return CommandRequestId(p, tag, t, n); };
  wl::RunResult r;
  if (options.driver == "threads") {
    r = wl::RunWriters(clients, options.seconds, [&](int t, uint64_t n) {
      return RecordActivity(server, p, t, static_cast<size_t>(t) % p.experiments.size(), request_id(t, n));
    });
  } else {
    const auto stubs = ProgrammeStubs(server);
    using Slot = CallSlot<v1::RecordActivityRequest, v1::RecordActivityResponse>;
    std::vector<Slot> slots(static_cast<size_t>(clients));
    for (int t = 0; t < clients; ++t) {
      const v1::Command& activity = p.activities[static_cast<size_t>(t) % p.experiments.size()];
      *slots[static_cast<size_t>(t)].request.mutable_command() = activity.record_activity();
    }
    r = RunCallers(clients, options.seconds, [&](int t, uint64_t n, std::function<void(bool)> done) {
      Slot& slot = slots[static_cast<size_t>(t)];
      slot.request.mutable_options()->set_request_id(request_id(t, n));
      slot.response.Clear();
      slot.ctx = server.Context(p.pm_token);  // the previous call, if any, has ended
      stubs[static_cast<size_t>(t) % stubs.size()]->async()->RecordActivity(
          slot.ctx.get(), &slot.request, &slot.response,
          [&server, &slot, done = std::move(done)](grpc::Status s) {
            done(CountedActivity(server, slot.request.options().request_id(), s, *slot.ctx,
                                 slot.response.result()));
          });
    });
  }
  r.per_fsync = EventsPerFsyncSince(server, before);
  return r;
}

// One client's ProgrammeService.ExecuteCommands stream, for the callback driver: its next
// command is written and its answer read with both operations started at once; `done` runs when
// both have completed (they may complete in either order), so the next command's write never
// overlaps this one's.
class CommandStreamClient final
    : public grpc::ClientBidiReactor<v1::ExecuteCommandsRequest, v1::ExecuteCommandsResponse> {
 public:
  CommandStreamClient(Server& server, v1::ProgrammeService::Stub* stub, const std::string& token,
                      const v1::Command& activity)
      : server_(server), ctx_(server.Context(token)) {
    // A stream lives for a whole run, not one call.
    ctx_->set_deadline(std::chrono::system_clock::now() + std::chrono::hours(24));
    *request_.mutable_command() = activity;
    stub->async()->ExecuteCommands(ctx_.get(), this);
    AddHold();  // kept until Close: the stream stays open between commands
    StartCall();
  }

  void Send(const std::string& request_id, std::function<void(bool)> done) {
    request_.mutable_options()->set_request_id(request_id);
    response_.Clear();
    done_ = std::move(done);
    pending_.store(2);
    StartRead(&response_);
    StartWrite(&request_);
  }
  void OnWriteDone(bool ok) override { Completed(ok); }
  void OnReadDone(bool ok) override { Completed(ok); }

  // Ends the stream and waits for its status; false (printed) when it did not end OK.
  bool Close() {
    StartWritesDone();
    RemoveHold();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return ended_; });
    if (!status_.ok()) ReportFailure("ProgrammeService.ExecuteCommands", status_, *ctx_);
    return status_.ok();
  }
  void OnDone(const grpc::Status& s) override {
    std::lock_guard lock(mu_);
    status_ = s;
    ended_ = true;
    cv_.notify_all();
  }

 private:
  void Completed(bool ok) {
    if (!ok) ok_.store(false);
    if (pending_.fetch_sub(1) != 1) return;
    const bool fine = ok_.load() && Counted();
    ok_.store(true);
    std::function<void(bool)> done = std::move(done_);
    done(fine);
  }
  // As CountedActivity for the RPC: printed and false when refused or nothing was written.
  bool Counted() {
    const std::string& id = request_.options().request_id();
    if (response_.code() != 0) {
      std::fprintf(stderr,
                   "proeftuin-bench: ExecuteCommands RecordActivity %s: code %d %s (rule %s)\n",
                   id.c_str(), response_.code(), response_.message().c_str(),
                   response_.rule().empty() ? "none" : response_.rule().c_str());
      return false;
    }
    if (response_.request_id() != id || response_.result().first_position() == 0 ||
        response_.result().duplicate()) {
      std::fprintf(
          stderr,
          "proeftuin-bench: ExecuteCommands RecordActivity %s wrote nothing (answer for %s)\n",
          id.c_str(), response_.request_id().c_str());
      return false;
    }
    server_.CountWrite();
    return true;
  }

  Server& server_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  v1::ExecuteCommandsRequest request_;
  v1::ExecuteCommandsResponse response_;
  std::function<void(bool)> done_;
  std::atomic<int> pending_{0};
  std::atomic<bool> ok_{true};
  std::mutex mu_;
  std::condition_variable cv_;
  bool ended_ = false;
  grpc::Status status_;
};

// CommandRun through ProgrammeService.ExecuteCommands: each client sends its activities over a
// stream of its own, opened before the run and closed after it, one command in flight per stream.
wl::RunResult StreamCommandRun(Server& server, const BenchProgramme& p, const Options& options,
                               int clients, const std::string& tag,
                               const v1::GetStatisticsResponse& before) {
  auto request_id = [&](int t, uint64_t n) { return CommandRequestId(p, tag, t, n); };
  const auto stubs = ProgrammeStubs(server);
  auto activity = [&](int t) -> const v1::Command& {
    return p.activities[static_cast<size_t>(t) % p.experiments.size()];
  };
  wl::RunResult r;
  if (options.driver == "threads") {
    using Sync = grpc::ClientReaderWriter<v1::ExecuteCommandsRequest, v1::ExecuteCommandsResponse>;
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    std::vector<std::unique_ptr<Sync>> streams;
    std::vector<v1::ExecuteCommandsRequest> requests(static_cast<size_t>(clients));
    for (int t = 0; t < clients; ++t) {
      contexts.push_back(server.Context(p.pm_token));
      contexts.back()->set_deadline(std::chrono::system_clock::now() + std::chrono::hours(24));
      streams.push_back(
          stubs[static_cast<size_t>(t) % stubs.size()]->ExecuteCommands(contexts.back().get()));
      *requests[static_cast<size_t>(t)].mutable_command() = activity(t);
    }
    r = wl::RunWriters(clients, options.seconds, [&](int t, uint64_t n) {
      auto& req = requests[static_cast<size_t>(t)];
      req.mutable_options()->set_request_id(request_id(t, n));
      v1::ExecuteCommandsResponse resp;
      auto& stream = *streams[static_cast<size_t>(t)];
      if (!stream.Write(req) || !stream.Read(&resp)) {
        ReportFailure("ProgrammeService.ExecuteCommands (the stream ended early)", stream.Finish(),
                      *contexts[static_cast<size_t>(t)]);
        return false;
      }
      if (resp.request_id() != req.options().request_id()) {
        std::fprintf(stderr, "proeftuin-bench: ExecuteCommands answered %s for %s\n",
                     resp.request_id().c_str(), req.options().request_id().c_str());
        return false;
      }
      if (resp.code() != 0) {
        std::fprintf(stderr,
                     "proeftuin-bench: ExecuteCommands RecordActivity %s: code %d %s (rule %s)\n",
                     req.options().request_id().c_str(), resp.code(), resp.message().c_str(),
                     resp.rule().empty() ? "none" : resp.rule().c_str());
        return false;
      }
      return CountedActivity(server, req.options().request_id(), grpc::Status::OK,
                             *contexts[static_cast<size_t>(t)], resp.result());
    });
    for (size_t t = 0; t < streams.size(); ++t) {
      streams[t]->WritesDone();
      grpc::Status s = streams[t]->Finish();
      if (!s.ok()) Fail("ProgrammeService.ExecuteCommands", s, *contexts[t]);
    }
  } else {
    std::vector<std::unique_ptr<CommandStreamClient>> streams;
    for (int t = 0; t < clients; ++t) {
      streams.push_back(std::make_unique<CommandStreamClient>(
          server, stubs[static_cast<size_t>(t) % stubs.size()].get(), p.pm_token, activity(t)));
    }
    r = RunCallers(clients, options.seconds,
                   [&](int t, uint64_t n, std::function<void(bool)> done) {
                     streams[static_cast<size_t>(t)]->Send(request_id(t, n), std::move(done));
                   });
    for (auto& s : streams) {
      if (!s->Close()) std::exit(1);
    }
  }
  r.per_fsync = EventsPerFsyncSince(server, before);
  return r;
}

// `clients` clients calling grpc.health.v1.Health/Check (answered by gRPC's own health service)
// over the same connections, sending the same metadata as a command (which the health service
// ignores: no token check, no log line), driven as the commands are: the cost of a call before
// the service does anything. Raw bytes through the generic stub.
wl::RunResult EmptyCallRun(Server& server, const BenchProgramme& p, const Options& options, int clients,
                           const v1::GetStatisticsResponse& before) {
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (int c = 0; c < std::max(1, server.channel_count()); ++c) {
    stubs.push_back(std::make_unique<grpc::GenericStub>(server.shared_channel(c)));
  }
  wl::RunResult r;
  if (options.driver == "threads") {
    r = wl::RunWriters(clients, options.seconds, [&](int t, uint64_t) {
      auto ctx = server.Context(p.reader_token);
      grpc::ByteBuffer response;
      const grpc::Status status =
          clients::HealthCheck(*stubs[static_cast<size_t>(t) % stubs.size()], ctx.get(), &response);
      if (!status.ok()) ReportFailure("grpc.health.v1.Health/Check", status, *ctx);
      return status.ok();
    });
  } else {
    grpc::Slice empty("");
    const grpc::ByteBuffer request(&empty, 1);  // HealthCheckRequest{service: ""}: the whole server
    using Slot = CallSlot<grpc::ByteBuffer, grpc::ByteBuffer>;
    std::vector<Slot> slots(static_cast<size_t>(clients));
    r = RunCallers(clients, options.seconds, [&](int t, uint64_t, std::function<void(bool)> done) {
      Slot& slot = slots[static_cast<size_t>(t)];
      slot.ctx = server.Context(p.reader_token);  // the previous call, if any, has ended
      slot.response.Clear();
      stubs[static_cast<size_t>(t) % stubs.size()]->UnaryCall(
          slot.ctx.get(), clients::kHealthCheckMethod, grpc::StubOptions(), &request, &slot.response,
          [&slot, done = std::move(done)](grpc::Status s) {
            if (!s.ok()) ReportFailure("grpc.health.v1.Health/Check", s, *slot.ctx);
            done(s.ok());
          });
    });
  }
  r.server_cpu_us = ServerCpuUs(before, server.Statistics(), r.ops);
  return r;
}

void PrintRow(const char* what, int clients, const wl::RunResult& r) {
  std::printf("%-28s %7d %10.0f %8.3f %8.3f %8.3f", what, clients, r.per_s, Ms(wl::Percentile(r.latency_us, 0.50)),
              Ms(wl::Percentile(r.latency_us, 0.95)), Ms(wl::Percentile(r.latency_us, 0.99)));
  if (r.per_fsync > 0) std::printf(" %9.1f", r.per_fsync);
  std::printf("\n");
}

// One kind of command run's figures, named <prefix>per_s_<n> and so on: rate, latency, events
// per fsync, ratios to the two references, and the CPU per command of the server and the bench.
void CommandFigures(const std::string& prefix, int n, const wl::RunResult& c,
                    const wl::RunResult& r, const wl::RunResult& e, Results& out) {
  const std::string s = "_" + std::to_string(n);
  out[prefix + "per_s" + s] = c.per_s;
  out[prefix + "p50_ms" + s] = Ms(wl::Percentile(c.latency_us, 0.50));
  out[prefix + "p95_ms" + s] = Ms(wl::Percentile(c.latency_us, 0.95));
  out[prefix + "p99_ms" + s] = Ms(wl::Percentile(c.latency_us, 0.99));
  out[prefix + "events_per_fsync" + s] = c.per_fsync;
  out[prefix + "ratio_vs_raw" + s] = r.per_s > 0 ? c.per_s / r.per_s : 0;
  out[prefix + "p50_minus_raw_ms" + s] =
      out[prefix + "p50_ms" + s] - Ms(wl::Percentile(r.latency_us, 0.50));
  out[prefix + "ratio_vs_empty_call" + s] = e.per_s > 0 ? c.per_s / e.per_s : 0;
  out[prefix + "server_cpu_us" + s] = c.server_cpu_us;
  out[prefix + "client_cpu_us" + s] = c.process_cpu_us;
}

// The medians of each kind of run at `n` clients: RecordActivity calls as command_*, the same
// on ExecuteCommands streams as stream_command_* (either may be empty: --command-rpcs), the
// raw reference as raw_*, the empty call as empty_call_*.
void Summarise(int n, const std::vector<wl::RunResult>& commands,
               const std::vector<wl::RunResult>& streamed, const std::vector<wl::RunResult>& raws,
               const std::vector<wl::RunResult>& empties, Results& out) {
  const wl::RunResult r = wl::Median(raws, &wl::RunResult::per_s);
  const wl::RunResult e = wl::Median(empties, &wl::RunResult::per_s);
  const std::string s = "_" + std::to_string(n);
  out["raw_per_s" + s] = r.per_s;
  out["raw_p50_ms" + s] = Ms(wl::Percentile(r.latency_us, 0.50));
  out["raw_p99_ms" + s] = Ms(wl::Percentile(r.latency_us, 0.99));
  out["raw_puts_per_fsync" + s] = r.per_fsync;
  out["empty_call_per_s" + s] = e.per_s;
  out["empty_call_p50_ms" + s] = Ms(wl::Percentile(e.latency_us, 0.50));
  out["empty_call_p99_ms" + s] = Ms(wl::Percentile(e.latency_us, 0.99));
  // CPU per operation (µs): the server's and the bench process's for an empty call; the raw
  // reference's whole process (its writers and RocksDB).
  out["empty_call_server_cpu_us" + s] = e.server_cpu_us;
  out["empty_call_client_cpu_us" + s] = e.process_cpu_us;
  out["raw_cpu_us" + s] = r.process_cpu_us;
  std::string cpu;
  const std::pair<const std::vector<wl::RunResult>*, const char*> kinds[] = {{&commands, "command"},
                                                                             {&streamed, "stream"}};
  for (const auto& [runs, kind] : kinds) {
    if (runs->empty()) continue;
    const wl::RunResult c = wl::Median(*runs, &wl::RunResult::per_s);
    const bool stream = std::string_view(kind) == "stream";
    CommandFigures(stream ? "stream_command_" : "command_", n, c, r, e, out);
    PrintRow(stream ? "RecordActivity (stream)" : "RecordActivity (command)", n, c);
    char line[96];
    std::snprintf(line, sizeof line, "%s %.0f server + %.0f client; ",
                  stream ? "command on a stream" : "command", c.server_cpu_us, c.process_cpu_us);
    cpu += line;
  }
  PrintRow("raw Put sync=true", n, r);
  PrintRow("empty call (health Check)", n, e);
  std::printf("  CPU per op, µs: %sempty call %.0f server + %.0f client; raw put %.0f\n",
              cpu.c_str(), e.server_cpu_us, e.process_cpu_us, r.process_cpu_us);
  if (n == 1) return;  // one client waits for each answer: its rate is set by latency, not CPU
  // What this machine could do if a command cost no more than an empty call plus a raw put: the
  // bench machine's cores divided by that CPU, with the bench's own share (the targets are set
  // for server and client on one machine) and without it. Bounds from the references, not
  // measurements of a command; meaningless when --server is another machine.
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const double with_client_us = e.server_cpu_us + e.process_cpu_us + r.process_cpu_us;
  const double server_only_us = e.server_cpu_us + r.process_cpu_us;
  out["bench_machine_cores"] = cores;
  out["bound_empty_call_plus_raw_per_s" + s] = with_client_us > 0 ? cores * 1e6 / with_client_us : 0;
  out["bound_server_only_empty_call_plus_raw_per_s" + s] =
      server_only_us > 0 ? cores * 1e6 / server_only_us : 0;
  std::printf("  bound if a command cost an empty call plus a raw put, on %u cores: %.0f/s with the"
              " client's CPU, %.0f/s without\n",
              cores, out["bound_empty_call_plus_raw_per_s" + s],
              out["bound_server_only_empty_call_plus_raw_per_s" + s]);
}

}  // namespace

std::string RawReferenceValue(Server& server, const BenchProgramme& p) {
  if (!RecordActivity(server, p, 0, 0, p.run_id + "-sample")) std::exit(1);
  auto events = v1::EventService::NewStub(server.shared_channel(0));
  v1::ReadStreamRequest req;
  req.set_stream(domain::ExperimentStream(p.programme_id, p.experiments[0]));
  req.set_direction(v1::DIRECTION_BACKWARD);
  req.set_max_count(1);
  v1::ReadStreamResponse resp;
  auto ctx = server.Context(p.reader_token);
  grpc::Status s = events->ReadStream(ctx.get(), req, &resp);
  if (!s.ok()) Fail("EventService.ReadStream " + req.stream(), s, *ctx);
  if (resp.events_size() != 1) wl::Die("ReadStream " + req.stream() + " returned no event");
  const v1::Event& e = resp.events(0);
  size_t stored = wl::StoredRecordBytes(e.header(), e.payload().size());
  std::string value = wl::ValueLikeStore(wl::PayloadSizeFor(stored));
  std::printf("raw reference value: %zu bytes (a stored %s record is %zu bytes)\n", value.size(),
              e.header().type().c_str(), stored);
  return value;
}

void DurablePhase(Server& server, const BenchProgramme& p, const Options& options, const std::string& raw_dir,
                  const std::string& raw_value, Results& out) {
  std::vector<int> levels = {options.clients};
  if (options.clients != 1) levels.push_back(1);
  std::map<int, std::vector<wl::RunResult>> commands, streamed, raws, empties;
  const bool unary = options.command_rpcs.count("unary") > 0;
  const bool stream = options.command_rpcs.count("stream") > 0;
  std::printf(
      "\ndurable commands (%s) vs raw RocksDB group commit and an empty call, interleaved, %d "
      "run(s) of %.1f s each\n",
      unary && stream ? "RecordActivity calls, and on ExecuteCommands streams"
                      : (unary ? "RecordActivity calls" : "on ExecuteCommands streams"),
      options.repeats, options.seconds);
  // One command run, its server CPU counted until the server is quiet again: the flushes and
  // compactions the commands set off, and the audit index catching up. Only then does the next
  // run start, on a machine the server no longer uses.
  auto timed = [&](auto run, int n, const std::string& tag) {
    const v1::GetStatisticsResponse before = server.Statistics();
    wl::RunResult result = run(server, p, options, n, tag, before);
    const auto [quiet, waited] = WaitForServerQuiet(server);
    result.server_cpu_us = ServerCpuUs(before, quiet, result.ops);
    return std::pair(result, waited);
  };
  for (int rep = 0; rep < options.repeats; ++rep) {
    for (int n : levels) {
      std::string tag = "c" + std::to_string(n) + "r" + std::to_string(rep);
      double waited = 0;
      if (unary) {
        auto [result, w] = timed(CommandRun, n, tag);
        commands[n].push_back(result);
        waited = std::max(waited, w);
      }
      if (stream) {
        auto [result, w] = timed(StreamCommandRun, n, tag + "s");
        streamed[n].push_back(result);
        waited = std::max(waited, w);
      }
      raws[n].push_back(wl::RawRun(raw_dir + "/raw-" + tag, n, options.seconds, raw_value));
      const v1::GetStatisticsResponse after_raw = server.Statistics();
      empties[n].push_back(EmptyCallRun(server, p, options, n, after_raw));
      std::printf("  run %d, %2d clients:", rep + 1, n);
      if (unary) {
        std::printf(" commands %8.0f/s (%5.1f events/fsync)", commands[n].back().per_s,
                    commands[n].back().per_fsync);
      }
      if (stream) {
        std::printf(" on streams %8.0f/s (%5.1f events/fsync)", streamed[n].back().per_s,
                    streamed[n].back().per_fsync);
      }
      std::printf(
          "   raw %8.0f/s (%5.1f puts/fsync)   empty calls %8.0f/s   (server quiet %.1f s after "
          "the commands)\n",
          raws[n].back().per_s, raws[n].back().per_fsync, empties[n].back().per_s, waited);
      std::fflush(stdout);
    }
  }
  std::printf("\nmedian of %d                 clients      per s   p50 ms   p95 ms   p99 ms per fsync\n",
              options.repeats);
  for (int n : levels) Summarise(n, commands[n], streamed[n], raws[n], empties[n], out);
}

void QueryPhase(Server& server, const BenchProgramme& p, const Options& options, Results& out) {
  const auto stubs = ProgrammeStubs(server);
  v1::GetProgrammeRequest req;
  req.set_programme_id(p.programme_id);
  auto check = [&](const grpc::Status& s, const grpc::ClientContext& ctx,
                   const v1::GetProgrammeResponse& resp) {
    if (!s.ok()) {
      ReportFailure("GetProgramme " + p.programme_id, s, ctx);
      return false;
    }
    if (resp.programme().programme_id() != p.programme_id) {
      std::fprintf(stderr, "proeftuin-bench: GetProgramme %s answered OK with programme \"%s\"\n",
                   p.programme_id.c_str(), resp.programme().programme_id().c_str());
      return false;
    }
    return true;
  };
  wl::RunResult r;
  if (options.driver == "threads") {
    r = wl::RunWriters(options.clients, options.seconds, [&](int t, uint64_t) {
      v1::GetProgrammeResponse resp;
      auto ctx = server.Context(p.reader_token);
      grpc::Status s = stubs[static_cast<size_t>(t) % stubs.size()]->GetProgramme(ctx.get(), req, &resp);
      return check(s, *ctx, resp);
    });
  } else {
    using Slot = CallSlot<v1::GetProgrammeRequest, v1::GetProgrammeResponse>;
    std::vector<Slot> slots(static_cast<size_t>(options.clients));
    r = RunCallers(options.clients, options.seconds, [&](int t, uint64_t, std::function<void(bool)> done) {
      Slot& slot = slots[static_cast<size_t>(t)];
      slot.ctx = server.Context(p.reader_token);  // the previous call, if any, has ended
      slot.response.Clear();
      stubs[static_cast<size_t>(t) % stubs.size()]->async()->GetProgramme(
          slot.ctx.get(), &req, &slot.response, [&check, &slot, done = std::move(done)](grpc::Status s) {
            done(check(s, *slot.ctx, slot.response));
          });
    });
  }
  std::printf("\nqueries                      clients      per s   p50 ms   p95 ms   p99 ms\n");
  PrintRow("GetProgramme", options.clients, r);
  out["closed_loop_get_programme_per_s"] = r.per_s;
  out["closed_loop_get_programme_p50_ms"] = Ms(wl::Percentile(r.latency_us, 0.50));
  out["closed_loop_get_programme_p95_ms"] = Ms(wl::Percentile(r.latency_us, 0.95));
  out["closed_loop_get_programme_p99_ms"] = Ms(wl::Percentile(r.latency_us, 0.99));
}

}  // namespace proeftuin::bench
