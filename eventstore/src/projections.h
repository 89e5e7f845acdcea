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
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eventstore/record.h"
#include "rocksdb/write_batch.h"
#include "src/core.h"

namespace proeftuin::eventstore {

// The stored records of the positions a rebuild replayed last, by position: a correction names
// an event replayed a little earlier, and reading it again from the log (a point read of its
// 16 KiB block) took an eighth of a replay's time (docs/PERFORMANCE.md, tenth session).
class RecentRecords {
 public:
  static constexpr size_t kCapacity = 4096;
  // Records larger than this are not kept (their slot is emptied): a slot's memory stays.
  static constexpr size_t kMaxRecordBytes = 4 << 10;
  void Add(uint64_t position, std::string_view record);
  // The record at `position` when it is among the last kCapacity added (nullptr otherwise);
  // valid until the next Add.
  const std::string* Find(uint64_t position) const;

 private:
  std::vector<uint64_t> positions_ = std::vector<uint64_t>(kCapacity, 0);
  std::vector<std::string> records_ = std::vector<std::string>(kCapacity);
};

// A projector's rows within one batch: writes are held in an overlay that reads see first, and
// Flush() adds each row's last value to the batch once (a row a group or a rebuild chunk writes
// many times, such as a programme's state, costs the memtable one insert, not one per event).
// For a projector that does not read its own rows (Projector::ReadsOwnRows), the rows are kept
// as written in one buffer instead, and Flush() adds every one of them.
class OverlayWriter : public ProjectionWriter {
 public:
  // `pending`: the events of the commit group being built, applied before this one (the
  // writer's; none for a rebuild or a follower, whose events are all committed). EventAt finds
  // them there.
  // `recent`: a rebuild's records replayed last, which EventAt reads before the log.
  OverlayWriter(Db* db, rocksdb::ColumnFamilyHandle* cf, rocksdb::WriteBatch* batch,
                const std::vector<std::shared_ptr<RecordedEvent>>* pending = nullptr,
                const RecentRecords* recent = nullptr)
      : db_(db), cf_(cf), batch_(batch), pending_(pending), recent_(recent) {}
  // The writer for `projector`'s rows: an overlay, or the rows as written when it does not
  // read them back.
  static std::unique_ptr<OverlayWriter> For(
      const Projector& projector, Db* db, rocksdb::ColumnFamilyHandle* cf,
      rocksdb::WriteBatch* batch,
      const std::vector<std::shared_ptr<RecordedEvent>>* pending = nullptr,
      const RecentRecords* recent = nullptr);
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
  const RecentRecords* recent_;
  // A row as written: its key at `at` in `written_bytes_`, its value right after it.
  struct Written {
    size_t at, key_size, value_size;
    bool deleted;
  };
  std::string_view KeyOf(const Written& w) const {
    return std::string_view(written_bytes_).substr(w.at, w.key_size);
  }
  std::string_view ValueOf(const Written& w) const {
    return std::string_view(written_bytes_).substr(w.at + w.key_size, w.value_size);
  }
  void Write(std::string_view key, std::string_view value, bool deleted);
  void FlushWritten();

