// Opening and closing the RocksDB store.
#include <set>

#include "absl/algorithm/container.h"
#include "src/log_end.h"
#include "src/reader.h"
#include "src/rocks_store_impl.h"

namespace proeftuin::eventstore {
namespace {

absl::Status CheckProjectorNames(const RocksStoreOptions& o) {
  std::set<std::string> names;
  auto check = [&](const std::shared_ptr<Projector>& p) -> absl::Status {
    std::string n = p->Name();
    bool valid = !n.empty() && n.size() <= 64;
    for (char c : n) valid &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!valid) return absl::InvalidArgumentError("projector name '" + n + "' must be [a-z0-9_]{1,64}");
    if (!names.insert(n).second) return absl::InvalidArgumentError("projector " + n + " registered twice");
    return absl::OkStatus();
  };
  for (const auto& p : o.inline_projectors) RETURN_IF_ERROR(check(p));
  for (const auto& p : o.async_projectors) RETURN_IF_ERROR(check(p));
  return absl::OkStatus();
}

// The checks at open together: the chain of the newest events and the log's end against the
// store's other rows (log_end.h). The lower first bad position leads; both problems are named.
VerifyResult AtOpen(VerifyResult chain, const std::optional<Discrepancy>& end) {
  if (!end.has_value()) return chain;
  std::string problem = "position " + std::to_string(end->first_bad_position) + ": " + end->problem;
  if (!chain.ok && chain.first_bad_position <= end->first_bad_position) {
    chain.problem += "; and " + problem;
    return chain;
  }
  if (!chain.ok) problem += "; and " + chain.problem;
  chain.ok = false;
  chain.first_bad_position = end->first_bad_position;
  chain.problem = std::move(problem);
  return chain;
}

}  // namespace

absl::Status RocksStoreImpl::Init() {
  const RocksStoreOptions& o = core_->options;
  for (const auto& p : o.inline_projectors) {
    auto slot = std::make_unique<ProjectionSlot>();
    slot->projector = p;
    slot->name = p->Name();
    slot->is_inline = true;
    core_->slots.push_back(std::move(slot));
  }
  for (const auto& p : o.async_projectors) {
    auto slot = std::make_unique<ProjectionSlot>();
    slot->projector = p;
    slot->name = p->Name();
    slot->is_inline = false;
    core_->slots.push_back(std::move(slot));
  }
  DbOptions dbo{o.path, o.create_if_missing, o.read_only, o.env, o.block_cache_bytes,
                o.write_buffer_bytes};
  ASSIGN_OR_RETURN(std::shared_ptr<Db> db, Db::Open(dbo));
  store_id_ = db->store_id();
  ASSIGN_OR_RETURN(std::vector<ProjectionSlot*> to_build, AttachProjections(*core_, *db));
  {
    absl::MutexLock l(&core_->db_mu);
    core_->db = db;
  }
  std::optional<Discrepancy> end;
  if (!o.read_only) {
    writer_ = std::make_unique<Writer>(core_.get());
    RETURN_IF_ERROR(writer_->Start());
    uint64_t last = core_->committed_position.load();
    // Before anything is written: new events must not take the positions of lost ones.
    ASSIGN_OR_RETURN(end, CheckLogEnd(*db, last, nullptr));
    if (end.has_value()) {
      RETURN_IF_ERROR(writer_->Refuse(absl::DataLossError(
          "position " + std::to_string(end->first_bad_position) + ": " + end->problem +
          "; the store refuses to write, which would put new events in their place "
          "(docs/OPERATIONS.md, \"The log lost events\")")));
    }
    // The inline projections to build in one pass over the log; async ones start empty and
    // their followers catch up. Not in a store that lost events: a rebuild would replace, and
    // dropping stale families would delete, projection rows and checkpoints that are evidence
    // of what the log held (the only witness in a store written before meta/head).
    const bool refused = end.has_value();
    std::vector<ProjectionSlot*> inline_slots;
    for (ProjectionSlot* slot : to_build) {
      if (refused) continue;
      if (slot->is_inline) {
        inline_slots.push_back(slot);
      } else {
        RETURN_IF_ERROR(RebuildProjection(*db, *slot, 0, nullptr));
      }
    }
    if (!refused) {
      RETURN_IF_ERROR(RebuildProjections(*db, inline_slots, last, nullptr));
      RETURN_IF_ERROR(DropStaleFamilies(*core_, *db));
    }
    for (auto& slot : core_->slots) {
      if (slot->is_inline) continue;
      if (refused && absl::c_linear_search(to_build, slot.get())) continue;  // not rebuilt
      followers_.push_back(std::make_unique<AsyncFollower>(core_, slot.get()));
      followers_.back()->Start();
    }
  } else {
    RETURN_IF_ERROR(AcquireCaughtUp().status());
    ASSIGN_OR_RETURN(end, CheckLogEnd(*db, core_->committed_position.load(), nullptr));
  }
  uint64_t last = core_->committed_position.load();
  VerifyResult chain;
  if (last > 0 && o.startup_check_events > 0) {
    uint64_t from = last > o.startup_check_events ? last - o.startup_check_events + 1 : 1;
    ASSIGN_OR_RETURN(chain, VerifyRange(*db, from, last, 0, nullptr));
  }
  startup_ = AtOpen(std::move(chain), end);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RocksStore>> RocksStore::Open(RocksStoreOptions options) {
  RETURN_IF_ERROR(CheckProjectorNames(options));
  if (!options.clock_us) options.clock_us = NowMicros;
  if (options.read_only) {
    options.inline_projectors.clear();
    options.async_projectors.clear();
  }
  auto core = std::make_shared<StoreCore>(std::move(options));
  auto store = std::make_unique<RocksStoreImpl>(core);
  RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<RocksStore>(std::move(store));
}

void RocksStoreImpl::Close() {
  if (closed_) return;
  closed_ = true;
  core_->rebuilds_stopped.store(true);
  {
    absl::MutexLock l(&inline_rebuild_mu_);  // a rebuild beside the writer has stopped
  }
  if (writer_ != nullptr) writer_->Stop();
  for (auto& f : followers_) f->Stop();
  core_->feed.Close();
  // Every acknowledged append was synced by its own write: nothing to flush. The Db closes
  // when the last reader lets go of it.
  absl::MutexLock l(&core_->db_mu);
  core_->db.reset();
}

}  // namespace proeftuin::eventstore
