// Phase 4: live subscribers. N EventService.Subscribe streams (callback API, so gRPC's own threads
// deliver instead of one blocked thread per stream), filtered to the bench programme's
// experiment streams, start at the head; a paced writer then records activities at a fixed rate.
//
// Commit-to-delivery latency = receive time at the subscriber - the event's recorded_at_us. Both
// are the system clock of the same machine (the bench runs beside the server; across machines
// the clocks would have to be synchronised). recorded_at is stamped by the writer thread before
// the group's fsync, so this figure includes the fsync and is an upper bound on the time from
// commit to delivery. The other candidate, the writer's receipt of the command's response, is no
// commit time: the response and the subscriber's delivery race after the same fsync, and the
// difference would hide the fsync the subscriber really waited for.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/phases.h"
#include "bench/workload.h"
#include <google/protobuf/arena.h>

#include "proeftuin/v1/event_service.grpc.pb.h"

namespace proeftuin::bench {
namespace {

namespace wl = eventstore::bench;
using Clock = std::chrono::steady_clock;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Each message is parsed into a protobuf arena that is reset before the next read. Parsing into
// a reused heap message does not help here: `events` is a oneof member, which Clear() deletes,
// so every message would allocate (and later free) its batch, every event, header and string
// one by one; perf put ~10 µs of client CPU per event in malloc and free that way.
class Subscriber final : public grpc::ClientReadReactor<v1::SubscribeResponse> {
 public:
  Subscriber(v1::EventService::Stub* stub, const Server& server, const std::string& token,
             v1::SubscribeRequest request, size_t expected)
      : request_(std::move(request)), block_(kArenaBlock), arena_(ArenaOptions(block_)) {
    ctx_ = server.Context(token);
    ctx_->set_deadline(std::chrono::system_clock::time_point::max());
    latency_us_.reserve(expected);
    committed_us_.reserve(expected);
    stub->async()->Subscribe(ctx_.get(), &request_, this);
    message_ = google::protobuf::Arena::CreateMessage<v1::SubscribeResponse>(&arena_);
    StartRead(message_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended: OnDone follows
    const v1::SubscribeResponse& m = *message_;
    if (m.has_event() || m.has_events()) messages_.fetch_add(1);
    if (m.has_event()) {
      latency_us_.push_back(double(NowUs() - m.event().header().recorded_at_us()));
      committed_us_.push_back(m.event().header().recorded_at_us());
      received_.fetch_add(1);
    } else if (m.has_events()) {
      const int64_t now = NowUs();
      for (const auto& e : m.events().events()) {
        latency_us_.push_back(double(now - e.header().recorded_at_us()));
        committed_us_.push_back(e.header().recorded_at_us());
      }
      received_.fetch_add(static_cast<size_t>(m.events().events_size()));
    } else if (m.has_caught_up()) {
      caught_up_.store(true);
    }
    arena_.Reset();  // frees the message and everything in it
    message_ = google::protobuf::Arena::CreateMessage<v1::SubscribeResponse>(&arena_);
    StartRead(message_);
  }

  void OnDone(const grpc::Status& s) override {
    std::lock_guard<std::mutex> l(mu_);
    status_ = s;
    done_ = true;
    cv_.notify_all();
  }

  bool caught_up() const { return caught_up_.load(); }
  uint64_t received() const { return received_.load(); }
  uint64_t messages() const { return messages_.load(); }
  bool done() const {
    std::lock_guard<std::mutex> l(mu_);
    return done_;
  }
  // Ends the stream early (if the server has not) and waits for its end: exits unless the stream
  // was still open (CANCELLED by us). Latencies are complete afterwards.
  void Stop(int index) {
    ctx_->TryCancel();
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return done_; });
    if (status_.error_code() != grpc::StatusCode::CANCELLED)
      Fail("subscriber " + std::to_string(index), status_, *ctx_);
  }
  const std::vector<double>& latency_us() const { return latency_us_; }
  // recorded_at_us of the event of each latency_us entry (same index).
  const std::vector<int64_t>& committed_us() const { return committed_us_; }

