#include "src/projections.h"

#include <algorithm>
#include <memory>
#include <vector>

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

std::optional<RecordedEvent> OverlayWriter::EventAt(uint64_t position) {
  // An event of the group being built (positions in a group are consecutive), else a committed
  // one.
  if (pending_ != nullptr && !pending_->empty()) {
    const uint64_t first = pending_->front()->position();
    if (position >= first && position - first < pending_->size()) {
      RecordedEvent e = *(*pending_)[position - first];
      e.personal.reset();  // projectors never see personal data
      return e;
    }
  }
  auto record = db_->Get(db_->events(), PositionKey(position));
  if (!record.ok() || !record->has_value()) {
    if (!record.ok() && status_.ok()) status_ = record.status();
    return std::nullopt;
  }
  auto e = DecodeEvent(**record, position);
  if (!e.ok()) {
    if (status_.ok()) status_ = e.status();
    return std::nullopt;
  }
  return *std::move(e);
}

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

ShadowRebuild::ShadowRebuild(Db& db) : db_(db) {}

ShadowRebuild::~ShadowRebuild() {
  // Whatever way it ends, the projectors forget the rows they hold (a no-op after Flush), and
  // a rebuild that did not take effect drops its shadows: their rows, written without the WAL,
  // would otherwise hold back the WAL's deletion until the next open.
  for (Shadow& sh : shadows_) {
    if (sh.rows != nullptr) sh.projector->Flush(*sh.rows);
  }
  if (swapped_) return;
  for (Shadow& sh : shadows_) db_.DropFamily(sh.new_cf).IgnoreError();
}

absl::StatusOr<std::unique_ptr<ShadowRebuild>> ShadowRebuild::Start(
    Db& db, const std::vector<ProjectionSlot*>& slots, const std::vector<Projector*>& projectors) {
  std::unique_ptr<ShadowRebuild> r(new ShadowRebuild(db));
  for (size_t i = 0; i < slots.size(); ++i) {
    Shadow& sh = r->shadows_.emplace_back();
    sh.slot = slots[i];
    sh.projector = projectors[i];
    sh.old_cf = sh.slot->CurrentFamily();
    sh.new_cf = NextFamilyName(sh.slot->name, sh.old_cf);
    RETURN_IF_ERROR(db.DropFamily(sh.new_cf));  // a leftover shadow
    ASSIGN_OR_RETURN(sh.cf, db.CreateFamily(sh.new_cf));
    sh.rows = std::make_unique<OverlayWriter>(&db, sh.cf, &r->batch_);
  }
  return r;
}

// Ends a chunk: the projectors' held rows and the overlays into the batch, the batch written.
// The shadows' rows skip the WAL: they are flushed to table files before the pointer records
// make them current, and a shadow that a crash interrupts is dropped at the next open.
absl::Status ShadowRebuild::WriteChunk() {
  for (Shadow& sh : shadows_) {
    sh.projector->Flush(*sh.rows);
    RETURN_IF_ERROR(sh.rows->status());
    sh.rows->Flush();
  }
  if (cancel_ != nullptr && cancel_->load()) {
    return absl::UnavailableError("the store is closing: the rebuild stopped");
  }
  rocksdb::WriteOptions unsynced;
  unsynced.disableWAL = true;
  RETURN_IF_ERROR(FromRocks(db_.raw()->Write(unsynced, &batch_), "rebuild"));
  batch_.Clear();
  return absl::OkStatus();
}

