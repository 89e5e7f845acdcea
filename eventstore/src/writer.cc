#include "src/writer.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "eventstore/record.h"
#include "eventstore/wal_fs.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "src/log_end.h"
#include "src/projections.h"

namespace proeftuin::eventstore {
namespace {

constexpr int64_t kRecoveryIntervalUs = 200'000;

// While RocksDB cannot be reopened for writing (the disk failed again after the probe, or a
// nearly full disk took the probe but not the reopen), a read-only instance keeps the reads
// going until a later attempt succeeds. Null when even that cannot open.
std::shared_ptr<Db> ReadOnlyInstance(DbOptions o) {
  o.read_only = true;
  o.create_if_missing = false;
  auto db = Db::Open(o);
  return db.ok() ? *std::move(db) : nullptr;
}

std::string Actual(const std::optional<StreamHead>& head) {
  return head ? "version " + std::to_string(head->version) : "NO_STREAM (it does not exist)";
}

bool Satisfies(const ExpectedVersion& e, const std::optional<StreamHead>& head) {
  switch (e.kind) {
    case ExpectedVersion::Kind::kAny:
      return true;
    case ExpectedVersion::Kind::kNoStream:
      return !head.has_value();
    case ExpectedVersion::Kind::kStreamExists:
      return head.has_value();
    case ExpectedVersion::Kind::kExact:
      return head.has_value() && head->version == e.version;
  }
  return false;
}

AppendResult FromStored(const v1::StoredAppendResult& s) {
  AppendResult r;
  r.first_position = s.first_position();
  r.last_position = s.last_position();
  r.stream_versions.assign(s.stream_versions().begin(), s.stream_versions().end());
  r.committed_at_us = s.committed_at_us();
  r.duplicate = true;
  return r;
}

}  // namespace

struct Writer::Group {
  struct Outcome {
    enum class Kind { kResolved, kWritten, kDuplicateOf };
    Kind kind = Kind::kResolved;
    absl::StatusOr<AppendResult> result;  // kUnknown until processed (no message: no allocation)
    size_t of = 0;
  };
  std::shared_ptr<Db> db;
  rocksdb::WriteBatch batch;
  uint64_t next_position = 1;
  Digest head{};
  int64_t recorded_us = 0;
  // Keyed by views of the group's own requests' strings, which outlive the group.
  absl::flat_hash_map<std::string_view, std::optional<StreamHead>> streams;
  absl::flat_hash_map<std::string_view, std::pair<size_t, const std::string*>> requests;
  std::vector<std::pair<ProjectionSlot*, std::unique_ptr<OverlayWriter>>> overlays;
  std::vector<std::shared_ptr<RecordedEvent>> events;
  std::vector<Outcome> outcomes;
};

namespace {
constexpr uint64_t kIdleSinglesToSpin = 3;  // groups of one, each after the writer waited idle
// Spins that reached the limit in a row (a disk whose fsync takes longer) after which the
// writer asks for no more, except once every kSpinRetryGroups qualifying groups.
constexpr int kSpinTimeoutsToStop = 3;
constexpr uint64_t kSpinRetryGroups = 256;

// CPUs this process may run on (affinity, e.g. taskset or systemd's CPUAffinity).
int UsableCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  return CPU_COUNT(&set);
}

// Spins until done() or limit_us have passed (checking the clock every 64 rounds). False at the
// limit.
template <typename Done>
bool SpinUntil(Done done, int64_t limit_us) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(limit_us);
  for (uint32_t i = 1;; ++i) {
    if (done()) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if (i % 64 == 0 && std::chrono::steady_clock::now() > deadline) return false;
  }
}
}  // namespace

Writer::Writer(StoreCore* core)
    : core_(core),
      spin_acks_(core->options.ack_spin_limit_us > 0 && UsableCpus() >= 2),
      spin_writer_(core->options.writer_spin_limit_us > 0 && UsableCpus() >= 2) {}

