// Reads, verification, projections and maintenance of the RocksDB store.
#include <algorithm>
#include <filesystem>

#include "rocksdb/utilities/checkpoint.h"
#include "src/reader.h"
#include "src/rocks_store_impl.h"

namespace proeftuin::eventstore {

namespace {

// A request's stored result (or none) as LookupRequest answers it. The result and its events
// are written in one batch: a result whose events the log does not hold (`has_event` answers
// for its last position) is DATA_LOSS, never an answer naming events that are not there.
absl::StatusOr<std::optional<AppendResult>> StoredResult(
    const std::optional<std::string>& v, std::string_view request_id, std::string_view fingerprint,
    const std::function<absl::StatusOr<bool>(uint64_t)>& has_event) {
  if (!v.has_value()) return std::optional<AppendResult>();
  v1::StoredAppendResult s;
  if (!s.ParseFromString(*v)) return absl::DataLossError("stored result of a request is corrupt");
  if (s.last_position() > 0) {
    ASSIGN_OR_RETURN(bool held, has_event(s.last_position()));
    if (!held) {
      return absl::DataLossError(
          "request " + std::string(request_id) + ": its stored result names positions " +
          std::to_string(s.first_position()) + " to " + std::to_string(s.last_position()) +
          ", which the log does not hold (they were deleted afterwards)");
    }
  }
  if (s.fingerprint() != fingerprint) {
    return absl::AlreadyExistsError("PT-REQUEST-REUSED: request_id " + std::string(request_id) +
                                    " was already used for a different command; use a new "
                                    "request id");
  }
  AppendResult r;
  r.first_position = s.first_position();
  r.last_position = s.last_position();
  r.stream_versions.assign(s.stream_versions().begin(), s.stream_versions().end());
  r.committed_at_us = s.committed_at_us();
  r.duplicate = true;
  return std::optional<AppendResult>(std::move(r));
}

}  // namespace

absl::StatusOr<std::optional<AppendResult>> RocksStoreImpl::LookupRequest(
    std::string_view request_id, std::string_view fingerprint) {
  ASSIGN_OR_RETURN(auto db, core_->AcquireDb());
  // Without a snapshot: a batch becomes visible whole, so a read after the one that found the
  // result sees its events.
  ASSIGN_OR_RETURN(auto v,
                   db->Get(db->requests(), rocksdb::Slice(request_id.data(), request_id.size())));
  return StoredResult(v, request_id, fingerprint, [&](uint64_t pos) -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(auto record, db->Get(db->events(), PositionKey(pos)));
    return record.has_value();
  });
}

absl::StatusOr<std::optional<AppendResult>> RocksStoreImpl::LookupRequest(
    ReadView& view, std::string_view request_id, std::string_view fingerprint) {
  auto* rocks_view = dynamic_cast<RocksReadView*>(&view);
  if (rocks_view == nullptr) {
    return absl::InvalidArgumentError("LookupRequest: the view is not from this store");
  }
  // On the view's own instance and snapshot: no AcquireDb, which waits while the store
  // reopens, and a reopen waits for the views to close.
  ASSIGN_OR_RETURN(auto v, rocks_view->StoredRequest(request_id));
  return StoredResult(v, request_id, fingerprint,
                      [rocks_view](uint64_t pos) { return rocks_view->HasEvent(pos); });
}

absl::StatusOr<std::vector<RecordedEvent>> RocksStoreImpl::ReadStream(std::string_view stream,
                                                                      Direction dir,
                                                                      uint64_t from_version,
                                                                      size_t max_count) {
  RETURN_IF_ERROR(ValidateStreamName(stream, "stream"));
  ASSIGN_OR_RETURN(auto db, AcquireCaughtUp());
  absl::StatusOr<std::vector<RecordedEvent>> read =
      ReadStreamOnce(*db, stream, dir, from_version, max_count);
  // A secondary instance reads without a snapshot: a catch-up with the primary between its reads
  // of the head and the index is no loss. Read once more before calling it one.
  if (!read.ok() && read.status().code() == absl::StatusCode::kDataLoss && db->read_only()) {
    read = ReadStreamOnce(*db, stream, dir, from_version, max_count);
  }
  return read;
}

