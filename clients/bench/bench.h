// proeftuin-bench (issue 8, ENGINEERING.md §7): a load benchmark that drives a running proeftuind
// over gRPC with N concurrent clients. This header holds what its phases share: the options, the
// connection (channels, the administrator token, a count of acknowledged writes) and how a failed
// call ends the run. A failed call is never counted: the program prints the status and the rule
// the server named (trailer "proeftuin-rule") and exits 1.
//
// Thread-safety: Server is thread-safe; ReportFailure and Fail may be called from any thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "proeftuin/v1/admin_service.pb.h"

namespace proeftuin::bench {

struct Options {
  std::string server = "127.0.0.1:50051";
  std::string token_file;                  // an administrator's token
  std::string raw_dir = "./var/bench-raw";  // where the raw RocksDB reference writes
  std::string ca;                          // PEM CA of the server's certificate (empty: plaintext)
  int clients = 64;
  double seconds = 3;        // per measurement
  int repeats = 3;           // interleaved command / raw runs; the median is reported
  int subscribers = 100;     // live Subscribe streams in the subscriber phase
  int subscribe_rate = 1000;  // commands per second written while they listen
  // How long they listen: at 1,000 commands/s, 10 s is 10,000 commits, so that the p99 is not
  // set by a few dozen of them.
  double subscribe_seconds = 10;
  int subscribe_batch = 100;  // SubscribeRequest.max_batch (1: one event per message)
  int subscribe_delay_ms = 0;  // SubscribeRequest.max_delay_ms
  int channels = 2;          // gRPC connections the clients share
  // How the timed loops drive their clients (commands, empty calls, queries): "callback", gRPC's
  // callback API, where gRPC's threads start each client's next call (bench/callers.h); or
  // "threads", a thread per client blocked in each call.
  std::string driver = "callback";
  // Which command RPCs the commands phase drives, each in runs of its own interleaved with the
  // references: "unary" (RecordActivity calls; RESULT command_*) and "stream" (the same
  // activities on ProgrammeService.ExecuteCommands streams, one per client; RESULT
  // stream_command_*).
  std::set<std::string> command_rpcs = {"unary", "stream"};
  // The phases to run, in their fixed order: commands (with the raw reference), queries,
  // subscribe. The end phase (server memory) always runs.
  std::set<std::string> phases = {"commands", "queries", "subscribe"};
};

// Measured figures by RESULT name.
using Results = std::map<std::string, double>;

class Server {
 public:
  // Opens options.channels connections to options.server (TLS when options.ca is set) and reads
  // the administrator token from options.token_file. Exits when a file cannot be read.
  explicit Server(const Options& options);

  // Connection i modulo the number of connections.
  grpc::Channel* channel(int i) const { return shared_channel(i).get(); }
  const std::shared_ptr<grpc::Channel>& shared_channel(int i) const {
    return channels_[static_cast<size_t>(i) % channels_.size()];
  }
  int channel_count() const { return static_cast<int>(channels_.size()); }
  // A context carrying "authorization: Bearer <token>" and a 60 s deadline.
  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) const;
  const std::string& admin_token() const { return admin_token_; }

  // AdminService.GetStatistics; exits on error.
  v1::GetStatisticsResponse Statistics() const;

  // Counts one acknowledged write (a command that wrote events, a created principal).
  void CountWrite() { writes_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t writes() const { return writes_.load(); }

 private:
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::string admin_token_;
  std::atomic<uint64_t> writes_{0};
};

// Prints "<what>: <code> <message> (rule <id>)" to stderr, the rule from the trailer
// "proeftuin-rule" when the server sent one.
void ReportFailure(const std::string& what, const grpc::Status& status, const grpc::ClientContext& ctx);
// ReportFailure, then exits 1.
[[noreturn]] void Fail(const std::string& what, const grpc::Status& status, const grpc::ClientContext& ctx);

// Milliseconds from microseconds, for the report.
inline double Ms(double us) { return us / 1000; }

}  // namespace proeftuin::bench