absl::Status Writer::Start() {
  auto db = core_->AcquireDb();
  if (!db.ok()) return db.status();
  if (absl::Status s = LoadState(**db); !s.ok()) return s;
  core_->committed_position.store(last_position_);
  core_->write_seq.store(2);  // even: the position above is the database's
  acker_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "pt-acker");  // names for top -H and perf
    // Like the writer's (below): each answer wakes a gRPC thread, and at the same priority the
    // woken thread took the CPU from the acknowledger between one answer and the next (2,000
    // preemptions in 2 s of 64 clients; `perf record -e sched:sched_switch`). Raised, it answers
    // the whole group first.
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), -5);
    AckLoop();
  });
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "pt-writer");
    QuietPerfCounters();
    // The single writer is the serial point of every append: let it win the CPU from caller
    // threads when the process may raise a thread's priority (root, CAP_SYS_NICE); harmless
    // otherwise.
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), -5);
    Loop();
  });
  return absl::OkStatus();
}

void Writer::Enqueue(AppendRequest request, AppendCallback done) {
  {
    absl::MutexLock l(&mu_);
    if (!stopping_) {
      queue_.push_back({std::move(request), std::move(done)});
      posted_.fetch_add(1, std::memory_order_release);
      return;
    }
  }
  done(absl::UnavailableError("the store is shutting down"));
}

absl::Status Writer::RunTask(std::function<absl::Status()> task) {
  absl::Status result;
  bool finished = false;
  absl::MutexLock l(&mu_);
  if (stopping_) return absl::UnavailableError("the store is shutting down");
  tasks_.push_back({std::move(task), &result, &finished});
  posted_.fetch_add(1, std::memory_order_release);
  mu_.Await(absl::Condition(&finished));
  return result;
}

void Writer::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
    posted_.fetch_add(1, std::memory_order_release);
  }
  if (thread_.joinable()) thread_.join();
  {
    absl::MutexLock l(&ack_mu_);
    ack_stop_ = true;  // after the writer: every answer it queued is still given
  }
  if (acker_.joinable()) acker_.join();
}

void Writer::Loop() {
  for (;;) {
    std::vector<Pending> group;
    std::deque<Task> tasks;
    bool waited = false;  // nothing was queued when the writer came back for more
    bool spun_awake = false;           // the spin below ended with something posted
    if (!healthy_) idle_singles_ = 0;  // a failed write ends the streak of lone appends
    // After lone appends at low load the next one is awaited awake first (see posted_). Not
    // when something was left when the writer last took its queue (appends beyond
    // max_group_requests, a stop that came with the last append): posted_seen_ counts those.
    if (spin_writer_ && healthy_ && !left_over_ && idle_singles_ >= kIdleSinglesToSpin &&
        (work_spin_timeouts_ < kSpinTimeoutsToStop || idle_singles_ % kSpinRetryGroups == 0) &&
        posted_.load(std::memory_order_acquire) == posted_seen_) {
      waited = true;
      spun_awake = SpinForWork();
      work_spin_timeouts_ = spun_awake ? 0 : work_spin_timeouts_ + 1;
      if (!spun_awake) core_->writer_spins_given_up.fetch_add(1, std::memory_order_relaxed);
    }
    {
      absl::MutexLock l(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || !tasks_.empty() || stopping_;
      };
      waited = waited || !ready();
      if (healthy_) {
        mu_.Await(absl::Condition(&ready));
      } else {
        mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Microseconds(kRecoveryIntervalUs));
      }
      tasks.swap(tasks_);
      size_t n = std::min(queue_.size(), core_->options.max_group_requests);
      for (size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      posted_seen_ = posted_.load(std::memory_order_relaxed);
      left_over_ = !queue_.empty() || stopping_;
      if (spun_awake) {
        core_->appends_picked_up_awake.fetch_add(group.size(), std::memory_order_relaxed);
      }
      if (group.empty() && tasks.empty() && stopping_) {
        stopped_ = true;
        return;
      }
    }
    for (Task& t : tasks) {
      absl::Status s = t.fn();
      absl::MutexLock l(&mu_);
      *t.result = std::move(s);
      *t.finished = true;
    }
    if (!healthy_ && group.empty()) Recover().IgnoreError();
    if (!group.empty()) {
      // One caller at a time, the writer idle before each: a core is free during the fsync.
      idle_singles_ = waited && group.size() == 1 ? idle_singles_ + 1 : 0;
      bool spin = spin_acks_ && healthy_ && idle_singles_ >= kIdleSinglesToSpin &&
                  (ack_spin_timeouts_.load(std::memory_order_relaxed) < kSpinTimeoutsToStop ||
                   idle_singles_ % kSpinRetryGroups == 0);
      if (spin) ExpectAnswersSoon();
      ProcessGroup(group);
      if (spin) {
        absl::MutexLock l(&ack_mu_);  // the acknowledger's Await condition reads it
        ack_spin_.store(false, std::memory_order_release);
      }
    }
  }
}

