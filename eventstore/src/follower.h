// AsyncFollower: applies the log to one asynchronous projection on its own thread, writing its
// rows and its checkpoint in one batch per step. Private to the eventstore module.
//
// Thread-safety: Start/Stop/Rebuild are thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "src/core.h"

namespace proeftuin::eventstore {

class AsyncFollower {
 public:
  AsyncFollower(std::shared_ptr<StoreCore> core, ProjectionSlot* slot)
      : core_(std::move(core)), slot_(slot) {}
  ~AsyncFollower() { Stop(); }
  void Start();
  void Stop();
  // Rebuilds the projection on the follower thread and waits for it. Callers take turns: each
  // gets a replay that starts after its call.
  absl::Status Rebuild(const RebuildProgress& progress);

 private:
  void Loop();
  absl::Status Step(uint64_t committed);

  std::shared_ptr<StoreCore> core_;
  ProjectionSlot* slot_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  // Ends the thread's current wait for events (set by Stop and Rebuild, cleared by the loop).
  std::atomic<bool> wake_{false};

  // Held by a Rebuild caller for the whole call (taken before mu_): one rebuild request at a
  // time, so that a second caller's request is never answered by the first one's replay.
  absl::Mutex rebuild_turn_;
  absl::Mutex mu_;
  const RebuildProgress* rebuild_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool rebuild_done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status rebuild_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace proeftuin::eventstore