 private:
  static constexpr size_t kArenaBlock = 256 << 10;  // a batch of 100 events fits
  static google::protobuf::ArenaOptions ArenaOptions(std::vector<char>& block) {
    google::protobuf::ArenaOptions o;
    o.initial_block = block.data();
    o.initial_block_size = block.size();
    return o;
  }

  v1::SubscribeRequest request_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::vector<char> block_;  // the arena's first block, kept across resets
  google::protobuf::Arena arena_;
  v1::SubscribeResponse* message_ = nullptr;  // on arena_
  std::vector<double> latency_us_;  // written by the reactor only, read after Stop
  std::vector<int64_t> committed_us_;  // likewise
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> messages_{0};  // messages that carried events
  std::atomic<bool> caught_up_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  grpc::Status status_;
};

// Waits until `ready` holds for every subscriber; exits after `limit` or when a stream ended.
template <typename Pred>
void WaitAll(std::vector<std::unique_ptr<Subscriber>>& subs, Pred ready, std::chrono::seconds limit,
             const char* what) {
  auto deadline = Clock::now() + limit;
  for (size_t i = 0; i < subs.size(); ++i) {
    while (!ready(*subs[i])) {
      if (subs[i]->done()) subs[i]->Stop(static_cast<int>(i));
      if (Clock::now() > deadline) wl::Die("subscriber " + std::to_string(i) + " " + what);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
}

// Records `rate` activities per second for `seconds`, each sent at its scheduled time, from one
// thread per experiment (at most 64, so that slow commands do not slow the schedule); returns how
// many were written.
uint64_t PacedWriter(Server& server, const BenchProgramme& p, int rate, double seconds) {
  const size_t writers = std::min<size_t>(64, p.experiments.size());
  const uint64_t total = static_cast<uint64_t>(rate * seconds);
  const auto start = Clock::now() + std::chrono::milliseconds(10);
  std::atomic<uint64_t> written{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (size_t w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (uint64_t i = w; i < total && !failed.load(); i += writers) {
        std::this_thread::sleep_until(start +
                                      std::chrono::microseconds(i * 1'000'000 / uint64_t(rate)));
        std::string id = p.run_id + "-live-" + std::to_string(i);
        if (!RecordActivity(server, p, static_cast<int>(w), w, id)) return failed.store(true);
        written.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed.load()) wl::Die("a command failed while the subscribers listened");
  return written.load();
}

// Where the slowest 1% of deliveries fall in time: the run cut into 100 ms windows by commit
// time, how many windows hold a delivery slower than the p99, and the slowest delivery of the
// worst window. A few windows: stalls (a flush, a file switch); most of them: queueing on a
// busy machine.
void ReportTail(const std::vector<std::unique_ptr<Subscriber>>& subs, double p99_us, Results& out) {
  constexpr int64_t kWindowUs = 100'000;
  int64_t first = INT64_MAX;
  for (const auto& s : subs) {
    for (int64_t t : s->committed_us()) first = std::min(first, t);
  }
  std::map<int64_t, bool> slow_in;  // window -> holds a delivery over the p99
  double worst_ms = 0;
  for (const auto& s : subs) {
    for (size_t i = 0; i < s->committed_us().size(); ++i) {
      bool& slow = slow_in[(s->committed_us()[i] - first) / kWindowUs];
      if (s->latency_us()[i] > p99_us) slow = true;
      worst_ms = std::max(worst_ms, Ms(s->latency_us()[i]));
    }
  }
  size_t slow = 0;
  for (const auto& [window, has] : slow_in) slow += has ? 1 : 0;
  std::printf("deliveries over the p99: in %zu of %zu windows of 100 ms (by commit time); slowest %.3f ms\n",
              slow, slow_in.size(), worst_ms);
  out["subscribe_p99_tail_windows"] = double(slow);
  out["subscribe_windows"] = double(slow_in.size());
  out["subscribe_delivery_max_ms"] = worst_ms;
}

void Report(const Options& options, double write_per_s, const std::vector<double>& all,
            uint64_t messages, Results& out) {
  if (write_per_s < 0.9 * options.subscribe_rate) {
    std::printf(
        "note: the writer reached %.0f of the %d commands/s asked: commands took longer than the "
        "schedule\n",
        write_per_s, options.subscribe_rate);
  }
  std::printf("\nlive subscribers   streams  commands/s  deliveries   p50 ms   p95 ms   p99 ms\n");
  std::printf("commit-to-delivery %7d %11.0f %11zu %8.3f %8.3f %8.3f\n", options.subscribers,
              write_per_s, all.size(), Ms(wl::Percentile(all, 0.50)), Ms(wl::Percentile(all, 0.95)),
              Ms(wl::Percentile(all, 0.99)));
  out["subscribe_streams"] = options.subscribers;
  out["subscribe_commands_per_s"] = write_per_s;
  out["subscribe_deliveries"] = double(all.size());
  out["subscribe_events_per_message"] = messages > 0 ? double(all.size()) / double(messages) : 0;
  out["subscribe_delivery_p50_ms"] = Ms(wl::Percentile(all, 0.50));
  out["subscribe_delivery_p95_ms"] = Ms(wl::Percentile(all, 0.95));
  out["subscribe_delivery_p99_ms"] = Ms(wl::Percentile(all, 0.99));
}

}  // namespace

void SubscribePhase(Server& server, const BenchProgramme& p, const Options& options, Results& out) {
  const uint64_t planned =
      static_cast<uint64_t>(options.subscribe_rate * options.subscribe_seconds);
  std::vector<std::unique_ptr<v1::EventService::Stub>> stubs;
  for (int c = 0; c < std::max(1, options.channels); ++c)
    stubs.push_back(v1::EventService::NewStub(server.shared_channel(c)));
  v1::SubscribeRequest req;
  req.set_from_position(server.Statistics().last_position() + 1);
  req.set_stream_prefix(ExperimentStreamPrefix(p));
  req.set_max_batch(static_cast<uint32_t>(options.subscribe_batch));
  req.set_max_delay_ms(static_cast<uint32_t>(options.subscribe_delay_ms));
  std::vector<std::unique_ptr<Subscriber>> subs;
  for (int i = 0; i < options.subscribers; ++i) {
    subs.push_back(std::make_unique<Subscriber>(stubs[size_t(i) % stubs.size()].get(), server,
                                                p.reader_token, req, planned));
  }
  WaitAll(
      subs, [](const Subscriber& s) { return s.caught_up(); }, std::chrono::seconds(30),
      "did not catch up");
  auto start = Clock::now();
  const uint64_t written =
      PacedWriter(server, p, options.subscribe_rate, options.subscribe_seconds);
  const double write_per_s = double(written) / wl::Seconds(start, Clock::now());
  WaitAll(
      subs, [written](const Subscriber& s) { return s.received() >= written; },
      std::chrono::seconds(30), "did not receive every event written");
  std::vector<double> all;
  uint64_t messages = 0;
  for (size_t i = 0; i < subs.size(); ++i) {
    subs[i]->Stop(static_cast<int>(i));
    if (subs[i]->received() != written) {
      wl::Die("subscriber " + std::to_string(i) + " received " +
              std::to_string(subs[i]->received()) + " events, " + std::to_string(written) +
              " were written");
    }
    all.insert(all.end(), subs[i]->latency_us().begin(), subs[i]->latency_us().end());
    messages += subs[i]->messages();
  }
  Report(options, write_per_s, all, messages, out);
  ReportTail(subs, wl::Percentile(all, 0.99), out);
}

}  // namespace proeftuin::bench
