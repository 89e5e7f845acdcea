// Test support for the views: a real RocksDB store (temp dir) with every projection the views
// read, commands run through the real application path (app::CommandHandler), the example
// programme of DOMAIN.md, and row dumps for rebuild == live comparisons. Tests only.
//
// Thread-safety: ViewsStore is used from the test thread; its clock is atomic (the store's
// writer thread reads it).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "app/command_handler.h"
#include "app/decider_projection.h"
#include "domain/example_programme.h"
#include "eventstore/rocks_store.h"
#include "integration/store_fixture.h"
#include "proeftuin/v1/commands.pb.h"

namespace proeftuin::views::testing {

// The clearances the tests read with: every level (zeer geheim) and only public (openbaar).
inline constexpr v1::Confidentiality kAll = v1::CONFIDENTIALITY_ZEER_GEHEIM;
inline constexpr v1::Confidentiality kPublic = v1::CONFIDENTIALITY_OPENBAAR;
// The example programme's id (Leidschendam-Voorburg 2024-2027).
inline constexpr const char* kLv = domain::kExampleProgrammeId;

// A store in a temp dir with the decider state, the principals and the views' projections.
// The store's clock and the command handler's clock are `now` (settable).
class ViewsStore {
 public:
  ViewsStore();
  ~ViewsStore();

  eventstore::RocksStore& store() { return *store_; }
  app::CommandHandler& handler() { return *handler_; }
  // The decider states the writer offers and the handler reads (app/decider_projection.h).
  app::DeciderStateCaches& caches() { return *caches_; }
  void SetNow(absl::Time t) { now_us_.store(absl::ToUnixMicros(t)); }
  absl::Time now() const { return absl::FromUnixMicros(now_us_.load()); }

  // Runs one command through the application layer and waits for the result. The actor's
  // principal id and role are `role`.
  absl::StatusOr<eventstore::AppendResult> Run(const v1::Command& command,
                                               const std::string& role = "programme_manager");
  // Starts a command without waiting; `done` is called from the store's writer thread.
  void RunAsync(const v1::Command& command, const std::string& role, app::CommandDone done);

  // Waits until the async projections include every event appended so far.
  void CatchUp();

  // Every row of a projection, in key order.
  std::vector<std::pair<std::string, std::string>> Rows(const std::string& projection);

 private:
  eventstore::testing::TempDir dir_;
  std::atomic<int64_t> now_us_;
  std::atomic<int> requests_{0};
  std::shared_ptr<app::DeciderStateCaches> caches_;
  std::unique_ptr<eventstore::RocksStore> store_;
  std::unique_ptr<app::CommandHandler> handler_;
};

// Projection names of the store above.
std::vector<std::string> AllProjections();

// Runs the example programme lv-2024-2027 into `store` step by step (store clock = step time),
// calling `after(step, result)` after each. Fails the test (and stops) when a step fails.
void RunExample(ViewsStore& store,
                const std::function<void(const domain::ExampleStep&,
                                         const eventstore::AppendResult&)>& after = nullptr);

// Sets every `programme_id` field of the command's action to `programme_id`.
void Retarget(v1::Command* command, const std::string& programme_id);

}  // namespace proeftuin::views::testing
