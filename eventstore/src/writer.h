// Writer: the store's single writer thread with group commit (docs/DESIGN.md).
//
// Appends queue up; the thread takes every append waiting, checks idempotency and expected
// versions against the committed state plus the group's own pending writes, assigns positions,
// extends the hash chain, lets the inline projectors add their rows, and writes one WriteBatch
// with sync=true. Every caller is answered after the fsync that covers it. On a failed write it
// reloads its state from disk and resumes or reopens the database before writing again.
//
// Thread-safety: Enqueue/RunTask/Stop are thread-safe; everything else runs on the thread.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "src/codec.h"
#include "src/core.h"
#include "src/uuid.h"

namespace proeftuin::eventstore {

using AppendCallback = std::function<void(absl::StatusOr<AppendResult>)>;

class Writer {
 public:
  explicit Writer(StoreCore* core);
  ~Writer() { Stop(); }

  // Loads the chain head from disk and starts the thread.
  absl::Status Start();
  void Enqueue(AppendRequest request, AppendCallback done);
  // Runs `task` on the writer thread between groups (appends wait meanwhile) and returns its
  // result. UNAVAILABLE when the writer stopped.
  absl::Status RunTask(std::function<absl::Status()> task);
  // Finishes every queued append, then ends the thread. Idempotent.
  void Stop();
  // From now on every append fails with `why` (DATA_LOSS: the log lacks events the store's other
  // rows say were committed, log_end.h), and so does the store's write health: writing on would
  // put new events at the positions of the lost ones. The first reason stays. The writer also
  // refuses by itself when a stream's head or a request's stored result names a position past
  // the end of the log.
  absl::Status Refuse(absl::Status why);

 private:
  struct Pending {
    AppendRequest request;
    AppendCallback done;
  };
  struct Task {
    std::function<absl::Status()> fn;
    absl::Status* result;
    bool* finished;
  };
  struct Group;  // one commit group in progress (writer.cc)
  struct Reply {
    AppendCallback done;
    absl::StatusOr<AppendResult> result;
  };

  void Loop();
  void ProcessGroup(std::vector<Pending>& pending);
  void Admit(Group& g, size_t index, AppendRequest& r);  // builds from r, moving out of it
  absl::Status CheckExpectations(Group& g, const AppendRequest& r);
  void Build(Group& g, AppendRequest& r, AppendResult* result);
  absl::StatusOr<std::optional<StreamHead>> Lookup(Group& g, const std::string& stream);
  void Commit(Group& g);
  // Writes the group's batch (with the commit mark) when `s` is OK, then commits or fails it.
  void WriteGroup(Group& g, absl::Status s);
  void RefuseHere(absl::Status why);  // Refuse, on the writer thread
  absl::Status LoadState(Db& db);
  absl::Status Recover();
  absl::Status ProbeWritable();  // can the data directory take a synced write again?
  void Reloaded();  // publishes the state LoadState found after a recovery
  void FailAll(std::vector<Pending>& pending, const absl::Status& s);
  void Deliver(std::vector<Reply> replies);  // hands them to the acknowledger
  void AckLoop();
  // Before the write of a group at low load (kIdleSinglesToSpin): wakes the acknowledger to wait
  // for the group's answers spinning (SpinForAnswers), not asleep.
  void ExpectAnswersSoon();
  // On the acknowledger: spins while the writer's lone append is in flight and no answer is
  // queued, at most options.ack_spin_limit_us. False when it gave up at the limit.
  bool SpinForAnswers();
  // On the writer, after a lone append at low load (kIdleSinglesToSpin): spins until an append,
  // a task or a stop is posted after those it took last (posted_seen_), at most
  // options.writer_spin_limit_us. False when it gave up at the limit.
  bool SpinForWork();

  StoreCore* const core_;
  std::thread thread_;
  std::thread acker_;  // calls the callbacks of committed (or failed) appends
  UuidGenerator uuids_;

  absl::Mutex ack_mu_;
  std::deque<std::vector<Reply>> ack_queue_ ABSL_GUARDED_BY(ack_mu_);
  bool ack_stop_ ABSL_GUARDED_BY(ack_mu_) = false;
  // Low load: one client's command waits for the fsync, then for the acknowledger to wake (a
  // futex wake and a context switch, ~50 us on a virtual machine). While a lone append is in
  // flight at low load (groups of one after idle waits; more callers would want the other
  // core) the acknowledger spins on these instead, so the writer's Deliver needs no wake and
  // the answer goes out at once. Only when the process may use two CPUs or more (spin_acks_),
  // and not while the spins keep reaching their limit (a slow disk: ack_spin_timeouts_).
  std::atomic<bool> ack_spin_{false};     // set and cleared under ack_mu_
  std::atomic<int> ack_spin_timeouts_{0};  // spins in a row that reached the limit
  std::atomic<size_t> ack_queued_{0};     // ack_queue_.size(), readable without ack_mu_
  const bool spin_acks_;

  // Low load, the other way: a lone caller's next append arrives while the writer sleeps in
  // mu_.Await, and waking it (a futex wake of an idle virtual CPU) cost each command ~150 us on
  // the 2-core virtual machine. After a lone append at low load the writer first spins on
  // posted_ for the next one (SpinForWork), under the same conditions as the acknowledger's
  // spin; work_spin_timeouts_ counts the spins in a row that reached their limit.
  // Appends, tasks and stops posted; changed under mu_. On a cache line of its own: the writer
  // reads it in a loop while the acknowledger writes the members above.
  alignas(64) std::atomic<uint64_t> posted_{0};
  uint64_t posted_seen_ = 0;    // posted_ when the writer last took its queue (writer only)
  bool left_over_ = false;      // appends or a stop were still there then (writer only)
  int work_spin_timeouts_ = 0;  // writer only
  const bool spin_writer_;

  absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  std::deque<Task> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;

  // Committed state, writer thread only.
  uint64_t last_position_ = 0;
  Digest head_{};
  int64_t last_recorded_us_ = 0;
  absl::flat_hash_map<std::string, StreamHead> streams_;  // cache of stream heads
  bool healthy_ = true;
  absl::Status refused_;  // Refuse
  int64_t next_recovery_us_ = 0;
  uint64_t idle_singles_ = 0;  // groups of one in a row, each taken after the writer waited idle
};

}  // namespace proeftuin::eventstore
