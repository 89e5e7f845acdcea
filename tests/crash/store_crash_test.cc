// Crash test: a child process appends under load and reports every acknowledged append
// through a pipe; the parent kills it with SIGKILL at a random moment, reopens the store and
// checks that every acknowledged event is there, positions have no gaps, no append is
// half-written, and the chain verifies. Rounds: PROEFTUIN_CRASH_ROUNDS (default 20).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "integration/store_fixture.h"

namespace proeftuin::eventstore::testing {
namespace {

[[noreturn]] void ChildAppends(const std::string& path, int fd) {
  RocksStoreOptions o;
  o.path = path;
  auto store = RocksStore::Open(o);
  if (!store.ok()) _exit(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        std::string id = "p" + std::to_string(getpid()) + "-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = (*store)->Append(OneStream(id, "crash-" + std::to_string(t % 3), ExpectedVersion::Any(),
                                           {Event(id + "/1"), Event(id + "/2"), Event(id + "/3")}));
        if (!r.ok()) _exit(4);
        std::string line = id + " " + std::to_string(r->first_position) + "\n";
        if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
      }
    });
  }
  for (auto& th : threads) th.join();
  _exit(0);
}

int Rounds() {
  const char* env = std::getenv("PROEFTUIN_CRASH_ROUNDS");
  return env != nullptr ? std::atoi(env) : 20;
}

TEST(StoreCrash, SigkillLosesNoAcknowledgedEventAndLeavesAValidChain) {
  TempDir dir;
  std::mt19937 rng(42);
  std::map<std::string, uint64_t> acked;  // over all rounds
  for (int round = 0; round < Rounds(); ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      ChildAppends(dir.path(), fds[1]);
    }
    close(fds[1]);
    // Kill at a random moment once the child is writing (the first acknowledgement arrived),
    // however slow the machine is.
    std::string data;
    char buf[65536];
    ssize_t first = read(fds[0], buf, sizeof buf);
    if (first > 0) data.append(buf, first);
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 300));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child ended on its own, status " << status;
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) data.append(buf, n);
    close(fds[0]);
    std::istringstream lines(data);
    std::string id;
    uint64_t pos;
    int this_round = 0;
    while (lines >> id >> pos) {
      acked[id] = pos;
      ++this_round;
    }
    EXPECT_GT(this_round, 0);

    auto store = OpenStore(dir.path());
    ASSERT_NE(store, nullptr);
    auto all = ReadEverything(*store);
    std::map<std::string, std::vector<uint64_t>> by_request;
    for (size_t i = 0; i < all.size(); ++i) {
      ASSERT_EQ(all[i].position(), i + 1) << "gap in positions";
      by_request[all[i].header.request_id()].push_back(all[i].position());
    }
    for (const auto& [rid, first] : acked) {
      auto it = by_request.find(rid);
      ASSERT_NE(it, by_request.end()) << "acknowledged " << rid << " lost";
      EXPECT_EQ(it->second.front(), first);
    }
    for (const auto& [rid, positions] : by_request) {
      ASSERT_EQ(positions.size(), 3u) << rid << " half-written";
      EXPECT_EQ(positions[2], positions[0] + 2);
    }
    auto v = store->Verify(1, 0);
    ASSERT_TRUE(v.ok());
    ASSERT_TRUE(v->ok) << v->problem;
    EXPECT_TRUE(store->StartupCheck().ok);
  }
}

}  // namespace
}  // namespace proeftuin::eventstore::testing