absl::Status ShadowRebuild::ReplayTo(uint64_t to, const RebuildProgress& progress) {
  if (to <= replayed_) return absl::OkStatus();
  rocksdb::ReadOptions scan;
  scan.fill_cache = false;  // one pass over the whole log: it would only evict the hot rows
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(scan, db_.events()));
  RecordedEvent ev;  // decoded into again and again: its memory is reused
  for (it->Seek(PositionKey(replayed_ + 1)); it->Valid() && replayed_ < to; it->Next()) {
    if (it->key().size() != 8) continue;  // not a position (put there by hand): no event
    uint64_t pos = GetBigEndian64(std::string_view(it->key().data(), it->key().size()));
    if (pos > to) break;
    RETURN_IF_ERROR(
        DecodeEventInto(std::string_view(it->value().data(), it->value().size()), pos, &ev));
    for (Shadow& sh : shadows_) sh.projector->Apply(ev, *sh.rows);
    replayed_ = pos;
    if (++chunk_events_ == kReplayChunk) {
      chunk_events_ = 0;
      RETURN_IF_ERROR(WriteChunk());
      if (progress) progress(replayed_, to);
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log for a rebuild");
  return absl::OkStatus();
}

absl::Status ShadowRebuild::FlushShadows() {
  chunk_events_ = 0;
  RETURN_IF_ERROR(WriteChunk());
  rocksdb::FlushOptions flush;
  flush.wait = true;
  flush.allow_write_stall = true;
  std::vector<rocksdb::ColumnFamilyHandle*> families;
  for (Shadow& sh : shadows_) families.push_back(sh.cf);
  return FromRocks(db_.raw()->Flush(flush, families), "flushing rebuilt projections");
}

absl::Status ShadowRebuild::Swap(const RebuildProgress& progress) {
  RETURN_IF_ERROR(FlushShadows());
  for (Shadow& sh : shadows_) {
    batch_.Put(db_.meta(), PointerKey(sh.slot->name), sh.new_cf);
    batch_.Put(db_.meta(), VersionKey(sh.slot->name),
               std::to_string(sh.slot->projector->Version()));
    if (!sh.slot->is_inline) {
      std::string cp;
      PutBigEndian64(&cp, replayed_);
      batch_.Put(db_.meta(), CheckpointKey(sh.new_cf), cp);
    }
  }
  rocksdb::WriteOptions synced;
  synced.sync = true;
  RETURN_IF_ERROR(FromRocks(db_.raw()->Write(synced, &batch_), "rebuild"));
  batch_.Clear();
  swapped_ = true;
  // Read views opened before this read the old generations for their whole life (their
  // snapshots are older than the rows of the new ones): swaps tells a view being opened that
  // its generations changed under it.
  for (Shadow& sh : shadows_) {
    absl::MutexLock l(&sh.slot->mu);
    sh.slot->cf_name = sh.new_cf;
    sh.slot->applied = replayed_;
    sh.slot->swaps.fetch_add(1);
  }
  if (progress) progress(replayed_, replayed_);
  // The rebuild has taken effect: an old generation that cannot be dropped now is dropped at
  // the next open (DropStaleFamilies), so it does not fail the rebuild. Its handle stays open
  // for the views still reading it (Db::DropFamily). Its checkpoint goes only now, so that a
  // view that took the old generation never finds it gone from its snapshot; a crash before
  // leaves a record no generation reads.
  for (Shadow& sh : shadows_) {
    if (sh.old_cf.empty()) continue;
    if (!sh.slot->is_inline) batch_.Delete(db_.meta(), CheckpointKey(sh.old_cf));
    db_.DropFamily(sh.old_cf).IgnoreError();
  }
  if (batch_.Count() > 0) db_.raw()->Write(rocksdb::WriteOptions(), &batch_).PermitUncheckedError();
  batch_.Clear();
  return absl::OkStatus();
}

absl::Status RebuildProjections(Db& db, const std::vector<ProjectionSlot*>& slots, uint64_t to,
                                const RebuildProgress& progress, const std::atomic<bool>* cancel) {
  if (slots.empty()) return absl::OkStatus();
  std::vector<Projector*> projectors;
  for (ProjectionSlot* slot : slots) projectors.push_back(slot->projector.get());
  ASSIGN_OR_RETURN(auto rebuild, ShadowRebuild::Start(db, slots, projectors));
  if (cancel != nullptr) rebuild->RunBesideWriter(cancel);
  RETURN_IF_ERROR(rebuild->ReplayTo(to, progress));
  return rebuild->Swap(progress);
}

absl::Status RebuildProjection(Db& db, ProjectionSlot& slot, uint64_t to,
                               const RebuildProgress& progress, const std::atomic<bool>* cancel) {
  return RebuildProjections(db, {&slot}, to, progress, cancel);
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