void Writer::FailAll(std::vector<Pending>& pending, const absl::Status& s) {
  std::vector<Reply> replies;
  for (Pending& p : pending) replies.push_back({std::move(p.done), s});
  Deliver(std::move(replies));
}

void Writer::ProcessGroup(std::vector<Pending>& pending) {
  if (!refused_.ok()) return FailAll(pending, refused_);
  if (!healthy_ && !Recover().ok()) return FailAll(pending, core_->Health());
  auto db = core_->AcquireDb();
  if (!db.ok()) return FailAll(pending, db.status());
  Group g;
  g.db = *std::move(db);
  g.next_position = last_position_ + 1;
  g.head = head_;
  g.recorded_us = std::max(core_->Now(), last_recorded_us_);
  for (auto& slot : core_->slots) {
    if (!slot->is_inline) continue;
    rocksdb::ColumnFamilyHandle* cf = g.db->Family(slot->CurrentFamily());
    if (cf == nullptr) {
      return FailAll(pending, absl::InternalError("projection " + slot->name + " has no rows"));
    }
    g.overlays.emplace_back(
        slot.get(), OverlayWriter::For(*slot->projector, g.db.get(), cf, &g.batch, &g.events));
  }
  g.outcomes.resize(pending.size());
  for (size_t i = 0; i < pending.size(); ++i) Admit(g, i, pending[i].request);

  if (!g.events.empty()) {
    absl::Status s;
    for (auto& [slot, rows] : g.overlays) {
      slot->projector->Flush(*rows);
      if (s.ok()) s = rows->status();
      rows->Flush();
    }
    if (!refused_.ok()) {
      // A check of this group found the log shorter than the store's rows say (Refuse):
      // nothing of it is written.
      for (auto& o : g.outcomes) o.result = refused_;
    } else {
      WriteGroup(g, s);
    }
  }
  // A duplicate copies the answer of the append it repeats (an earlier one of the group)
  // before any answer is moved into its reply.
  for (auto& o : g.outcomes) {
    if (o.kind != Group::Outcome::Kind::kDuplicateOf) continue;
    o.result = g.outcomes[o.of].result;
    if (o.result.ok()) o.result->duplicate = true;
  }
  std::vector<Reply> replies;
  replies.reserve(pending.size());
  for (size_t i = 0; i < pending.size(); ++i) {
    replies.push_back({std::move(pending[i].done), std::move(g.outcomes[i].result)});
  }
  Deliver(std::move(replies));
}

void Writer::WriteGroup(Group& g, absl::Status s) {
  if (s.ok()) {
    // The commit mark, atomic with the events (log_end.h).
    g.batch.Put(g.db->meta(), kMetaHead, EncodeCommitMark(g.next_position - 1, g.head));
    rocksdb::WriteOptions w;
    w.sync = true;
    core_->inflight_position.store(g.next_position - 1);
    core_->write_seq.fetch_add(1);  // odd: a batch in flight
    s = FromRocks(g.db->raw()->Write(w, &g.batch), "the store cannot write");
  }
  if (s.ok()) {
    Commit(g);
    core_->write_seq.fetch_add(1);  // even again; a failed batch keeps it odd until Reloaded
    for (auto& [slot, rows] : g.overlays) slot->projector->Committed(g.next_position - 1);
    return;
  }
  healthy_ = false;
  // No batch is in flight any more: read views seek until the store is reloaded.
  core_->inflight_position.store(0);
  core_->SetHealth(s);
  streams_.clear();
  // Every append of the group fails, not only those in the batch: a version conflict, a
  // duplicate or a reused request id may have been found against the group's own appends,
  // which were never written (docs/DESIGN.md: a failed write fails its whole group).
  for (auto& o : g.outcomes) o.result = s;
}