  using Overlay = std::unordered_map<std::string, std::optional<std::string>>;
  Overlay overlay_;
  bool as_written_ = false;  // the rows go to written_, not overlay_
  std::vector<Written> written_;
  std::string written_bytes_;
  absl::Status status_;
};

// Points every slot at its current column family. Returns the slots that must be built from
// the log (new projector, or one whose Version() differs from the stored one).
absl::StatusOr<std::vector<ProjectionSlot*>> AttachProjections(StoreCore& core, Db& db);

// A rebuild of one or more projections into new generations (shadows), in steps: the shadows
// are made, the log is replayed into them in one or more passes, and they are swapped in
// together by one synced batch of pointer records. Each record is read and decoded once for
// all the shadows of a thread. The projectors it is given may be the slots' own (on the thread
// that applies them) or fresh instances (see Projector::NewInstance); Swap takes each slot's
// version from the slot's own projector. The destructor drops shadows that were not swapped in.
//
// A long replay runs on RebuildThreads() threads when a projector rebuilds in parts
// (Projector::RebuildsInParts): the calling thread (0) reads the log, applies the other
// projectors and the parts that fall to it, and passes the records of the other parts to the
// threads they fall to, in batches; each applies them through an instance of its own. Such a
// pass goes in rounds (the first a sixteenth of it, each next one an eighth, at least 1,024
// positions each): at the end of each, every thread writes what it holds and thread 0 sets anew
// how many of the parts it keeps, from the CPU time each thread took, so that no thread waits
// for another.
//
// Thread-safety: one thread at a time calls it. Swap of an inline projection must run on the
// writer thread (or before it starts): it changes the family the writer writes to.
class ShadowRebuild {
 public:
  // Makes the shadows: `projectors[i]` replays into a new generation of `slots[i]`.
  static absl::StatusOr<std::unique_ptr<ShadowRebuild>> Start(
      Db& db, const std::vector<ProjectionSlot*>& slots, const std::vector<Projector*>& projectors);
  ~ShadowRebuild();
  ShadowRebuild(const ShadowRebuild&) = delete;
  ShadowRebuild& operator=(const ShadowRebuild&) = delete;

  // Replays positions (replayed(), to] into the shadows, and writes what it holds. Reports
  // (replayed, to) every few thousand events, on the calling thread.
  absl::Status ReplayTo(uint64_t to, const RebuildProgress& progress);
  // For a rebuild beside the writer: `cancel` set stops it with UNAVAILABLE within a few
  // thousand positions.
  // Its chunks are written at normal priority. RocksDB's `low_pri` writes would have it slow
  // the rebuild rather than the appends when compactions fall behind, but Debian's RocksDB 7.8
  // then asserts that each low-priority batch fits in its 1 MB/s limiter's ~100 KB refill and
  // aborts the process on a chunk's batch of megabytes (seen in `views_bench --phases replay` on
  // 1M events; docs/PERFORMANCE.md), and would hold the rebuild to 1 MB/s meanwhile.
  void RunBesideWriter(const std::atomic<bool>* cancel) { cancel_ = cancel; }
  // The last position replayed (0 before the first).
  uint64_t replayed() const { return replayed_; }
  // The threads the last ReplayTo ran on (for tests and benchmarks).
  size_t threads_used() const { return threads_used_; }
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
  };
  // One projector instance of a shadow on one thread.
  struct Lane {
    Projector* projector;  // the shadow's own (thread 0) or `owned`
    std::unique_ptr<Projector> owned;
    bool in_parts;  // applies only the events of its thread's parts (Projector::RebuildsInParts)
    size_t part_lane = 0;  // in_parts: its index among the lanes of every other thread
    std::unique_ptr<OverlayWriter> rows;
  };
  // One thread's share of the replay: its lanes write through its own batch.
  struct Worker {
    std::vector<Lane> lanes;
    rocksdb::WriteBatch batch;
    RecentRecords recent;
    bool whole_headers = false;  // a lane reads the who-and-why fields (ReadsWholeHeader)
    uint64_t chunk_events = 0;   // applied since the last chunk was written
    uint64_t last = 0;           // the last position it replayed (thread 0)
    RecordedEvent event;         // decoded into again and again: its memory is reused
    std::vector<bool> take;      // of the record being applied, by lane
    std::vector<uint32_t> passed_lanes;  // thread 0: by thread, the lanes there that take it
  };
  explicit ShadowRebuild(Db& db);
  struct Passed;
  struct Batch;
  class BatchQueue;
  // A batch goes when it holds this many records or bytes (events may be large).
  static constexpr size_t kBatchRecords = 256;
  static constexpr size_t kBatchBytes = 1 << 20;
  // Thread 0: reads positions (from, to], applies what falls to it and passes the records of
  // the others' parts to their queues, in batches, round by round (see the class comment).
  absl::Status ReadAndApply(uint64_t from, uint64_t to, size_t threads,
                            const RebuildProgress& progress, const std::vector<BatchQueue*>& queues,
                            const std::atomic<bool>& failed);
  // Thread 0 at the end of a round: the other threads' batches sent and applied, every thread's
  // chunk written, and the share of the parts thread 0 keeps set anew from the CPU time each
  // thread took in the round.
  absl::Status EndRound(size_t threads, const std::vector<BatchQueue*>& queues,
                        std::vector<Batch>& batches, uint64_t positions, double* cpu_start);
  // Thread `index` > 0: applies the records thread 0 passed it until the queue is closed; at
  // each round's end it writes what it holds and reports the CPU time it took (EndRound).
  absl::Status ApplyBatches(size_t index, BatchQueue& queue, const std::atomic<bool>& failed);
  // One record read by thread 0: the lanes there that take it apply it; it goes into `batches`
  // for each other thread that takes it (`queues` set).
  absl::Status ApplyRecord(Worker& w, size_t threads, uint64_t pos, std::string_view record,
                           const std::vector<BatchQueue*>* queues, std::vector<Batch>* batches);
  // One record thread 0 passed on, to the lanes it named.
  absl::Status ApplyPassed(Worker& w, const Passed& p, std::string_view record);
  // Decodes a record whose taking lanes are marked in `w.take` and applies it to them. `place`
  // is its header's place, or nullptr when `w.event` already holds the decoded event.
  absl::Status ApplyTaken(Worker& w, uint64_t pos, std::string_view record, const RecordView& r,
                          const HeaderPlace* place);
  absl::Status WriteChunk(Worker& w);

