#include "bench/callers.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace proeftuin::bench {
namespace {

namespace wl = eventstore::bench;

// What the clients share: the stop and failure flags, and the count of clients still running.
class Loop {
 public:
  Loop(int clients, const StartCall& start) : start_(start), latency_(static_cast<size_t>(clients)) {
    for (auto& v : latency_) v.reserve(1 << 15);
    running_ = clients;
  }

  // Client t's call n; when it ends, its latency is kept and, unless the run is over, the next
  // call starts from the thread that ran the answer.
  void Issue(int t, uint64_t n) {
    const wl::Clock::time_point began = wl::Clock::now();
    start_(t, n, [this, t, n, began](bool ok) {
      if (!ok) {
        failed_.store(true);
        return Finished();
      }
      latency_[static_cast<size_t>(t)].push_back(
          std::chrono::duration<double, std::micro>(wl::Clock::now() - began).count());
      if (stop_.load(std::memory_order_relaxed) || failed_.load(std::memory_order_relaxed)) return Finished();
      Issue(t, n + 1);
    });
  }

  void Stop() { stop_.store(true); }

  // Waits until every client has finished, or `timeout` has passed (then false).
  bool WaitUntilAllFinished(std::chrono::duration<double> timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return running_ == 0; });
  }
  void WaitUntilAllFinished() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return running_ == 0; });
  }

  bool failed() const { return failed_.load(); }
  const std::vector<std::vector<double>>& latency() const { return latency_; }

 private:
  void Finished() {
    std::lock_guard lock(mu_);
    if (--running_ == 0) cv_.notify_all();
  }

  const StartCall& start_;
  std::vector<std::vector<double>> latency_;  // per client, written only by its own calls' answers
  std::atomic<bool> stop_{false}, failed_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
};

}  // namespace

wl::RunResult RunCallers(int clients, double seconds, const StartCall& start) {
  Loop loop(clients, start);
  const double cpu_before = wl::ThreadTime::Now().process_cpu;
  const auto began = wl::Clock::now();
  for (int t = 0; t < clients; ++t) loop.Issue(t, 0);
  // Every client finishes early only after a failure: no need to wait out the time then.
  if (!loop.WaitUntilAllFinished(std::chrono::duration<double>(seconds))) {
    loop.Stop();
    loop.WaitUntilAllFinished();
  }
  const double elapsed = wl::Seconds(began, wl::Clock::now());
  const double cpu = wl::ThreadTime::Now().process_cpu - cpu_before;
  if (loop.failed()) wl::Die("a call failed during the measurement");
  return wl::ResultOf(loop.latency(), elapsed, cpu);
}

}  // namespace proeftuin::bench