absl::Status Writer::Refuse(absl::Status why) {
  return RunTask([this, why] {
    RefuseHere(why);
    return absl::OkStatus();
  });
}

void Writer::RefuseHere(absl::Status why) {
  if (!refused_.ok()) return;  // the first reason stays
  refused_ = std::move(why);
  core_->SetHealth(refused_);
}

void Writer::Deliver(std::vector<Reply> replies) {
  // Waking every caller costs a futex call each: the acknowledger thread does it, so the writer
  // starts on the next group at once (the fsync that covers them is done).
  absl::MutexLock l(&ack_mu_);
  ack_queue_.push_back(std::move(replies));
  ack_queued_.store(ack_queue_.size(), std::memory_order_release);
}

void Writer::ExpectAnswersSoon() {
  absl::MutexLock l(&ack_mu_);  // the acknowledger wakes during the fsync, not after it
  ack_spin_.store(true, std::memory_order_release);
}

bool Writer::SpinForAnswers() {
  return SpinUntil(
      [this] {
        return ack_queued_.load(std::memory_order_acquire) > 0 ||
               !ack_spin_.load(std::memory_order_acquire);
      },
      core_->options.ack_spin_limit_us);
}

bool Writer::SpinForWork() {
  return SpinUntil([this] { return posted_.load(std::memory_order_acquire) != posted_seen_; },
                   core_->options.writer_spin_limit_us);
}

void Writer::AckLoop() {
  bool may_spin = true;  // false after a spin reached its limit, until the next answer
  bool awake = false;    // the last spin ended with an answer queued
  for (;;) {
    std::vector<Reply> batch;
    {
      absl::MutexLock l(&ack_mu_);
      auto ready = [this, &may_spin]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(ack_mu_) {
        return !ack_queue_.empty() || ack_stop_ ||
               (may_spin && ack_spin_.load(std::memory_order_acquire));
      };
      ack_mu_.Await(absl::Condition(&ready));
      if (!ack_queue_.empty()) {
        batch = std::move(ack_queue_.front());
        ack_queue_.pop_front();
        ack_queued_.store(ack_queue_.size(), std::memory_order_release);
      } else if (ack_stop_) {
        return;
      }
    }
    if (batch.empty()) {  // a group is in flight at low load: wait for its answers awake
      may_spin = SpinForAnswers();
      if (may_spin) {
        ack_spin_timeouts_.store(0, std::memory_order_relaxed);
      } else {
        ack_spin_timeouts_.fetch_add(1, std::memory_order_relaxed);
      }
      awake = ack_queued_.load(std::memory_order_acquire) > 0;
      continue;
    }
    if (awake) core_->answers_picked_up_awake.fetch_add(1, std::memory_order_relaxed);
    awake = false;
    may_spin = true;
    if (core_->options.before_acks) core_->options.before_acks();
    for (auto& a : batch) a.done(std::move(a.result));
    if (core_->options.after_acks) core_->options.after_acks();
  }
}

void Writer::Admit(Group& g, size_t index, AppendRequest& r) {
  auto& out = g.outcomes[index];
  auto reused = [&r] {
    return absl::AlreadyExistsError("PT-REQUEST-REUSED: request_id " + r.request_id +
                                    " was already used for a different command; use a new "
                                    "request id");
  };
  if (auto it = g.requests.find(r.request_id); it != g.requests.end()) {
    if (*it->second.second == r.fingerprint) {
      out.kind = Group::Outcome::Kind::kDuplicateOf;
      out.of = it->second.first;
    } else {
      out.result = reused();
    }
    return;
  }
  auto stored = g.db->Get(g.db->requests(), r.request_id);
  if (!stored.ok()) {
    out.result = stored.status();
    return;
  }
  if (stored->has_value()) {
    v1::StoredAppendResult s;
    if (!s.ParseFromString(**stored)) {
      out.result = absl::DataLossError("stored result of request " + r.request_id + " is corrupt");
    } else if (s.last_position() > last_position_) {
      // Written in one batch with its events: the log lost them afterwards.
      RefuseHere(absl::DataLossError(
          "request " + r.request_id + ": its stored result names positions " +
          std::to_string(s.first_position()) + " to " + std::to_string(s.last_position()) +
          ", but the log ends at position " + std::to_string(last_position_) +
          " (events were deleted afterwards); the store refuses to write over them"));
      out.result = refused_;
    } else if (s.fingerprint() != r.fingerprint) {
      out.result = reused();
    } else {
      out.result = FromStored(s);
    }
    return;
  }
  if (absl::Status s = CheckExpectations(g, r); !s.ok()) {
    out.result = s;
    return;
  }
  AppendResult result;
  Build(g, r, &result);
  out.kind = Group::Outcome::Kind::kWritten;
  out.result = std::move(result);
  g.requests[r.request_id] = {index, &r.fingerprint};
}