  Db& db_;
  rocksdb::WriteBatch batch_;  // the pointer records of Swap
  std::vector<Shadow> shadows_;
  std::vector<std::unique_ptr<Worker>> workers_;  // [0]: a lane for every shadow
  uint64_t replayed_ = 0;
  size_t threads_used_ = 0;
  // Of 1,000 slots of a part's hash, those whose parts thread 0 applies itself (ThreadOfPart);
  // the rest are spread evenly over the other threads. Set at the end of each round.
  size_t share0_ = 0;
  size_t rounds_ = 0;  // the rounds ended so far, over all passes
  // CPU seconds per position of the rounds so far (-1: none yet): thread 0's own work (reading,
  // routing, the projectors it applies whole, writing its chunks), and all the parts.
  double cost_read_ = -1, cost_parts_ = -1;
  bool swapped_ = false;
  bool broken_ = false;  // a pass failed: its shadows hold part of it
  const std::atomic<bool>* cancel_ = nullptr;
};

// The share of the parts (of 1,000 slots of a part's hash) that thread 0 of a rebuild in parts
// keeps for itself so that n threads take as long: when thread 0's own work (reading the log,
// routing, the projectors it applies whole) costs `read` and all the parts cost `parts` (CPU
// time per position), thread 0 takes read + s * parts and each other thread
// (1 - s) * parts / (n - 1). At most an equal share (1,000 / n).
size_t BalancedShare(double read, double parts, size_t threads);
// Tests only: when set, the share thread 0 keeps in each round instead of the balanced one, by
// the rounds ended so far in the rebuild (0: from its start).
inline std::atomic<size_t (*)(size_t round, size_t threads)> rebuild_share_for_test{nullptr};

// The threads of a long rebuild whose projectors rebuild in parts: one per core, at most 4;
// PROEFTUIN_REBUILD_THREADS=N (1 to 4) in the environment overrides it (read at each rebuild).
unsigned RebuildThreads();
// Tests only: when not 0, the threads of a rebuild (at most 4), before the environment. Tests set
// this instead of the environment: setenv while the store's threads may read the environment is
// a data race.
inline std::atomic<unsigned> rebuild_threads_for_test{0};
// Replays shorter than this stay on one thread.
inline constexpr uint64_t kParallelReplayFrom = 1024;

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
