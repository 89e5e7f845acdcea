// RocksStoreImpl: the RocksDB EventStore, and its snapshot ReadView. Private to the module.
// The open/close path is in rocks_store.cc, reads and verification in store_reads.cc.
//
// Thread-safety: as EventStore (every method thread-safe).
#pragma once

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "eventstore/record.h"
#include "eventstore/rocks_store.h"
#include "eventstore/status_macros.h"
#include "src/codec.h"
#include "src/core.h"
#include "src/follower.h"
#include "src/projections.h"
#include "src/reader.h"
#include "src/subscription.h"
#include "src/verify.h"
#include "src/writer.h"

namespace proeftuin::eventstore {

// A consistent view through a RocksDB snapshot.
class RocksReadView : public ReadView {
 public:
  RocksReadView(std::shared_ptr<StoreCore> core, std::shared_ptr<Db> db)
      : core_(std::move(core)), db_(std::move(db)) {
    // No write began between the two reads of the sequence lock, on the instance appends go
    // to: the snapshot holds exactly the events up to the committed position (core.h,
    // write_seq).
    const uint64_t before = core_->write_seq.load();
    const uint64_t committed = core_->committed_position.load();
    const uint64_t inflight = core_->inflight_position.load();
    snapshot_ = SnapshotWithGenerations();
    if (db_->read_only()) {
      // A secondary instance (a store opened read-only, and the writer's fallback when a reopen
      // after a failed write fails) cannot read at a snapshot: RocksDB answers "snapshot not
      // supported in secondary mode" and the view would see nothing. It changes only when it
      // catches up with the primary, so it reads without one: the state of its last catch-up.
      db_->raw()->ReleaseSnapshot(snapshot_);
      snapshot_ = nullptr;
    }
    const bool unchanged = core_->IsCurrent(db_.get()) && core_->write_seq.load() == before;
    if (before % 2 == 0 && unchanged) {
      position_ = committed;
      return;
    }
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    // One batch was in flight all along (with many writers, nearly always): the snapshot holds
    // all of it or none of it (core.h, inflight_position). A seek to the end would build an
    // iterator over every memtable and table file of the log (docs/PERFORMANCE.md).
    if (before % 2 == 1 && unchanged && inflight > committed && !db_->read_only()) {
      rocksdb::PinnableSlice record;
      rocksdb::Status s = db_->raw()->Get(ro, db_->events(), PositionKey(inflight), &record);
      if (s.ok() || s.IsNotFound()) {
        position_ = s.ok() ? inflight : committed;
        core_->read_views_during_write.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
    core_->read_views_seeked.fetch_add(1, std::memory_order_relaxed);
    std::unique_ptr<rocksdb::Iterator> it(db_->raw()->NewIterator(ro, db_->events()));
    SeekToLastPosition(*it);
    if (it->Valid()) {
      position_ = GetBigEndian64(std::string_view(it->key().data(), 8));
    }
  }
  ~RocksReadView() override {
    if (snapshot_ != nullptr) db_->raw()->ReleaseSnapshot(snapshot_);
  }

  uint64_t position() const override { return position_; }

  absl::StatusOr<std::optional<std::string>> Get(std::string_view projection,
                                                 std::string_view key) override {
    ASSIGN_OR_RETURN(rocksdb::ColumnFamilyHandle * cf, Family(projection));
    return db_->Get(cf, rocksdb::Slice(key.data(), key.size()), snapshot_);
  }

  absl::Status Scan(std::string_view projection, std::string_view prefix,
                    std::string_view start_after,
                    const std::function<bool(std::string_view, std::string_view)>& fn) override {
    ASSIGN_OR_RETURN(rocksdb::ColumnFamilyHandle * cf, Family(projection));
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    std::unique_ptr<rocksdb::Iterator> it(db_->raw()->NewIterator(ro, cf));
    std::string start(start_after.empty() ? prefix : start_after);
    for (it->Seek(start); it->Valid(); it->Next()) {
      std::string_view k(it->key().data(), it->key().size());
      if (k.substr(0, prefix.size()) != prefix) break;
      if (!start_after.empty() && k == start_after) continue;
      if (!fn(k, std::string_view(it->value().data(), it->value().size()))) break;
    }
    return FromRocks(it->status(), "scanning projection " + std::string(projection));
  }

  absl::Status ReadStream(std::string_view stream,
                          const std::function<bool(const RecordedEvent&)>& fn) override {
    // At the view's snapshot: no event after position(). (A secondary reads without one, rows
    // and log alike: both as of its last catch-up.)
    ASSIGN_OR_RETURN(auto head_row, db_->Get(db_->streams(), StreamHeadKey(stream), snapshot_));
    std::optional<StreamHead> head;
    if (head_row.has_value()) {
      ASSIGN_OR_RETURN(head, DecodeStreamHead(*head_row));
    }
    StreamIndexWalk walk;
    RETURN_IF_ERROR(
        ReadStreamIndex(*db_, snapshot_, stream, Direction::kForward, 0, SIZE_MAX, &walk));
    bool stopped = false;
    RETURN_IF_ERROR(
        ReadStreamRecords(*db_, snapshot_, stream, walk.entries, [&fn, &stopped](RecordedEvent& e) {
          stopped = !fn(e);
          return !stopped;
        }));
    if (stopped) return absl::OkStatus();
    absl::Status checked = CheckStreamHead(stream, head, Direction::kForward, 0, walk);
    if (checked.ok() || snapshot_ != nullptr) return checked;
    // A secondary reads without a snapshot: a catch-up with the primary between the reads of the
    // head and the index is no loss. Both read again, in the same order, once; the events given
    // to `fn` were a consistent prefix of the stream.
    ASSIGN_OR_RETURN(head_row, db_->Get(db_->streams(), StreamHeadKey(stream), snapshot_));
    head.reset();
    if (head_row.has_value()) {
      ASSIGN_OR_RETURN(head, DecodeStreamHead(*head_row));
    }
    StreamIndexWalk again;
    RETURN_IF_ERROR(
        ReadStreamIndex(*db_, snapshot_, stream, Direction::kForward, 0, SIZE_MAX, &again));
    return CheckStreamHead(stream, head, Direction::kForward, 0, again);
  }

  absl::StatusOr<std::optional<RecordedEvent>> EventAt(uint64_t position) override {
    if (position == 0) return std::optional<RecordedEvent>();
    ASSIGN_OR_RETURN(auto record, db_->Get(db_->events(), PositionKey(position), snapshot_));
    if (!record.has_value()) return std::optional<RecordedEvent>();
    ASSIGN_OR_RETURN(RecordedEvent e, DecodeEvent(*record, position));
    return std::optional<RecordedEvent>(std::move(e));
  }

  // The stored result of `request_id` in this snapshot (a serialized v1::StoredAppendResult).
  absl::StatusOr<std::optional<std::string>> StoredRequest(std::string_view request_id) {
    return db_->Get(db_->requests(), rocksdb::Slice(request_id.data(), request_id.size()),
                    snapshot_);
  }

  // Whether this snapshot holds a record at `position`.
  absl::StatusOr<bool> HasEvent(uint64_t position) {
    ASSIGN_OR_RETURN(auto record, db_->Get(db_->events(), PositionKey(position), snapshot_));
    return record.has_value();
  }

  absl::StatusOr<uint64_t> ProjectionPosition(std::string_view projection) override {
    ASSIGN_OR_RETURN(const Generation* g, Find(projection));
    if (g->slot->is_inline) return position_;
    auto cp = db_->Get(db_->meta(), CheckpointKey(g->cf != nullptr ? g->cf->GetName() : g->cf_name),
                       snapshot_);
    if (!cp.ok()) return cp.status();
    return cp->has_value() && (*cp)->size() == 8 ? GetBigEndian64(**cp) : 0;
  }

 private:
  // A projection's column family as it was when the view took its snapshot.
  struct Generation {
    const ProjectionSlot* slot;
    rocksdb::ColumnFamilyHandle* cf;  // nullptr: not built; kept open by db_ after a drop
    uint64_t swaps;
    std::string cf_name;  // only when cf is nullptr (otherwise cf->GetName())
  };

  // Takes the snapshot with the generation of every projection current at it, which the view
  // reads for its whole life: a rebuild that swaps a new one in later must not make the view
  // read the new family at its older snapshot (where the rows are not yet) nor lose the old
  // one. A swap changes a slot's family and then its `swaps` before anything is written to the
  // new family alone (ShadowRebuild::Swap): families read before the snapshot whose `swaps` are
  // unchanged after it were current at it. Otherwise (a swap meanwhile, rare) it tries again.
  const rocksdb::Snapshot* SnapshotWithGenerations() {
    // Every call opens a view: no copy of a family's name unless it is not built.
    generations_.reserve(core_->slots.size());
    for (;;) {
      generations_.clear();
      for (const auto& slot : core_->slots) {
        Generation& g = generations_.emplace_back();
        g.slot = slot.get();
        absl::MutexLock l(&slot->mu);
        g.swaps = slot->swaps.load();
        g.cf = db_->Family(slot->cf_name);  // the slot's lock, then the Db's: never the other way
        if (g.cf == nullptr) g.cf_name = slot->cf_name;
      }
      const rocksdb::Snapshot* snapshot = db_->raw()->GetSnapshot();
      bool unchanged = true;
      for (const Generation& g : generations_) unchanged &= g.slot->swaps.load() == g.swaps;
      if (unchanged) return snapshot;
      db_->raw()->ReleaseSnapshot(snapshot);
    }
  }

  absl::StatusOr<const Generation*> Find(std::string_view projection) const {
    for (const Generation& g : generations_) {
      if (g.slot->name == projection) return &g;
    }
    return absl::NotFoundError("no projection " + std::string(projection));
  }

  absl::StatusOr<rocksdb::ColumnFamilyHandle*> Family(std::string_view projection) const {
    ASSIGN_OR_RETURN(const Generation* g, Find(projection));
    if (g->cf == nullptr) {
      return absl::UnavailableError("projection " + g->slot->name + " is not built");
    }
    return g->cf;
  }

  std::shared_ptr<StoreCore> core_;
  std::shared_ptr<Db> db_;               // also keeps the families of generations_ open
  std::vector<Generation> generations_;  // one per core_->slots
  const rocksdb::Snapshot* snapshot_;
  uint64_t position_ = 0;
};

class RocksStoreImpl : public RocksStore {
 public:
  explicit RocksStoreImpl(std::shared_ptr<StoreCore> core) : core_(std::move(core)) {}
  ~RocksStoreImpl() override { Close(); }

  absl::Status Init();

  absl::StatusOr<AppendResult> Append(AppendRequest request) override {
    std::promise<absl::StatusOr<AppendResult>> promise;
    auto future = promise.get_future();
    AppendAsync(std::move(request),
                [&promise](absl::StatusOr<AppendResult> r) { promise.set_value(std::move(r)); });
    return future.get();
  }

  void AppendAsync(AppendRequest request,
                   std::function<void(absl::StatusOr<AppendResult>)> done) override {
    if (writer_ == nullptr) {
      return done(absl::FailedPreconditionError("the store is open read-only"));
    }
    if (absl::Status s = ValidateAppend(request); !s.ok()) return done(s);
    writer_->Enqueue(std::move(request), std::move(done));
  }

  absl::StatusOr<std::optional<AppendResult>> LookupRequest(std::string_view request_id,
                                                            std::string_view fingerprint) override;
  absl::StatusOr<std::optional<AppendResult>> LookupRequest(ReadView& view,
                                                            std::string_view request_id,
                                                            std::string_view fingerprint) override;
  absl::StatusOr<std::vector<RecordedEvent>> ReadStream(std::string_view stream, Direction dir,
                                                        uint64_t from_version,
                                                        size_t max_count) override;
  // One read of a stream: its head, index and records at one snapshot, the index checked.
  absl::StatusOr<std::vector<RecordedEvent>> ReadStreamOnce(Db& db, std::string_view stream,
                                                            Direction dir, uint64_t from_version,
                                                            size_t max_count);
  absl::StatusOr<ReadAllResult> ReadAll(uint64_t from_position, size_t max_count,
                                        const EventFilter& filter) override;
  absl::Status ReadAllInto(uint64_t from_position, size_t max_count, const EventFilter& filter,
                           ReadAllResult* page) override;
  absl::Status ReadAllViews(uint64_t from_position, size_t max_count, const EventFilter& filter,
                            EventPage* page) override;
  absl::StatusOr<StreamInfo> GetStreamInfo(std::string_view stream) override;
  uint64_t LastPosition() const override { return core_->committed_position.load(); }
  bool WaitForCommit(uint64_t position, absl::Time deadline) const override {
    if (core_->committed_position.load() >= position) return true;
    const std::atomic<bool> never{false};
    return core_->feed.WaitFor(position, deadline, &never);
  }

  std::unique_ptr<Subscription> Subscribe(SubscribeOptions options) override {
    return std::make_unique<LogSubscription>(core_, std::move(options));
  }

  absl::StatusOr<VerifyResult> Verify(uint64_t from, uint64_t to) override {
    ASSIGN_OR_RETURN(auto db, AcquireCaughtUp());
    return VerifyLog(*db, from, to, nullptr);
  }
  absl::StatusOr<ChainDigest> Digest() override;
  absl::StatusOr<VerifyResult> VerifyExtends(const ChainDigest& published) override {
    ASSIGN_OR_RETURN(auto db, AcquireCaughtUp());
    return VerifyLog(*db, 1, 0, &published);
  }

  absl::StatusOr<std::unique_ptr<ReadView>> OpenReadView() override {
    ASSIGN_OR_RETURN(auto db, AcquireCaughtUp());
    return std::unique_ptr<ReadView>(new RocksReadView(core_, std::move(db)));
  }
  absl::Status Rebuild(std::string_view name, RebuildProgress progress) override;
  absl::Status RebuildAll(RebuildProgress progress) override;
  absl::Status WaitForProjection(std::string_view name, uint64_t position,
                                 absl::Time deadline) override;

  absl::Status WriteHealth() const override {
    if (writer_ == nullptr) return absl::FailedPreconditionError("the store is open read-only");
    return core_->Health();
  }
  StoreStats Stats() const override;
  StoreStats Counters() const override;

  void Close() override;
  void StopRebuilds() override { core_->rebuilds_stopped.store(true); }
  std::string StoreId() const override { return store_id_; }
  VerifyResult StartupCheck() const override { return startup_; }
  absl::Status Checkpoint(const std::string& dir) override;

 private:
  absl::StatusOr<std::shared_ptr<Db>> AcquireCaughtUp() {
    ASSIGN_OR_RETURN(auto db, core_->AcquireDb());
    if (db->read_only()) {
      RETURN_IF_ERROR(db->CatchUp());
      // A secondary sees new events only after catching up: move the committed position too.
      std::unique_ptr<rocksdb::Iterator> it(db->raw()->NewIterator(rocksdb::ReadOptions(), db->events()));
      SeekToLastPosition(*it);
      if (it->Valid()) {
        core_->committed_position.store(GetBigEndian64(std::string_view(it->key().data(), 8)));
      }
    }
    return db;
  }

  // Rebuilds `slots` (inline) into new generations; see Rebuild and RebuildAll.
  absl::Status RebuildInline(const std::vector<ProjectionSlot*>& slots,
                             const RebuildProgress& progress);

  std::shared_ptr<StoreCore> core_;
  std::unique_ptr<Writer> writer_;
  // One inline rebuild at a time: two would make shadows of the same name. Close (and
  // StopRebuilds) sets core_->rebuilds_stopped (a rebuild stops at its next chunk); Close then
  // waits for the rebuild to end.
  absl::Mutex inline_rebuild_mu_;
  std::vector<std::unique_ptr<AsyncFollower>> followers_;
  std::string store_id_;
  VerifyResult startup_;
  bool closed_ = false;
};

}  // namespace proeftuin::eventstore
