// Projection plumbing of the RocksDB store: the per-group overlay projectors write through,
// attaching projections at open, rebuilding one into a shadow column family and swapping it in.
// Private to the eventstore module.
//
// Thread-safety: OverlayWriter is single-threaded. RebuildProjection for an inline projection
// runs on the writer thread (or before it starts); for an async one on its follower.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "rocksdb/write_batch.h"
#include "src/core.h"

namespace proeftuin::eventstore {

// A projector's rows within one batch: writes are held in an overlay that reads see first, and
// Flush() adds each row's last value to the batch once (a row a group or a rebuild chunk writes
// many times, such as a programme's state, costs the memtable one insert, not one per event).
class OverlayWriter : public ProjectionWriter {
 public:
  OverlayWriter(Db* db, rocksdb::ColumnFamilyHandle* cf, rocksdb::WriteBatch* batch)
      : db_(db), cf_(cf), batch_(batch) {}
  std::optional<std::string> Get(std::string_view key) override;
  void Put(std::string_view key, std::string_view value) override;
  void Delete(std::string_view key) override;
  // The first read error (a group with one fails as a whole).
  const absl::Status& status() const { return status_; }
  // Adds the overlay's rows to the batch and empties it; call before writing the batch.
  void Flush();

 private:
  Db* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  rocksdb::WriteBatch* batch_;
  using Overlay = std::unordered_map<std::string, std::optional<std::string>>;
  Overlay overlay_;
  absl::Status status_;
};

// Points every slot at its current column family. Returns the slots that must be built from
// the log (new projector, or one whose Version() differs from the stored one).
absl::StatusOr<std::vector<ProjectionSlot*>> AttachProjections(StoreCore& core, Db& db);

// Replays log positions [1, to] into a new generation of `slot` and swaps it in (pointer record
// written with sync). Reports progress every few thousand events.
absl::Status RebuildProjection(Db& db, ProjectionSlot& slot, uint64_t to,
                               const RebuildProgress& progress);
// The same for several projections in one pass over the log (each record read and decoded
// once), swapped in together by one synced batch of pointer records. All of `slots` must be
// of one kind: inline (on the writer thread) or, at open, async ones from scratch.
absl::Status RebuildProjections(Db& db, const std::vector<ProjectionSlot*>& slots, uint64_t to,
                                const RebuildProgress& progress);

// Drops projection column families that no slot serves (left by an interrupted rebuild).
absl::Status DropStaleFamilies(StoreCore& core, Db& db);

// Meta key holding an async projection's checkpoint in column family `cf_name`.
std::string CheckpointKey(const std::string& cf_name);

}  // namespace proeftuin::eventstore
