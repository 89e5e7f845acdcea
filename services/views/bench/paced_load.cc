#include "views/bench/paced_load.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "views/bench/bench_common.h"

namespace proeftuin::views::bench {
namespace {

// What the answers fill in, each at its own index.
struct Answers {
  explicit Answers(uint64_t n) : latency_ms(n, -1), ok(n, 0) {}
  std::vector<double> latency_ms;
  std::vector<char> ok;  // 1: answered; 0: failed at its deadline; 2: failed otherwise
  std::atomic<uint64_t> done{0};
  std::mutex mu;
  std::condition_variable all_done;
  std::string first_error;  // guarded by mu
};

}  // namespace

PacedResult RunPaced(int threads, double rate, double seconds, const Fire& fire) {
  const uint64_t total = static_cast<uint64_t>(rate * seconds);
  auto answers = std::make_shared<Answers>(total);
  const auto start = Clock::now() + std::chrono::milliseconds(50);  // every sender ready
  auto scheduled = [&](uint64_t i) {
    return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i / rate));
  };
  std::vector<double> late_ms(threads, 0);
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t) {
    senders.emplace_back([&, t] {
      for (uint64_t i = t; i < total; i += threads) {
        const Clock::time_point at = scheduled(i);
        std::this_thread::sleep_until(at);
        late_ms[t] = std::max(late_ms[t], std::chrono::duration<double, std::milli>(Clock::now() - at).count());
        fire(t, i, [answers, at, i, total](const grpc::Status& s) {
          answers->latency_ms[i] = std::chrono::duration<double, std::milli>(Clock::now() - at).count();
          answers->ok[i] = s.ok()                                                  ? 1
                           : s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? 0
                                                                                   : 2;
          if (!s.ok()) {
            std::lock_guard<std::mutex> l(answers->mu);
            if (answers->first_error.empty()) answers->first_error = s.error_message();
          }
          if (answers->done.fetch_add(1) + 1 == total) {
            std::lock_guard<std::mutex> l(answers->mu);
            answers->all_done.notify_all();
          }
        });
      }
    });
  }
  for (auto& s : senders) s.join();
  {
    std::unique_lock<std::mutex> l(answers->mu);
    if (!answers->all_done.wait_for(l, std::chrono::seconds(60), [&] { return answers->done.load() == total; })) {
      Die("paced load: answers still missing 60 s after the last send");
    }
  }
  PacedResult r;
  r.seconds = Since(start);
  r.start_monotonic_s = std::chrono::duration<double>(start.time_since_epoch()).count();
  r.sent = total;
  for (uint64_t i = 0; i < total; ++i) {
    ++(answers->ok[i] == 1 ? r.ok : r.failed);
    if (answers->ok[i] == 2) ++r.failed_before_deadline;
    r.latency_ms.push_back(answers->latency_ms[i]);
  }
  r.latency_by_send_ms = r.latency_ms;
  std::sort(r.latency_ms.begin(), r.latency_ms.end());
  r.first_error = answers->first_error;
  r.max_late_ms = *std::max_element(late_ms.begin(), late_ms.end());
  return r;
}

}  // namespace proeftuin::views::bench
