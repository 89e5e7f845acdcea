#include "src/projections.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/mutex.h"
#include "eventstore/record.h"
#include "eventstore/status_macros.h"
#include "src/codec.h"
#include "src/scan_prefetch.h"

namespace proeftuin::eventstore {
namespace {

// Events a rebuild's thread applies between writes of what it holds (a few hundred streams'
// states each time, however many events), and records read between progress reports (and
// checks for a stop).
constexpr uint64_t kReplayChunk = 16384;
constexpr uint64_t kProgressEvery = 4096;
// How far past the start of the table file being scanned the log's files are read ahead.
constexpr uint64_t kPrefetchAhead = uint64_t{64} << 20;

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

void RecentRecords::Add(uint64_t position, std::string_view record) {
  const size_t slot = position % kCapacity;
  if (record.size() > kMaxRecordBytes) {
    positions_[slot] = 0;
    std::string().swap(records_[slot]);
    return;
  }
  positions_[slot] = position;
  records_[slot].assign(record.data(), record.size());
}

const std::string* RecentRecords::Find(uint64_t position) const {
  const size_t slot = position % kCapacity;
  if (position == 0 || positions_[slot] != position) return nullptr;
  return &records_[slot];
}

std::unique_ptr<OverlayWriter> OverlayWriter::For(
    const Projector& projector, Db* db, rocksdb::ColumnFamilyHandle* cf,
    rocksdb::WriteBatch* batch, const std::vector<std::shared_ptr<RecordedEvent>>* pending,
    const RecentRecords* recent) {
  auto w = std::make_unique<OverlayWriter>(db, cf, batch, pending, recent);
  w->as_written_ = !projector.ReadsOwnRows();
  return w;
}

std::optional<std::string> OverlayWriter::Get(std::string_view key) {
  if (as_written_) {  // the last write of `key`, if any: a look at every write (rare by contract)
    for (auto w = written_.rbegin(); w != written_.rend(); ++w) {
      if (KeyOf(*w) != key) continue;
      if (w->deleted) return std::nullopt;
      return std::string(ValueOf(*w));
    }
  } else if (auto it = overlay_.find(std::string(key)); it != overlay_.end()) {
    return it->second;
  }
  auto v = db_->Get(cf_, rocksdb::Slice(key.data(), key.size()));
  if (!v.ok()) {
    if (status_.ok()) status_ = v.status();
    return std::nullopt;
  }
  return *std::move(v);
}

void OverlayWriter::Write(std::string_view key, std::string_view value, bool deleted) {
  written_.push_back({written_bytes_.size(), key.size(), value.size(), deleted});
  written_bytes_.append(key).append(value);
}

void OverlayWriter::Put(std::string_view key, std::string_view value) {
  if (as_written_) return Write(key, value, false);
  auto [it, added] = overlay_.try_emplace(std::string(key));
  if (it->second.has_value()) {
    it->second->assign(value);  // reuses the row's memory
  } else {
    it->second.emplace(value);
  }
}

void OverlayWriter::Delete(std::string_view key) {
  if (as_written_) return Write(key, {}, true);
  overlay_[std::string(key)] = std::nullopt;
}

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
  if (const std::string* recent = recent_ != nullptr ? recent_->Find(position) : nullptr) {
    auto e = DecodeEvent(*recent, position);
    if (!e.ok()) {
      if (status_.ok()) status_ = e.status();
      return std::nullopt;
    }
    return *std::move(e);
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

void OverlayWriter::FlushWritten() {
  // In key order (see Flush); a key written twice keeps its writes in order, and in a batch the
  // later one wins.
  std::stable_sort(written_.begin(), written_.end(),
                   [this](const Written& a, const Written& b) { return KeyOf(a) < KeyOf(b); });
  for (const Written& w : written_) {
    const std::string_view key = KeyOf(w), value = ValueOf(w);
    const rocksdb::Slice k(key.data(), key.size());
    if (w.deleted) {
      batch_->Delete(cf_, k);
    } else {
      batch_->Put(cf_, k, rocksdb::Slice(value.data(), value.size()));
    }
  }
  written_.clear();
  written_bytes_.clear();
}

void OverlayWriter::Flush() {
  if (as_written_) return FlushWritten();
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

namespace {

// A pass on several threads goes in rounds (ReadAndApply, EndRound): the first a sixteenth of
// the pass, each next one an eighth, at least this many positions each. Eighths, not rounds
// twice as long as the one before: the share set after a quarter of the pass held for its
// second half, whatever the costs did meanwhile (the first rounds of the first rebuild in a
// process pay for first touches of memory on thread 0). A round's end costs a few ms.
constexpr uint64_t kFirstRound = 1024;

// The share of the parts (of 1,000 slots of a part's hash) thread 0 starts a rebuild with. Low:
// it also reads the log for all, and on two cores that alone costs about what all the parts do
// (docs/PERFORMANCE.md, eleventh session). The rounds then balance it.
size_t FirstShare(size_t threads) { return 100 / threads; }

// The thread a part falls to: thread 0 for the first `share0` slots of its hash, the other
// slots spread evenly over the other threads.
size_t ThreadOfPart(size_t hash, size_t threads, size_t share0) {
  if (threads <= 1) return 0;
  const size_t slot = hash % 1000;
  return slot < share0 ? 0 : 1 + (slot - share0) % (threads - 1);
}

double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

size_t BalancedShare(double read, double parts, size_t threads) {
  if (threads < 2 || !(parts > 0) || !(read >= 0)) return 0;
  const double n = static_cast<double>(threads);
  const double balanced = (parts - (n - 1) * read) / (n * parts);
  return static_cast<size_t>(std::clamp(balanced, 0.0, 1 / n) * 1000 + 0.5);
}

unsigned RebuildThreads() {
  if (const unsigned n = rebuild_threads_for_test.load(); n != 0) return std::min(n, 4u);
  if (const char* t = std::getenv("PROEFTUIN_REBUILD_THREADS"); t != nullptr && *t != '\0') {
    const int n = std::atoi(t);
    if (n >= 1) return static_cast<unsigned>(std::min(n, 4));
  }
  return std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
}

ShadowRebuild::ShadowRebuild(Db& db) : db_(db) {}

ShadowRebuild::~ShadowRebuild() {
  // Whatever way it ends, the projectors forget the rows they hold (a no-op after Flush), and
  // a rebuild that did not take effect drops its shadows: their rows, written without the WAL,
  // would otherwise hold back the WAL's deletion until the next open.
  for (auto& w : workers_) {
    for (Lane& lane : w->lanes) lane.projector->Flush(*lane.rows);
  }
  if (swapped_) return;
  for (Shadow& sh : shadows_) db_.DropFamily(sh.new_cf).IgnoreError();
}

absl::StatusOr<std::unique_ptr<ShadowRebuild>> ShadowRebuild::Start(
    Db& db, const std::vector<ProjectionSlot*>& slots, const std::vector<Projector*>& projectors) {
  std::unique_ptr<ShadowRebuild> r(new ShadowRebuild(db));
  r->shadows_.reserve(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    Shadow& sh = r->shadows_.emplace_back();
    sh.slot = slots[i];
    sh.projector = projectors[i];
    // The live projector replaying into a new generation (at open, or a projector without
    // NewInstance): what it knew of the live rows does not hold for the shadow's.
    if (sh.projector == sh.slot->projector.get()) sh.projector->Swapped();
    sh.old_cf = sh.slot->CurrentFamily();
    sh.new_cf = NextFamilyName(sh.slot->name, sh.old_cf);
    RETURN_IF_ERROR(db.DropFamily(sh.new_cf));  // a leftover shadow
    ASSIGN_OR_RETURN(sh.cf, db.CreateFamily(sh.new_cf));
  }
  // Thread 0 applies every shadow; the others, instances of those that rebuild in parts.
  const unsigned threads = RebuildThreads();
  // (At most 32 of them: a passed record names the lanes that take it in one word.)
  std::vector<std::vector<std::unique_ptr<Projector>>> instances(r->shadows_.size());
  size_t in_parts = 0;
  for (size_t i = 0; i < r->shadows_.size(); ++i) {
    Projector* p = r->shadows_[i].projector;
    if (threads < 2 || !p->RebuildsInParts() || in_parts == 32) continue;
    for (unsigned t = 1; t < threads; ++t) instances[i].push_back(p->NewInstance());
    if (std::any_of(instances[i].begin(), instances[i].end(),
                    [](const auto& q) { return q == nullptr; })) {
      instances[i].clear();  // all of it on thread 0
    } else {
      ++in_parts;
    }
  }
  for (unsigned t = 0; t < threads; ++t) {
    auto w = std::make_unique<Worker>();
    size_t part_lanes = 0;
    for (size_t i = 0; i < r->shadows_.size(); ++i) {
      const bool in_parts = !instances[i].empty();
      if (t > 0 && !in_parts) continue;
      Lane& lane = w->lanes.emplace_back();
      if (in_parts) lane.part_lane = part_lanes++;
      if (t == 0) {
        lane.projector = r->shadows_[i].projector;
      } else {
        lane.owned = std::move(instances[i][t - 1]);
        lane.projector = lane.owned.get();
      }
      lane.in_parts = in_parts;
      lane.rows = OverlayWriter::For(*lane.projector, &db, r->shadows_[i].cf, &w->batch, nullptr,
                                     &w->recent);
      w->whole_headers |= lane.projector->ReadsWholeHeader();
    }
    if (t > 0 && w->lanes.empty()) break;
    r->workers_.push_back(std::move(w));
  }
  auto* const pinned = rebuild_share_for_test.load();
  r->share0_ = pinned != nullptr ? pinned(0, r->workers_.size()) : FirstShare(r->workers_.size());
  return r;
}

// Ends a chunk of one thread: the projectors' held rows and the overlays into its batch, the
// batch written. The shadows' rows skip the WAL: they are flushed to table files before the
// pointer records make them current, and a shadow that a crash interrupts is dropped at the
// next open.
absl::Status ShadowRebuild::WriteChunk(Worker& w) {
  w.chunk_events = 0;
  for (Lane& lane : w.lanes) {
    lane.projector->Flush(*lane.rows);
    RETURN_IF_ERROR(lane.rows->status());
    lane.rows->Flush();
  }
  if (cancel_ != nullptr && cancel_->load()) {
    return absl::UnavailableError("the store is closing: the rebuild stopped");
  }
  if (w.batch.Count() == 0) return absl::OkStatus();
  rocksdb::WriteOptions unsynced;
  unsynced.disableWAL = true;
  RETURN_IF_ERROR(FromRocks(db_.raw()->Write(unsynced, &w.batch), "rebuild"));
  w.batch.Clear();
  return absl::OkStatus();
}

// A record thread 0 passes to another thread: the lanes there that take it (the receiver does
// not ask the projectors again; the share of the parts changes only between rounds) and, when
// it fits, the place of its header that thread 0 scanned, its views as offsets into the record
// (the receiver does not scan it again). One cache line: thread 0 writes one for each record
// it passes, and each write to a line the receiver read before waits for the other core.
struct alignas(64) ShadowRebuild::Passed {
  uint64_t position = 0;
  uint64_t stream_version = 0;
  int64_t recorded_at_us = 0;
  size_t end = 0;      // of its record in the batch's bytes
  uint32_t lanes = 0;  // bit i: the receiver's lane i takes it
  uint32_t schema_version = 0;
  int32_t confidentiality = 0;
  uint32_t stream_at = 0, type_at = 0, occurred_on_at = 0;
  uint8_t stream_size = 0, type_size = 0, occurred_on_size = 0;
  bool placed = false;  // the fields above hold the place; else the receiver scans the header
  bool has_occurred_on = false, has_personal = false;

  // Whether the place fits; then it is kept.
  bool Keep(std::string_view record, const HeaderPlace& p) {
    auto at = [&](std::string_view part, uint32_t* offset, uint8_t* size) {
      if (part.size() > 255) return false;
      *offset = part.empty() ? 0 : static_cast<uint32_t>(part.data() - record.data());
      *size = static_cast<uint8_t>(part.size());
      return true;
    };
    if (record.size() > UINT32_MAX || !at(p.stream, &stream_at, &stream_size) ||
        !at(p.type, &type_at, &type_size) ||
        !at(p.occurred_on, &occurred_on_at, &occurred_on_size)) {
      return false;
    }
    stream_version = p.stream_version;
    recorded_at_us = p.recorded_at_us;
    schema_version = p.schema_version;
    confidentiality = p.confidentiality;
    has_occurred_on = p.has_occurred_on;
    has_personal = p.has_personal;
    return placed = true;
  }
  HeaderPlace Place(std::string_view record) const {
    HeaderPlace p;
    p.position = position;
    p.stream = record.substr(stream_at, stream_size);
    p.stream_version = stream_version;
    p.type = record.substr(type_at, type_size);
    p.schema_version = schema_version;
    p.recorded_at_us = recorded_at_us;
    p.has_occurred_on = has_occurred_on;
    p.occurred_on = record.substr(occurred_on_at, occurred_on_size);
    p.confidentiality = confidentiality;
    p.has_personal = has_personal;
    return p;
  }
};

// Records thread 0 read for another thread: their bytes one after another. The last batch of a
// round says so.
struct ShadowRebuild::Batch {
  std::string bytes;
  std::vector<Passed> passed;
  bool round_end = false;
};

// From thread 0 to one other thread, at most kInFlight batches waiting; emptied batches go back
// to be filled again (their memory reused).
class ShadowRebuild::BatchQueue {
 public:
  static constexpr size_t kInFlight = 8;
  // Waits while kInFlight batches wait. False when the consumer stopped.
  bool Push(Batch&& b) {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(
        +[](BatchQueue* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mu_) {
          return q->stopped_ || q->full_.size() < kInFlight;
        },
        this));
    if (stopped_) return false;
    full_.push_back(std::move(b));
    return true;
  }
  // The next batch; nullopt once the producer closed the queue and all were taken.
  std::optional<Batch> Pop() {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(
        +[](BatchQueue* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mu_) {
          return q->closed_ || !q->full_.empty();
        },
        this));
    if (full_.empty()) return std::nullopt;
    Batch b = std::move(full_.front());
    full_.pop_front();
    return b;
  }
  void Give(Batch&& b) {
    b.bytes.clear();
    b.passed.clear();
    b.round_end = false;
    absl::MutexLock l(&mu_);
    free_.push_back(std::move(b));
  }
  Batch Take() {
    absl::MutexLock l(&mu_);
    if (free_.empty()) return Batch();
    Batch b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  // The consumer, when it has applied a round and written its chunk: the CPU time it took.
  void EndRound(double cpu_seconds) {
    absl::MutexLock l(&mu_);
    round_cpu_ = cpu_seconds;
    round_done_ = true;
  }
  // Thread 0: waits for the consumer's EndRound. Nullopt when the consumer stopped.
  std::optional<double> AwaitRound() {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(
        +[](BatchQueue* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mu_) {
          return q->stopped_ || q->round_done_;
        },
        this));
    if (stopped_) return std::nullopt;
    round_done_ = false;
    return round_cpu_;
  }
  void Close() {
    absl::MutexLock l(&mu_);
    closed_ = true;
  }
  void Stop() {
    absl::MutexLock l(&mu_);
    stopped_ = true;
  }

 private:
  absl::Mutex mu_;
  std::deque<Batch> full_ ABSL_GUARDED_BY(mu_);
  std::vector<Batch> free_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool round_done_ ABSL_GUARDED_BY(mu_) = false;
  double round_cpu_ ABSL_GUARDED_BY(mu_) = 0;
};

absl::Status ShadowRebuild::ApplyRecord(Worker& w, size_t threads, uint64_t pos,
                                        std::string_view record,
                                        const std::vector<BatchQueue*>* queues,
                                        std::vector<Batch>* batches) {
  // Which lanes take the event, from its stream and type: most of the events are another
  // thread's, or of no interest to the projectors here, and are not decoded here.
  RecordView r;
  RETURN_IF_ERROR(SplitRecord(record, pos, &r));
  HeaderPlace place;
  bool decoded = false;
  if (!ScanPlainHeaderPlace(r.header_bytes, &place)) {
    RETURN_IF_ERROR(DecodeEventInto(record, pos, &w.event));  // the parser decides
    place.stream = w.event.header.stream();
    place.type = w.event.header.type();
    decoded = true;
  } else if (place.position != pos) {  // checked for every record, wanted or not
    return absl::DataLossError("position " + std::to_string(pos) + ": header names position " +
                               std::to_string(place.position));
  }
  const std::hash<std::string_view> hash;
  w.take.assign(w.lanes.size(), false);
  w.passed_lanes.assign(threads, 0);
  bool any = false;
  uint32_t others = 0;  // the other threads to pass it to
  for (size_t i = 0; i < w.lanes.size(); ++i) {
    const Lane& lane = w.lanes[i];
    if (!lane.projector->Wants(place.stream, place.type)) continue;
    size_t t = 0;
    if (threads > 1 && lane.in_parts) {
      // Two threads and none of the parts here: no need to find the part.
      t = threads == 2 && share0_ == 0
              ? 1
              : ThreadOfPart(hash(lane.projector->PartOf(place.stream)), threads, share0_);
    }
    if (t == 0) {
      w.take[i] = true;
      any = true;
    } else {
      others |= 1u << t;
      w.passed_lanes[t] |= uint32_t{1} << lane.part_lane;
    }
  }
  for (size_t t = 1; t < threads && others != 0; ++t) {
    if ((others & (1u << t)) == 0) continue;
    Batch& b = (*batches)[t];
    b.bytes.append(record);
    Passed& p = b.passed.emplace_back();
    p.position = pos;
    p.end = b.bytes.size();
    p.lanes = w.passed_lanes[t];
    if (!decoded) p.Keep(record, place);
    if (b.passed.size() == kBatchRecords || b.bytes.size() >= kBatchBytes) {
      if (!(*queues)[t]->Push(std::move(b))) {
        return absl::CancelledError("another thread of the rebuild failed");
      }
      b = (*queues)[t]->Take();
    }
  }
  if (!any) return absl::OkStatus();
  return ApplyTaken(w, pos, record, r, decoded ? nullptr : &place);
}

absl::Status ShadowRebuild::ApplyPassed(Worker& w, const Passed& p, std::string_view record) {
  static_assert(sizeof(Passed) == 64);
  w.take.resize(w.lanes.size());
  for (size_t i = 0; i < w.lanes.size(); ++i) w.take[i] = ((p.lanes >> i) & 1) != 0;
  if (!p.placed) {  // the parser decided on thread 0, or a view was too long to pass: rare
    RETURN_IF_ERROR(DecodeEventInto(record, p.position, &w.event));
    return ApplyTaken(w, p.position, record, RecordView(), nullptr);
  }
  RecordView r;
  RETURN_IF_ERROR(SplitRecord(record, p.position, &r));
  const HeaderPlace place = p.Place(record);
  return ApplyTaken(w, p.position, record, r, &place);
}

absl::Status ShadowRebuild::ApplyTaken(Worker& w, uint64_t pos, std::string_view record,
                                       const RecordView& r, const HeaderPlace* place) {
  if (place != nullptr) {
    RETURN_IF_ERROR(w.whole_headers ? DecodeEventInto(record, pos, &w.event)
                                    : DecodeEventFromPlace(r, *place, pos, &w.event));
  }
  w.recent.Add(pos, record);  // before Apply: an Add invalidates what EventAt found
  for (size_t i = 0; i < w.lanes.size(); ++i) {
    if (w.take[i]) w.lanes[i].projector->Apply(w.event, *w.lanes[i].rows);
  }
  if (++w.chunk_events == kReplayChunk) RETURN_IF_ERROR(WriteChunk(w));
  return absl::OkStatus();
}

absl::Status ShadowRebuild::EndRound(size_t threads, const std::vector<BatchQueue*>& queues,
                                     std::vector<Batch>& batches, uint64_t positions,
                                     double* cpu_start) {
  for (size_t t = 1; t < threads; ++t) {
    batches[t].round_end = true;
    if (!queues[t]->Push(std::move(batches[t]))) {
      return absl::CancelledError("another thread of the rebuild failed");
    }
    batches[t] = queues[t]->Take();
  }
  RETURN_IF_ERROR(WriteChunk(*workers_[0]));
  const double cpu0 = ThreadCpuSeconds() - *cpu_start;
  double others = 0;
  for (size_t t = 1; t < threads; ++t) {
    std::optional<double> cpu = queues[t]->AwaitRound();
    if (!cpu.has_value()) return absl::CancelledError("another thread of the rebuild failed");
    others += *cpu;
  }
  // What the round cost per position: the parts, from what the other threads took for their
  // (1 - s) of them; thread 0's own work, from what it took beyond its s of them. Averaged with
  // the rounds before, the last one weighing three quarters: the costs drift as the shadows'
  // memtables fill, and one round may be slow on a busy machine.
  const double s = static_cast<double>(share0_) / 1000, count = static_cast<double>(positions);
  if (positions > 0 && others > 0 && s < 1) {
    const double parts = others / (1 - s) / count;
    const double read = std::max(0.0, cpu0 / count - s * parts);
    const bool first = cost_parts_ < 0;
    cost_parts_ = first ? parts : (cost_parts_ + 3 * parts) / 4;
    cost_read_ = first ? read : (cost_read_ + 3 * read) / 4;
    // Every part's rows are written: any part may go to another thread from here on.
    share0_ = BalancedShare(cost_read_, cost_parts_, threads);
  }
  ++rounds_;
  if (auto* const pinned = rebuild_share_for_test.load()) share0_ = pinned(rounds_, threads);
  *cpu_start = ThreadCpuSeconds();
  return absl::OkStatus();
}

absl::Status ShadowRebuild::ReadAndApply(uint64_t from, uint64_t to, size_t threads,
                                         const RebuildProgress& progress,
                                         const std::vector<BatchQueue*>& queues,
                                         const std::atomic<bool>& failed) {
  Worker& w = *workers_[0];
  const QuietPerfCountersHere quiet;  // on the caller's thread
  rocksdb::ReadOptions scan;
  scan.fill_cache = false;  // one pass over the whole log: it would only evict the hot rows
  // Read in 1 MiB steps rather than a system call per 16 KiB block (about 6 % faster on 1M
  // events, docs/PERFORMANCE.md).
  scan.readahead_size = 1 << 20;
  // The log's files read into the page cache ahead of the scan: from a cold cache the scan
  // would otherwise wait for the disk at each 1 MiB step (docs/PERFORMANCE.md).
  ScanPrefetcher prefetch(db_.raw(), db_.events(), PositionKey(from + 1), PositionKey(to),
                          to - from >= kPrefetchMinKeys ? kPrefetchAhead : 0);
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(scan, db_.events()));
  std::vector<Batch> batches(threads);
  for (size_t t = 1; t < threads; ++t) batches[t] = queues[t]->Take();
  uint64_t read = 0, round_read = 0;  // records read: in all, and before this round
  uint64_t round = std::max(kFirstRound, (to - from) / 16), round_end = from + round;
  double cpu_start = ThreadCpuSeconds();
  for (it->Seek(PositionKey(from + 1)); it->Valid(); it->Next()) {
    if (it->key().size() != 8) continue;  // not a position (put there by hand): no event
    uint64_t pos = GetBigEndian64(std::string_view(it->key().data(), it->key().size()));
    if (pos > to) break;
    if (threads > 1 && pos > round_end) {
      RETURN_IF_ERROR(EndRound(threads, queues, batches, read - round_read, &cpu_start));
      round_read = read;
      round = std::max(kFirstRound, (to - from) / 8);
      round_end = pos - 1 + round;
    }
    w.last = pos;
    ++read;
    RETURN_IF_ERROR(ApplyRecord(w, threads, pos,
                                std::string_view(it->value().data(), it->value().size()),
                                threads > 1 ? &queues : nullptr, &batches));
    if (read % kProgressEvery == 0) {
      prefetch.Reached(std::string_view(it->key().data(), it->key().size()));
      if (cancel_ != nullptr && cancel_->load()) {
        return absl::UnavailableError("the store is closing: the rebuild stopped");
      }
      if (failed.load()) return absl::CancelledError("another thread of the rebuild failed");
      if (progress) progress(pos, to);
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log for a rebuild");
  for (size_t t = 1; t < threads; ++t) {
    if (!batches[t].passed.empty() && !queues[t]->Push(std::move(batches[t]))) {
      return absl::CancelledError("another thread of the rebuild failed");
    }
  }
  // What it holds is written at the end of each pass: the next one may give a part to another
  // thread.
  return WriteChunk(w);
}

absl::Status ShadowRebuild::ApplyBatches(size_t index, BatchQueue& queue,
                                         const std::atomic<bool>& failed) {
  Worker& w = *workers_[index];
  QuietPerfCounters();
  double cpu_start = ThreadCpuSeconds();
  while (std::optional<Batch> b = queue.Pop()) {
    if (failed.load()) return absl::CancelledError("another thread of the rebuild failed");
    size_t begin = 0;
    for (const Passed& p : b->passed) {
      RETURN_IF_ERROR(ApplyPassed(w, p, std::string_view(b->bytes).substr(begin, p.end - begin)));
      begin = p.end;
    }
    const bool round_end = b->round_end;
    queue.Give(*std::move(b));
    if (round_end) {
      RETURN_IF_ERROR(WriteChunk(w));
      const double now = ThreadCpuSeconds();
      queue.EndRound(now - cpu_start);
      cpu_start = now;
    }
  }
  if (failed.load()) return absl::CancelledError("another thread of the rebuild failed");
  return WriteChunk(w);
}

absl::Status ShadowRebuild::ReplayTo(uint64_t to, const RebuildProgress& progress) {
  if (broken_) return absl::FailedPreconditionError("a pass of this rebuild failed");
  if (to <= replayed_) return absl::OkStatus();
  const uint64_t from = replayed_;
  const size_t threads = to - from >= kParallelReplayFrom ? workers_.size() : 1;
  threads_used_ = threads;
  std::atomic<bool> failed{false};
  std::vector<absl::Status> results(threads);
  std::vector<std::unique_ptr<BatchQueue>> owned;
  std::vector<BatchQueue*> queues(threads, nullptr);
  for (size_t t = 1; t < threads; ++t) {
    queues[t] = owned.emplace_back(std::make_unique<BatchQueue>()).get();
  }
  std::vector<std::thread> others;
  // However this returns (a thread that fails to start throws): the queues closed, the
  // threads joined.
  absl::Cleanup join = [&] {
    for (size_t t = 1; t < threads; ++t) queues[t]->Close();
    for (std::thread& t : others) {
      if (t.joinable()) t.join();
    }
  };
  for (size_t t = 1; t < threads; ++t) {
    others.emplace_back([&, t] {
      results[t] = ApplyBatches(t, *queues[t], failed);
      if (!results[t].ok()) {
        failed.store(true);
        queues[t]->Stop();  // thread 0 waits for it no longer
      }
    });
  }
  results[0] = ReadAndApply(from, to, threads, progress, queues, failed);
  if (!results[0].ok()) failed.store(true);
  std::move(join).Invoke();
  // The first error that is not another thread's stop. The shadows then hold part of a pass:
  // the rebuild can neither go on nor be swapped in.
  for (const absl::Status& r : results) {
    if (!r.ok() && !absl::IsCancelled(r)) {
      broken_ = true;
      return r;
    }
  }
  for (const absl::Status& r : results) {
    if (!r.ok()) {
      broken_ = true;
      return r;
    }
  }
  replayed_ = std::max(from, workers_[0]->last);
  return absl::OkStatus();
}

absl::Status ShadowRebuild::FlushShadows() {
  if (broken_) return absl::FailedPreconditionError("a pass of this rebuild failed");
  for (auto& w : workers_) RETURN_IF_ERROR(WriteChunk(*w));
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
  // Before any view can open the new generations: what the live projectors knew of the old
  // rows does not hold for them.
  for (Shadow& sh : shadows_) sh.slot->projector->Swapped();
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