absl::StatusOr<std::vector<RecordedEvent>> RocksStoreImpl::ReadStreamOnce(
    Db& db_ref, std::string_view stream, Direction dir, uint64_t from_version, size_t max_count) {
  Db* db = &db_ref;
  const rocksdb::Snapshot* snap = db->raw()->GetSnapshot();
  struct Release {
    Db* db;
    const rocksdb::Snapshot* s;
    ~Release() { db->raw()->ReleaseSnapshot(s); }
  } release{db, snap};
  ASSIGN_OR_RETURN(auto head_row, db->Get(db->streams(), StreamHeadKey(stream), snap));
  if (!head_row.has_value())
    return absl::NotFoundError("stream " + std::string(stream) + " does not exist");
  ASSIGN_OR_RETURN(StreamHead head, DecodeStreamHead(*head_row));
  StreamIndexWalk walk;
  RETURN_IF_ERROR(ReadStreamIndex(*db, snap, stream, dir, from_version, max_count, &walk));
  std::vector<RecordedEvent> out;
  out.reserve(walk.entries.size());
  absl::Status attached;
  RETURN_IF_ERROR(ReadStreamRecords(*db, snap, stream, walk.entries, [&](RecordedEvent& e) {
    RecordedEvent& kept = out.emplace_back(e);
    attached = AttachPersonal(*db, kept, snap);
    return attached.ok();
  }));
  RETURN_IF_ERROR(attached);
  RETURN_IF_ERROR(CheckStreamHead(stream, head, dir, from_version, walk));
  return out;
}

absl::StatusOr<ReadAllResult> RocksStoreImpl::ReadAll(uint64_t from_position, size_t max_count,
                                                      const EventFilter& filter) {
  ReadAllResult r;
  RETURN_IF_ERROR(ReadAllInto(from_position, max_count, filter, &r));
  return r;
}

