#include "src/projections.h"

#include <memory>

#include "eventstore/record.h"
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
  for (const auto& [key, value] : overlay_) {
    if (value.has_value()) {
      batch_->Put(cf_, key, *value);
    } else {
      batch_->Delete(cf_, key);
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

absl::Status RebuildProjection(Db& db, ProjectionSlot& slot, uint64_t to,
                               const RebuildProgress& progress) {
  std::string old_cf = slot.CurrentFamily();
  std::string new_cf = NextFamilyName(slot.name, old_cf);
  if (absl::Status s = db.DropFamily(new_cf); !s.ok()) return s;  // a leftover shadow
  auto cf = db.CreateFamily(new_cf);
  if (!cf.ok()) return cf.status();

  rocksdb::WriteBatch batch;
  OverlayWriter rows(&db, *cf, &batch);
  rocksdb::WriteOptions unsynced;
  std::unique_ptr<rocksdb::Iterator> it(db.raw()->NewIterator(rocksdb::ReadOptions(), db.events()));
  uint64_t done = 0;
  RecordedEvent ev;  // decoded into again and again: its memory is reused
  for (it->Seek(PositionKey(1)); it->Valid() && done < to; it->Next()) {
    uint64_t pos = GetBigEndian64(std::string_view(it->key().data(), it->key().size()));
    if (pos > to) break;
    if (absl::Status s =
            DecodeEventInto(std::string_view(it->value().data(), it->value().size()), pos, &ev);
        !s.ok()) {
      return s;
    }
    slot.projector->Apply(ev, rows);
    if (++done % kReplayChunk == 0) {
      if (!rows.status().ok()) return rows.status();
      rows.Flush();
      if (auto s = FromRocks(db.raw()->Write(unsynced, &batch), "rebuild"); !s.ok()) return s;
      batch.Clear();
      if (progress) progress(done, to);
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log for a rebuild");
  if (!rows.status().ok()) return rows.status();
  rows.Flush();
  batch.Put(db.meta(), PointerKey(slot.name), new_cf);
  batch.Put(db.meta(), VersionKey(slot.name), std::to_string(slot.projector->Version()));
  if (!slot.is_inline) {
    std::string cp;
    PutBigEndian64(&cp, done);
    batch.Put(db.meta(), CheckpointKey(new_cf), cp);
  }
  rocksdb::WriteOptions synced;
  synced.sync = true;
  if (auto s = FromRocks(db.raw()->Write(synced, &batch), "rebuild"); !s.ok()) return s;
  {
    absl::MutexLock l(&slot.mu);
    slot.cf_name = new_cf;
    slot.applied = done;
  }
  if (progress) progress(done, to);
  if (!old_cf.empty()) {
    db.raw()->Delete(synced, db.meta(), CheckpointKey(old_cf)).PermitUncheckedError();
    return db.DropFamily(old_cf);
  }
  return absl::OkStatus();
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
