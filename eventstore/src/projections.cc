#include "src/projections.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "eventstore/record.h"
#include "eventstore/status_macros.h"
#include "src/codec.h"

namespace proeftuin::eventstore {
namespace {

constexpr uint64_t kReplayChunk = 4096;

std::string PointerKey(const std::string& name) { return kMetaProjectionPrefix + name; }
std::string VersionKey(const std::string& name) { return kMetaProjectionVersionPrefix + name; }

// "proj/<name>/<generation>" for the generation after `current` (1 when none).
std::string NextFamilyName(const std::string& name, const std::string& current) {
  uint64_t gen = 0;
  std::string prefix = "proj/" + name + "/";
  if (current.rfind(prefix, 0) == 0) gen = std::stoull(current.substr(prefix.size()));
  return prefix + std::to_string(gen + 1);
}

}  // namespace

std::string CheckpointKey(const std::string& cf_name) { return kMetaCheckpointPrefix + cf_name; }

std::optional<std::string> OverlayWriter::Get(std::string_view key) {
  if (auto it = overlay_.find(std::string(key)); it != overlay_.end()) return it->second;
  auto v = db_->Get(cf_, rocksdb::Slice(key.data(), key.size()));
  if (!v.ok()) {
    if (status_.ok()) status_ = v.status();
    return std::nullopt;
  }
  return *std::move(v);
}

void OverlayWriter::Put(std::string_view key, std::string_view value) {
  auto [it, added] = overlay_.try_emplace(std::string(key));
  if (it->second.has_value()) {
    it->second->assign(value);  // reuses the row's memory
  } else {
    it->second.emplace(value);
  }
}

void OverlayWriter::Delete(std::string_view key) { overlay_[std::string(key)] = std::nullopt; }

void OverlayWriter::Flush() {
  // In key order: the memtable's skip list remembers where its last insert went, so a key just
  // after it is found at once instead of searched for from the top, and a rebuild chunk adds
  // thousands (docs/PERFORMANCE.md: 2.09 -> 1.73 s for the deciders' state on 200k events).
  std::vector<const Overlay::value_type*> rows;
  rows.reserve(overlay_.size());
  for (const auto& row : overlay_) rows.push_back(&row);
  std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (const auto* row : rows) {
    if (row->second.has_value()) {
      batch_->Put(cf_, row->first, *row->second);
    } else {
      batch_->Delete(cf_, row->first);
    }
  }
  overlay_.clear();
}

absl::StatusOr<std::vector<ProjectionSlot*>> AttachProjections(StoreCore& core, Db& db) {
  std::vector<ProjectionSlot*> to_build;
  for (auto& slot : core.slots) {
    auto ptr = db.Get(db.meta(), PointerKey(slot->name));
    if (!ptr.ok()) return ptr.status();
    auto ver = db.Get(db.meta(), VersionKey(slot->name));
    if (!ver.ok()) return ver.status();
    bool usable = ptr->has_value() && db.Family(**ptr) != nullptr && ver->has_value() &&
                  **ver == std::to_string(slot->projector->Version());
    uint64_t applied = 0;
    if (usable && !slot->is_inline) {
      auto cp = db.Get(db.meta(), CheckpointKey(**ptr));
      if (!cp.ok()) return cp.status();
      if (cp->has_value() && (*cp)->size() == 8) applied = GetBigEndian64(**cp);
    }
    absl::MutexLock l(&slot->mu);
    slot->cf_name = ptr->value_or("");
    slot->applied = applied;
    if (!usable) to_build.push_back(slot.get());
  }
  return to_build;
}

absl::Status RebuildProjections(Db& db, const std::vector<ProjectionSlot*>& slots, uint64_t to,
                                const RebuildProgress& progress) {
  if (slots.empty()) return absl::OkStatus();
  struct Shadow {
    ProjectionSlot* slot;
    std::string old_cf, new_cf;
    rocksdb::ColumnFamilyHandle* cf;
    std::unique_ptr<OverlayWriter> rows;
  };
  rocksdb::WriteBatch batch;
  std::vector<Shadow> shadows;
  bool swapped = false;
  // A rebuild that fails before the swap drops the shadows it made (their rows, written
  // without the WAL, would otherwise hold back the WAL's deletion until the next open).
  absl::Cleanup drop_shadows = [&] {
    if (swapped) return;
    for (Shadow& sh : shadows) db.DropFamily(sh.new_cf).IgnoreError();
  };
  for (ProjectionSlot* slot : slots) {
    Shadow& sh = shadows.emplace_back();
    sh.slot = slot;
    sh.old_cf = slot->CurrentFamily();
    sh.new_cf = NextFamilyName(slot->name, sh.old_cf);
    RETURN_IF_ERROR(db.DropFamily(sh.new_cf));  // a leftover shadow
    ASSIGN_OR_RETURN(sh.cf, db.CreateFamily(sh.new_cf));
    sh.rows = std::make_unique<OverlayWriter>(&db, sh.cf, &batch);
  }
  // Whatever way this returns, the projectors forget the rows they hold (a no-op after Flush).
  absl::Cleanup forget = [&] {
    for (Shadow& sh : shadows) sh.slot->projector->Flush(*sh.rows);
  };
  // Ends a chunk: the projectors' held rows and the overlays into the batch, the batch written.
  // The shadows' rows skip the WAL: they are flushed to table files before the pointer records
  // make them current, and a shadow that a crash interrupts is dropped at the next open.
  rocksdb::WriteOptions unsynced;
  unsynced.disableWAL = true;
  auto write_chunk = [&]() -> absl::Status {
    for (Shadow& sh : shadows) {
      sh.slot->projector->Flush(*sh.rows);
      RETURN_IF_ERROR(sh.rows->status());
      sh.rows->Flush();
    }
    RETURN_IF_ERROR(FromRocks(db.raw()->Write(unsynced, &batch), "rebuild"));
    batch.Clear();
    return absl::OkStatus();
  };

  rocksdb::ReadOptions scan;
  scan.fill_cache = false;  // one pass over the whole log: it would only evict the hot rows
  std::unique_ptr<rocksdb::Iterator> it(db.raw()->NewIterator(scan, db.events()));
  uint64_t done = 0;
  RecordedEvent ev;  // decoded into again and again: its memory is reused
  for (it->Seek(PositionKey(1)); it->Valid() && done < to; it->Next()) {
    uint64_t pos = GetBigEndian64(std::string_view(it->key().data(), it->key().size()));
    if (pos > to) break;
    RETURN_IF_ERROR(
        DecodeEventInto(std::string_view(it->value().data(), it->value().size()), pos, &ev));
    for (Shadow& sh : shadows) sh.slot->projector->Apply(ev, *sh.rows);
    if (++done % kReplayChunk == 0) {
      RETURN_IF_ERROR(write_chunk());
      if (progress) progress(done, to);
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log for a rebuild");
  RETURN_IF_ERROR(write_chunk());
  rocksdb::FlushOptions flush;
  flush.wait = true;
  flush.allow_write_stall = true;
  std::vector<rocksdb::ColumnFamilyHandle*> families;
  for (Shadow& sh : shadows) families.push_back(sh.cf);
  RETURN_IF_ERROR(FromRocks(db.raw()->Flush(flush, families), "flushing rebuilt projections"));
  for (Shadow& sh : shadows) {
    batch.Put(db.meta(), PointerKey(sh.slot->name), sh.new_cf);
    batch.Put(db.meta(), VersionKey(sh.slot->name), std::to_string(sh.slot->projector->Version()));
    if (!sh.slot->is_inline) {
      std::string cp;
      PutBigEndian64(&cp, done);
      batch.Put(db.meta(), CheckpointKey(sh.new_cf), cp);
    }
    if (!sh.old_cf.empty()) batch.Delete(db.meta(), CheckpointKey(sh.old_cf));
  }
  rocksdb::WriteOptions synced;
  synced.sync = true;
  RETURN_IF_ERROR(FromRocks(db.raw()->Write(synced, &batch), "rebuild"));
  swapped = true;
  for (Shadow& sh : shadows) {
    absl::MutexLock l(&sh.slot->mu);
    sh.slot->cf_name = sh.new_cf;
    sh.slot->applied = done;
  }
  if (progress) progress(done, to);
  // The rebuild has taken effect: an old generation that cannot be dropped now is dropped at
  // the next open (DropStaleFamilies), so it does not fail the rebuild.
  for (Shadow& sh : shadows) {
    if (!sh.old_cf.empty()) db.DropFamily(sh.old_cf).IgnoreError();
  }
  return absl::OkStatus();
}

absl::Status RebuildProjection(Db& db, ProjectionSlot& slot, uint64_t to,
                               const RebuildProgress& progress) {
  return RebuildProjections(db, {&slot}, to, progress);
}

absl::Status DropStaleFamilies(StoreCore& core, Db& db) {
  for (const std::string& name : db.FamilyNames()) {
    if (name.rfind("proj/", 0) != 0) continue;
    bool served = false;
    for (const auto& slot : core.slots) served |= slot->CurrentFamily() == name;
    if (!served) {
      if (absl::Status s = db.DropFamily(name); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace proeftuin::eventstore