namespace {

// The limits of one page of ReadAll: bounded work per call even when the filter matches little.
ScanLimits PageLimits(size_t max_count) {
  ScanLimits limits;
  limits.max_matches = max_count;
  limits.max_scanned = std::max<uint64_t>(max_count * 16, 100'000);
  limits.readahead_bytes = PageReadahead(max_count);
  return limits;
}

}  // namespace

absl::Status RocksStoreImpl::ReadAllInto(uint64_t from_position, size_t max_count,
                                         const EventFilter& filter, ReadAllResult* page) {
  ASSIGN_OR_RETURN(auto db, AcquireCaughtUp());
  return ScanLog(*db, from_position, filter, PageLimits(max_count), nullptr, &page->events,
                 &page->next_position, &page->end_of_log);
}

absl::Status RocksStoreImpl::ReadAllViews(uint64_t from_position, size_t max_count,
                                          const EventFilter& filter, EventPage* page) {
  ASSIGN_OR_RETURN(auto db, AcquireCaughtUp());
  return ScanLogViews(*db, from_position, filter, PageLimits(max_count), nullptr, page);
}

absl::StatusOr<StreamInfo> RocksStoreImpl::GetStreamInfo(std::string_view stream) {
  RETURN_IF_ERROR(ValidateStreamName(stream, "stream"));
  ASSIGN_OR_RETURN(auto db, AcquireCaughtUp());
  ASSIGN_OR_RETURN(auto v, db->Get(db->streams(), StreamHeadKey(stream)));
  if (!v.has_value())
    return absl::NotFoundError("stream " + std::string(stream) + " does not exist");
  ASSIGN_OR_RETURN(StreamHead h, DecodeStreamHead(*v));
  return StreamInfo{std::string(stream), h.version, h.last_position};
}

absl::StatusOr<ChainDigest> RocksStoreImpl::Digest() {
  ASSIGN_OR_RETURN(auto db, AcquireCaughtUp());
  std::unique_ptr<rocksdb::Iterator> it(
      db->raw()->NewIterator(rocksdb::ReadOptions(), db->events()));
  SeekToLastPosition(*it);
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the chain head"));
  ChainDigest d;
  if (!it->Valid()) return d;  // empty log: position 0, zero hash
  d.position = GetBigEndian64(std::string_view(it->key().data(), 8));
  ASSIGN_OR_RETURN(RecordView r,
                   DecodeRecord(std::string_view(it->value().data(), it->value().size())));
  d.hash = r.hash;
  return d;
}

namespace {

// A store that refuses to write because its log lost events (Writer::Refuse) rebuilds nothing
// either: the projections' rows and checkpoints are part of the evidence.
absl::Status RefusedByLoss(const absl::Status& health) {
  return health.code() == absl::StatusCode::kDataLoss ? health : absl::OkStatus();
}

}  // namespace

absl::Status RocksStoreImpl::Rebuild(std::string_view name, RebuildProgress progress) {
  ProjectionSlot* slot = core_->FindSlot(name);
  if (slot == nullptr) return absl::NotFoundError("no projection named " + std::string(name));
  RETURN_IF_ERROR(RefusedByLoss(core_->Health()));
  if (!slot->is_inline) {
    size_t i = 0;  // followers_ are in the order of the async slots
    for (auto& s : core_->slots) {
      if (s->is_inline) continue;
      if (s.get() == slot) return followers_[i]->Rebuild(progress);
      ++i;
    }
  }
  if (writer_ == nullptr) return absl::FailedPreconditionError("the store is open read-only");
  return RebuildInline({slot}, progress);
}

absl::Status RocksStoreImpl::RebuildInline(const std::vector<ProjectionSlot*>& slots,
                                           const RebuildProgress& progress) {
  absl::MutexLock turn(&inline_rebuild_mu_);
  if (core_->rebuilds_stopped.load()) return absl::UnavailableError("the store is shutting down");
  std::vector<std::unique_ptr<Projector>> fresh;
  for (ProjectionSlot* slot : slots) fresh.push_back(slot->projector->NewInstance());
  if (std::any_of(fresh.begin(), fresh.end(), [](const auto& p) { return p == nullptr; })) {
    // A projector that cannot make another instance: the whole replay on the writer thread,
    // with appends waiting.
    return writer_->RunTask([this, &slots, &progress]() -> absl::Status {
      ASSIGN_OR_RETURN(auto db, core_->AcquireDb());
      return RebuildProjections(*db, slots, core_->committed_position.load(), progress,
                                &core_->rebuilds_stopped);
    });
  }
  std::vector<Projector*> projectors;
  for (auto& p : fresh) projectors.push_back(p.get());
  ASSIGN_OR_RETURN(auto db, core_->AcquireDb());
  ASSIGN_OR_RETURN(auto rebuild, ShadowRebuild::Start(*db, slots, projectors));
  rebuild->RunBesideWriter(&core_->rebuilds_stopped);
  // Beside the writer: the log as it is now, then what was appended meanwhile, until little is
  // left (a few passes at most: under appends faster than the replay, the writer does the rest).
  constexpr uint64_t kTail = 4096;
  constexpr int kPasses = 4;
  for (int pass = 0; pass < kPasses; ++pass) {
    const uint64_t head = core_->committed_position.load();
    if (pass > 0 && head - rebuild->replayed() <= kTail) break;
    RETURN_IF_ERROR(rebuild->ReplayTo(head, progress));
    if (pass == 0) RETURN_IF_ERROR(rebuild->FlushShadows());  // so that Swap has little to flush
  }
  // On the writer thread, appends waiting: the rest of the log, then the swap.
  return writer_->RunTask([&]() -> absl::Status {
    ASSIGN_OR_RETURN(auto now, core_->AcquireDb());
    if (now != db) {
      return absl::UnavailableError(
          "the store's database was reopened (after a write error) during the rebuild; run the "
          "rebuild again");
    }
    RETURN_IF_ERROR(rebuild->ReplayTo(core_->committed_position.load(), progress));
    return rebuild->Swap(progress);
  });
}

absl::Status RocksStoreImpl::RebuildAll(RebuildProgress progress) {
  if (writer_ == nullptr) return absl::FailedPreconditionError("the store is open read-only");
  RETURN_IF_ERROR(RefusedByLoss(core_->Health()));
  std::vector<ProjectionSlot*> inline_slots;
  for (auto& s : core_->slots) {
    if (s->is_inline) inline_slots.push_back(s.get());
  }
  // Each pass reports against its own end (the log's end when it starts). The caller sees one
  // count over all passes: those done, this one, and the ones to come estimated at this one's
  // size; the last report has done == total.
  uint64_t before = 0, this_pass = 0;
  size_t passes_left = (inline_slots.empty() ? 0 : 1) + followers_.size();
  RebuildProgress overall;
  if (progress) {
    overall = [&](uint64_t done, uint64_t total) {
      this_pass = total;
      progress(before + done, before + total * passes_left);
    };
  }
  auto pass_done = [&] {
    before += this_pass;
    this_pass = 0;
    --passes_left;
  };
  if (!inline_slots.empty()) {
    RETURN_IF_ERROR(RebuildInline(inline_slots, overall));
    pass_done();
  }
  for (auto& follower : followers_) {
    RETURN_IF_ERROR(follower->Rebuild(overall));
    pass_done();
  }
  return absl::OkStatus();
}

absl::Status RocksStoreImpl::WaitForProjection(std::string_view name, uint64_t position,
                                               absl::Time deadline) {
  ProjectionSlot* slot = core_->FindSlot(name);
  if (slot == nullptr) return absl::NotFoundError("no projection named " + std::string(name));
  if (slot->is_inline) {
    std::atomic<bool> never{false};
    if (core_->committed_position.load() >= position ||
        core_->feed.WaitFor(position, deadline, &never)) {
      return absl::OkStatus();
    }
  } else {
    absl::MutexLock l(&slot->mu);
    auto done = [slot, position]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(slot->mu) { return slot->applied >= position; };
    if (slot->mu.AwaitWithDeadline(absl::Condition(&done), deadline)) return absl::OkStatus();
  }
  return absl::DeadlineExceededError("projection " + std::string(name) +
                                     " has not reached position " + std::to_string(position));
}

StoreStats RocksStoreImpl::Counters() const {
  StoreStats s;
  s.last_position = core_->committed_position.load();
  s.appends = core_->appends.load();
  s.events_appended = core_->events_appended.load();
  s.groups_committed = core_->groups.load();
  s.live_subscriptions = core_->live_subscriptions.load();
  s.read_views_during_write = core_->read_views_during_write.load();
  s.read_views_seeked = core_->read_views_seeked.load();
  s.answers_picked_up_awake = core_->answers_picked_up_awake.load();
  s.appends_picked_up_awake = core_->appends_picked_up_awake.load();
  s.writer_spins_given_up = core_->writer_spins_given_up.load();
  s.async_steps_from_feed = core_->async_steps_from_feed.load();
  s.async_steps_from_log = core_->async_steps_from_log.load();
  s.write_health = WriteHealth();
  return s;
}

StoreStats RocksStoreImpl::Stats() const {
  StoreStats s = Counters();
  std::error_code ec;
  for (const auto& f : std::filesystem::recursive_directory_iterator(core_->options.path, ec)) {
    if (f.is_regular_file(ec)) s.size_on_disk_bytes += f.file_size(ec);
  }
  return s;
}

absl::Status RocksStoreImpl::Checkpoint(const std::string& dir) {
  ASSIGN_OR_RETURN(auto db, core_->AcquireDb());
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db->raw(), &raw), "backup"));
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  RETURN_IF_ERROR(FromRocks(cp->CreateCheckpoint(dir), "backup to " + dir));
  db.reset();
  // Verify what was written: open the copy read-only and check its whole chain.
  RocksStoreOptions o;
  o.path = dir;
  o.read_only = true;
  ASSIGN_OR_RETURN(auto copy, RocksStore::Open(o));
  absl::StatusOr<VerifyResult> verified = copy->Verify(1, 0);
  // An empty store has nothing to verify (OUT_OF_RANGE): its backup is as empty.
  if (verified.status().code() == absl::StatusCode::kOutOfRange && copy->LastPosition() == 0) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(VerifyResult v, std::move(verified));
  if (!v.ok) return absl::DataLossError("the backup in " + dir + " does not verify: " + v.problem);
  return absl::OkStatus();
}

}  // namespace proeftuin::eventstore
