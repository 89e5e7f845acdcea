// Projection plumbing of the RocksDB store: the per-group overlay projectors write through,
// attaching projections at open, rebuilding one into a shadow column family and swapping it in.
// Private to the eventstore module.
//
// Thread-safety: OverlayWriter is single-threaded. RebuildProjection(s) with the slots' own
// projectors runs on the thread that applies them: the writer (or before it starts) for inline
// ones, the follower for async ones. ShadowRebuild with fresh instances may replay on any thread;
// its Swap of inline projections runs on the writer.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rocksdb/write_batch.h"
#include "src/core.h"

namespace proeftuin::eventstore {

// A projector's rows within one batch: writes are held in an overlay that reads see first, and
// Flush() adds each row's last value to the batch once (a row a group or a rebuild chunk writes
// many times, such as a programme's state, costs the memtable one insert, not one per event).
class OverlayWriter : public ProjectionWriter {
 public:
  // `pending`: the events of the commit group being built, applied before this one (the
  // writer's; none for a rebuild or a follower, whose events are all committed). EventAt finds
  // them there.
  OverlayWriter(Db* db, rocksdb::ColumnFamilyHandle* cf, rocksdb::WriteBatch* batch,
                const std::vector<std::shared_ptr<RecordedEvent>>* pending = nullptr)
      : db_(db), cf_(cf), batch_(batch), pending_(pending) {}
  std::optional<std::string> Get(std::string_view key) override;
  void Put(std::string_view key, std::string_view value) override;
  void Delete(std::string_view key) override;
  std::optional<RecordedEvent> EventAt(uint64_t position) override;
  // The first read error (a group with one fails as a whole).
  const absl::Status& status() const { return status_; }
  // Adds the overlay's rows to the batch and empties it; call before writing the batch.
  void Flush();

 private:
  Db* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  rocksdb::WriteBatch* batch_;
  const std::vector<std::shared_ptr<RecordedEvent>>* pending_;
  using Overlay = std::unordered_map<std::string, std::optional<std::string>>;
  Overlay overlay_;
  absl::Status status_;
};

// Points every slot at its current column family. Returns the slots that must be built from
// the log (new projector, or one whose Version() differs from the stored one).
absl::StatusOr<std::vector<ProjectionSlot*>> AttachProjections(StoreCore& core, Db& db);

// A rebuild of one or more projections into new generations (shadows), in steps: the shadows
// are made, the log is replayed into them in one or more passes, and they are swapped in
// together by one synced batch of pointer records. Each record is read and decoded once for
// all the shadows. The projectors it is given may be the slots' own (on the thread that
// applies them) or fresh instances (see Projector::NewInstance); Swap takes each slot's version
// from the slot's own projector. The destructor drops shadows that were not swapped in.
//
// Thread-safety: one thread at a time. Swap of an inline projection must run on the writer
// thread (or before it starts): it changes the family the writer writes to.
class ShadowRebuild {
 public:
  // Makes the shadows: `projectors[i]` replays into a new generation of `slots[i]`.
  static absl::StatusOr<std::unique_ptr<ShadowRebuild>> Start(
      Db& db, const std::vector<ProjectionSlot*>& slots, const std::vector<Projector*>& projectors);
  ~ShadowRebuild();
  ShadowRebuild(const ShadowRebuild&) = delete;
  ShadowRebuild& operator=(const ShadowRebuild&) = delete;

  // Replays positions (replayed(), to] into the shadows. Reports (replayed, to) every few
  // thousand events.
  absl::Status ReplayTo(uint64_t to, const RebuildProgress& progress);
  // For a rebuild beside the writer: `cancel` set stops it with UNAVAILABLE at the next chunk.
  // Its chunks are written at normal priority. RocksDB's `low_pri` writes would have it slow
  // the rebuild rather than the appends when compactions fall behind, but Debian's RocksDB 7.8
  // then asserts that each low-priority batch fits in its 1 MB/s limiter's ~100 KB refill and
  // aborts the process on a chunk's batch of megabytes (seen in `views_bench --phases replay` on
  // 1M events; docs/PERFORMANCE.md), and would hold the rebuild to 1 MB/s meanwhile.
  void RunBesideWriter(const std::atomic<bool>* cancel) { cancel_ = cancel; }
  // The last position replayed (0 before the first).
  uint64_t replayed() const { return replayed_; }
  // Writes what is held and flushes the shadows to table files (Swap does it again, for what
  // was replayed since; calling it first leaves Swap little to flush).
  absl::Status FlushShadows();
  // Writes what is held, flushes the shadows to table files and makes them current. Reports
  // (replayed, replayed) when done.
  absl::Status Swap(const RebuildProgress& progress);

 private:
  struct Shadow {
    ProjectionSlot* slot;
    Projector* projector;
    std::string old_cf, new_cf;
    rocksdb::ColumnFamilyHandle* cf;
    std::unique_ptr<OverlayWriter> rows;
  };
  explicit ShadowRebuild(Db& db);
  absl::Status WriteChunk();

  Db& db_;
  rocksdb::WriteBatch batch_;
  std::vector<Shadow> shadows_;
  uint64_t replayed_ = 0;
  uint64_t chunk_events_ = 0;  // applied since the last chunk was written
  bool swapped_ = false;
  const std::atomic<bool>* cancel_ = nullptr;
};

// Replays log positions [1, to] into a new generation of `slot` and swaps it in (pointer record
// written with sync). Reports progress every few thousand events.
absl::Status RebuildProjection(Db& db, ProjectionSlot& slot, uint64_t to,
                               const RebuildProgress& progress,
                               const std::atomic<bool>* cancel = nullptr);
// The same for several projections in one pass over the log (each record read and decoded
// once), swapped in together by one synced batch of pointer records. All of `slots` must be
// of one kind: inline (on the writer thread) or, at open, async ones from scratch.
// With `cancel`, it stops (UNAVAILABLE, its shadows dropped) at the first chunk after it is set.
absl::Status RebuildProjections(Db& db, const std::vector<ProjectionSlot*>& slots, uint64_t to,
                                const RebuildProgress& progress,
                                const std::atomic<bool>* cancel = nullptr);

// Drops projection column families that no slot serves (left by an interrupted rebuild).
absl::Status DropStaleFamilies(StoreCore& core, Db& db);

// Meta key holding an async projection's checkpoint in column family `cf_name`.
std::string CheckpointKey(const std::string& cf_name);

}  // namespace proeftuin::eventstore