absl::Status Writer::CheckExpectations(Group& g, const AppendRequest& r) {
  auto check = [&](const std::string& stream, const ExpectedVersion& e) -> absl::Status {
    auto head = Lookup(g, stream);
    if (!head.ok()) return head.status();
    if (Satisfies(e, *head)) return absl::OkStatus();
    return absl::AbortedError("PT-VERSION-CONFLICT: wrong expected version for stream " + stream +
                              ": expected " + e.ToString() + ", actual " + Actual(*head));
  };
  for (const auto& a : r.appends) {
    if (absl::Status s = check(a.stream, a.expected); !s.ok()) return s;
  }
  for (const auto& c : r.checks) {
    if (absl::Status s = check(c.stream, c.expected); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<StreamHead>> Writer::Lookup(Group& g, const std::string& stream) {
  if (auto it = g.streams.find(stream); it != g.streams.end()) return it->second;
  std::optional<StreamHead> head;
  if (auto it = streams_.find(stream); it != streams_.end()) {
    head = it->second;
  } else {
    auto v = g.db->Get(g.db->streams(), StreamHeadKey(stream));
    if (!v.ok()) return v.status();
    if (v->has_value()) {
      auto h = DecodeStreamHead(**v);
      if (!h.ok()) return h.status();
      head = *h;
      if (head->last_position > last_position_) {
        // Written in one batch with the stream's events: the log lost them afterwards.
        RefuseHere(absl::DataLossError(
            "stream " + stream + ": its head names position " +
            std::to_string(head->last_position) + " (version " + std::to_string(head->version) +
            "), but the log ends at position " + std::to_string(last_position_) +
            " (events were deleted afterwards); the store refuses to write over them"));
        return refused_;
      }
    }
  }
  g.streams[stream] = head;
  return head;
}

// Moves out of `r` what the written events take (their types, payloads, actor, reason and ids):
// the request is not read again once built, except for its request id, fingerprint and stream
// names, which the group's maps point at and which are only copied.
void Writer::Build(Group& g, AppendRequest& r, AppendResult* result) {
  result->first_position = g.next_position;
  result->committed_at_us = g.recorded_us;
  v1::StoredAppendResult stored;
  stored.set_fingerprint(r.fingerprint);
  stored.set_first_position(g.next_position);
  stored.set_committed_at_us(g.recorded_us);
  for (size_t ai = 0; ai < r.appends.size(); ++ai) {
    StreamAppend& a = r.appends[ai];
    std::optional<StreamHead>& head = g.streams[a.stream];  // filled by CheckExpectations
    uint64_t version = head ? head->version + 1 : 0;
    for (size_t ei = 0; ei < a.events.size(); ++ei) {
      NewEvent& e = a.events[ei];
      // The request's own fields go to every event: moved into the last one only.
      const bool last = ai + 1 == r.appends.size() && ei + 1 == a.events.size();
      uint64_t pos = g.next_position++;
      auto ev = std::make_shared<RecordedEvent>();
      v1::EventHeader& h = ev->header;
      h.set_position(pos);
      h.set_stream(a.stream);
      h.set_stream_version(version);
      h.set_event_id(e.event_id.empty() ? uuids_.Next() : std::move(e.event_id));
      h.set_type(std::move(e.type));
      h.set_schema_version(e.schema_version);
      h.set_recorded_at_us(g.recorded_us);
      if (e.occurred_on) {
        *h.mutable_occurred_on() = *e.occurred_on;
      } else if (r.occurred_on) {
        *h.mutable_occurred_on() = *r.occurred_on;
      }
      if (last) {
        *h.mutable_actor() = std::move(r.actor);
        h.set_reason(e.reason.empty() ? std::move(r.reason) : std::move(e.reason));
        h.set_correlation_id(std::move(r.correlation_id));
        h.set_causation_id(std::move(r.causation_id));
      } else {
        *h.mutable_actor() = r.actor;
        h.set_reason(e.reason.empty() ? r.reason : std::move(e.reason));
        h.set_correlation_id(r.correlation_id);
        h.set_causation_id(r.causation_id);
      }
      h.set_request_id(r.request_id);
      h.set_confidentiality(e.confidentiality);
      h.set_previous_hash(std::string(AsStringView(g.head)));
      h.set_has_personal(!e.personal.empty());
      std::string header_bytes = h.SerializeAsString();
      ev->personal_digest = e.personal.empty() ? EmptyDigest() : Sha256Of(e.personal);
      ev->hash = ChainHash(g.head, header_bytes, Sha256Of(e.payload), ev->personal_digest);
      g.head = ev->hash;
      std::string key = PositionKey(pos);
      g.batch.Put(g.db->events(), key,
                  EncodeRecord(header_bytes, e.payload, ev->personal_digest, ev->hash));
      if (!e.personal.empty()) g.batch.Put(g.db->personal(), key, e.personal);
      g.batch.Put(g.db->streams(), StreamVersionKey(a.stream, version), key);
      ev->payload = std::move(e.payload);
      // Projectors never see personal data: rebuilt rows must equal live ones, and personal
      // data may be erased later.
      for (auto& [slot, rows] : g.overlays) slot->projector->Apply(*ev, *rows);
      if (!e.personal.empty()) ev->personal = std::move(e.personal);
      g.events.push_back(std::move(ev));
      ++version;
    }
    head = StreamHead{version - 1, g.next_position - 1};
    g.batch.Put(g.db->streams(), StreamHeadKey(a.stream), EncodeStreamHead(*head));
    v1::StreamVersion sv;
    sv.set_stream(a.stream);
    sv.set_version(version - 1);
    *stored.add_stream_versions() = sv;
    result->stream_versions.push_back(std::move(sv));
  }
  result->last_position = g.next_position - 1;
  stored.set_last_position(result->last_position);
  g.batch.Put(g.db->requests(), r.request_id, stored.SerializeAsString());
}

void Writer::Commit(Group& g) {
  last_position_ = g.next_position - 1;
  head_ = g.head;
  last_recorded_us_ = g.recorded_us;
  if (streams_.size() > 100'000) streams_.clear();
  for (auto& [stream, head] : g.streams) {
    if (!head) continue;
    // absl's own string_view (Debian builds Abseil without std::string_view): no copy to look up.
    if (auto it = streams_.find(absl::string_view(stream.data(), stream.size())); it != streams_.end()) {
      it->second = *head;
    } else {
      streams_.emplace(std::string(stream), *head);
    }
  }
  core_->committed_position.store(last_position_);
  core_->groups.fetch_add(1, std::memory_order_relaxed);
  core_->events_appended.fetch_add(g.events.size(), std::memory_order_relaxed);
  size_t written = 0;
  for (const auto& o : g.outcomes) written += o.kind == Group::Outcome::Kind::kWritten;
  core_->appends.fetch_add(written, std::memory_order_relaxed);
  std::vector<EventPtr> published(g.events.begin(), g.events.end());
  core_->feed.Publish(published);
}

absl::Status Writer::LoadState(Db& db) {
  std::unique_ptr<rocksdb::Iterator> it(db.raw()->NewIterator(rocksdb::ReadOptions(), db.events()));
  SeekToLastPosition(*it);  // past any key that is not a position: none is ever reused
  if (!it->status().ok()) return FromRocks(it->status(), "reading the chain head");
  last_position_ = 0;
  head_ = kZeroDigest;
  if (it->Valid()) {
    last_position_ = GetBigEndian64(std::string_view(it->key().data(), 8));
    std::string_view v(it->value().data(), it->value().size());
    // A damaged newest record must not stop the store: its stored hash (the last 32 bytes)
    // still continues the chain; verification reports the damage.
    if (v.size() >= 32) std::copy(v.end() - 32, v.end(), head_.begin());
    if (auto r = DecodeRecord(v); r.ok()) {
      v1::EventHeader h;
      if (h.ParseFromArray(r->header_bytes.data(), static_cast<int>(r->header_bytes.size()))) {
        last_recorded_us_ = std::max(last_recorded_us_, h.recorded_at_us());
      }
    }
  }
  streams_.clear();
  return absl::OkStatus();
}

void Writer::Reloaded() {
  core_->committed_position.store(last_position_);
  if (core_->write_seq.load() % 2 == 1) core_->write_seq.fetch_add(1);
  core_->feed.Reset(last_position_);
}

absl::Status Writer::Recover() {
  int64_t now = NowMicros();
  if (now < next_recovery_us_) return core_->Health();
  next_recovery_us_ = now + kRecoveryIntervalUs;
  std::shared_ptr<Db> db;
  if (auto d = core_->AcquireDb(); d.ok()) db = *d;
  // Only a full disk is resumed in place; after a failed WAL write or sync RocksDB must not
  // touch that WAL again (its writer asserts), so those take the reopen path.
  bool resumable = core_->Health().code() == absl::StatusCode::kResourceExhausted;
  if (db != nullptr && resumable && db->raw()->Resume().ok()) {
    if (absl::Status s = LoadState(*db); s.ok()) {
      Reloaded();
      healthy_ = true;
      core_->SetHealth(refused_);
      return s;
    }
  }
  // RocksDB treats a failed WAL write or sync as fatal: it must be closed and reopened. Keep
  // serving reads from the stopped instance until the file system takes writes again.
  if (absl::Status probe = ProbeWritable(); !probe.ok()) return core_->Health();
  // Readers hold the Db only for one operation and wait while `reopening` (LOCK allows one
  // instance, so the old one must close first).
  {
    absl::MutexLock l(&core_->db_mu);
    core_->db.reset();
    core_->reopening = true;
  }
  for (int i = 0; db != nullptr && db.use_count() > 1 && i < 10000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  db.reset();
  DbOptions o{core_->options.path, false, false, core_->options.env,
              core_->options.block_cache_bytes, core_->options.write_buffer_bytes};
  auto fresh = Db::Open(o);
  absl::Status loaded = fresh.ok() ? LoadState(**fresh) : fresh.status();
  std::shared_ptr<Db> serving = fresh.ok() ? *fresh : ReadOnlyInstance(o);
  {
    absl::MutexLock l(&core_->db_mu);
    core_->db = std::move(serving);
    core_->reopening = false;
  }
  if (!loaded.ok()) {
    absl::Status s = absl::UnavailableError("the store cannot write and could not be reopened: " +
                                            std::string(loaded.message()));
    core_->SetHealth(s);
    return s;
  }
  Reloaded();
  healthy_ = true;
  core_->SetHealth(refused_);
  return absl::OkStatus();
}

absl::Status Writer::ProbeWritable() {
  rocksdb::Env* env = core_->options.env != nullptr ? core_->options.env : DefaultStoreEnv();
  const std::shared_ptr<rocksdb::FileSystem>& fs = env->GetFileSystem();
  std::string probe = core_->options.path + "/.write-probe";
  std::unique_ptr<rocksdb::FSWritableFile> f;
  rocksdb::IOOptions io;
  rocksdb::IOStatus s = fs->NewWritableFile(probe, rocksdb::FileOptions(), &f, nullptr);
  if (s.ok()) s = f->Append("probe", io, nullptr);
  if (s.ok()) s = f->Sync(io, nullptr);
  if (f != nullptr) f->Close(io, nullptr).PermitUncheckedError();
  fs->DeleteFile(probe, io, nullptr).PermitUncheckedError();
  return FromRocks(s, "probing the data directory");
}

}  // namespace proeftuin::eventstore
