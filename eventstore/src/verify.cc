#include "src/verify.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "eventstore/record.h"
#include "eventstore/status_macros.h"
#include "src/codec.h"
#include "src/scan_prefetch.h"

namespace proeftuin::eventstore {
namespace {

// How far past the start of the table file being checked a part reads ahead.
constexpr uint64_t kVerifyPrefetchAhead = uint64_t{32} << 20;

// The last position stored, 0 for an empty log.
absl::StatusOr<uint64_t> LastStored(Db& db, const rocksdb::Snapshot* snapshot);

VerifyResult Bad(VerifyResult r, uint64_t pos, std::string problem) {
  r.ok = false;
  r.first_bad_position = pos;
  r.problem = "position " + std::to_string(pos) + ": " + std::move(problem);
  return r;
}

// The stored hash of the record at `pos`, the anchor of a range starting after it.
absl::StatusOr<std::optional<Digest>> StoredHash(Db& db, uint64_t pos,
                                                 const rocksdb::Snapshot* snapshot) {
  if (pos == 0) return std::optional<Digest>(kZeroDigest);
  auto v = db.Get(db.events(), PositionKey(pos), snapshot);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<Digest>();
  auto r = DecodeRecord(**v);
  if (!r.ok()) return std::optional<Digest>();
  return std::optional<Digest>(r->hash);
}

// The personal family walked beside the log, one iterator for the whole range instead of a
// lookup per event, so that every stored part is checked (FORMAT.md, "Verifying", step 5), also
// one under an event that has no personal data.
class PersonalParts {
 public:
  PersonalParts(Db& db, const rocksdb::ReadOptions& ro, uint64_t from)
      : it_(db.raw()->NewIterator(ro, db.personal())) {
    it_->Seek(PositionKey(from));
  }
  // The part stored for `pos`, if any; positions are asked for in increasing order.
  std::optional<std::string_view> At(uint64_t pos) {
    const std::string key = PositionKey(pos);
    while (it_->Valid() && it_->key().compare(key) < 0) it_->Next();
    if (!it_->Valid() || it_->key() != key) return std::nullopt;
    return std::string_view(it_->value().data(), it_->value().size());
  }
  rocksdb::Status status() const { return it_->status(); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

// Checks one record against the chain so far, with the personal part stored for it; empty
// string when it is sound. `links` gets the header's fields scanned.
std::string CheckRecord(uint64_t pos, std::string_view value,
                        std::optional<std::string_view> personal, const Digest& prev, Digest* hash,
                        HeaderLinks& links) {
  auto r = DecodeRecord(value);
  if (!r.ok()) return std::string(r.status().message());
  if (!ScanHeaderLinks(r->header_bytes, &links)) return "the header does not parse";
  if (links.position != pos) return "the header names position " + std::to_string(links.position);
  if (links.previous_hash != AsStringView(prev)) {
    return "previous_hash does not match the hash of the event before it";
  }
  Digest recomputed = RecomputeHash(prev, *r);
  if (recomputed != r->hash) return "the record does not match its hash (it was altered)";
  if (links.has_personal) {
    if (personal.has_value() && Sha256Of(*personal) != r->personal_digest) {
      return "the personal-data part does not match its digest";
    }
  } else if (r->personal_digest != EmptyDigest()) {
    return "an event without personal data has a personal digest";
  } else if (personal.has_value()) {
    // Even an empty one, whose digest would match: the event was written without a part.
    return "a personal-data part is stored for an event without personal data";
  }
  *hash = recomputed;
  return {};
}

}  // namespace

absl::StatusOr<VerifyResult> VerifyRange(Db& db, uint64_t from, uint64_t to, uint64_t probe,
                                         Digest* probe_hash, const rocksdb::Snapshot* snapshot,
                                         StreamTally* tally) {
  const QuietPerfCountersHere quiet;  // also on the caller's thread
  VerifyResult result;
  from = std::max<uint64_t>(from, 1);
  result.from = from;
  auto anchor = StoredHash(db, from - 1, snapshot);
  if (!anchor.ok()) return anchor.status();
  if (!anchor->has_value()) {
    return Bad(result, from - 1, "the record before the range is missing or unreadable");
  }
  Digest prev = **anchor;
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.fill_cache = false;
  // Every byte of a record is covered by its chain hash, which this loop recomputes, and the key
  // is checked against the header's position: the block checksums would check them twice.
  ro.verify_checksums = false;
  // The range's files read into the page cache ahead of the scan (a cold store's verify would
  // wait for the disk at each step; docs/PERFORMANCE.md).
  const bool to_end = to == 0 || to == UINT64_MAX;
  uint64_t end = to;
  if (to_end) {
    ASSIGN_OR_RETURN(end, LastStored(db, snapshot));
  }
  ScanPrefetcher prefetch(db.raw(), db.events(), PositionKey(from),
                          to_end ? std::string() : PositionKey(to),
                          end >= from && end - from >= kPrefetchMinKeys ? kVerifyPrefetchAhead : 0);
  std::unique_ptr<rocksdb::Iterator> it(db.raw()->NewIterator(ro, db.events()));
  PersonalParts parts(db, ro, from);
  uint64_t pos = from;
  for (it->Seek(PositionKey(from)); it->Valid(); it->Next(), ++pos) {
    if (to != 0 && pos > to) break;
    if ((pos & 4095) == 0) prefetch.Reached(std::string_view(it->key().data(), it->key().size()));
    if (it->key().size() != 8)
      return Bad(result, pos, "a key in the events family is not a position");
    uint64_t key = GetBigEndian64(std::string_view(it->key().data(), 8));
    if (key != pos) return Bad(result, pos, "missing (the log has a gap)");
    Digest hash;
    HeaderLinks links;
    std::string problem = CheckRecord(pos, std::string_view(it->value().data(), it->value().size()),
                                      parts.At(pos), prev, &hash, links);
    if (!problem.empty()) return Bad(result, pos, std::move(problem));
    if (tally != nullptr) tally->Add(links.stream, links.stream_version, pos);
    prev = hash;
    ++result.events_checked;
    if (pos == probe && probe_hash != nullptr) *probe_hash = hash;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  if (!parts.status().ok()) return FromRocks(parts.status(), "reading the personal parts");
  result.to = pos - 1;
  result.head.position = pos - 1;
  result.head.hash = prev;
  if (to != 0 && to > result.to && to != UINT64_MAX) {
    return Bad(result, result.to + 1,
               "missing (the log ends at " + std::to_string(result.to) + ")");
  }
  return result;
}

namespace {

// The last position stored, 0 for an empty log.
absl::StatusOr<uint64_t> LastStored(Db& db, const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db.raw()->NewIterator(ro, db.events()));
  SeekToLastPosition(*it);
  if (!it->status().ok()) return FromRocks(it->status(), "reading the end of the log");
  if (!it->Valid()) return uint64_t{0};
  return GetBigEndian64(std::string_view(it->key().data(), 8));
}

// Joins the parts' results in log order: the first part that failed names the first bad
// position of the whole range (every part before it was sound up to its end).
VerifyResult Join(std::vector<VerifyResult>& parts) {
  VerifyResult r;
  r.from = parts.front().from;
  for (auto& p : parts) {
    r.events_checked += p.events_checked;
    if (!p.ok) {
      p.from = r.from;
      p.events_checked = r.events_checked;
      return std::move(p);
    }
    r.to = p.to;
    r.head = p.head;
  }
  return r;
}

}  // namespace

unsigned VerifyThreads() { return std::clamp(std::thread::hardware_concurrency(), 1u, 4u); }

absl::StatusOr<VerifyResult> VerifyRangeParallel(Db& db, uint64_t from, uint64_t to, uint64_t probe,
                                                 Digest* probe_hash, unsigned threads,
                                                 const rocksdb::Snapshot* snapshot,
                                                 StreamTally* tally) {
  from = std::max<uint64_t>(from, 1);
  ASSIGN_OR_RETURN(uint64_t last, LastStored(db, snapshot));
  uint64_t end = (to == 0 || to == UINT64_MAX) ? last : std::min(to, last);
  if (threads < 2 || end < from || end - from + 1 < kParallelVerifyMin) {
    return VerifyRange(db, from, to, probe, probe_hash, snapshot, tally);
  }
  const uint64_t span = (end - from + 1 + threads - 1) / threads;
  std::vector<absl::StatusOr<VerifyResult>> results(threads, VerifyResult{});
  std::vector<Digest> probes(threads);
  std::vector<StreamTally> tallies(threads);
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < threads; ++i) {
    uint64_t a = from + i * span;
    // The last part keeps the caller's end, so that it reports a log shorter than asked for.
    uint64_t b = i + 1 == threads ? to : std::min(end, a + span - 1);
    workers.emplace_back([&, i, a, b] {
      results[i] = VerifyRange(db, a, b, probe, &probes[i], snapshot,
                               tally != nullptr ? &tallies[i] : nullptr);
    });
  }
  for (auto& w : workers) w.join();
  std::vector<VerifyResult> parts;
  for (unsigned i = 0; i < threads; ++i) {
    if (!results[i].ok()) return results[i].status();
    if (tally != nullptr) tally->Merge(tallies[i]);
    if (probe != 0 && probe_hash != nullptr && probe >= from + i * span &&
        probe < from + (i + 1) * span) {
      *probe_hash = probes[i];
    }
    parts.push_back(*std::move(results[i]));
  }
  return Join(parts);
}

namespace {

// One snapshot for a whole verification: the chain's parts, the log's end and the stream index
// all see the same log. None on a secondary instance (read-only), which cannot take one: it
// changes only when it catches up, which a verification does not do.
class VerifySnapshot {
 public:
  explicit VerifySnapshot(Db& db)
      : db_(db), snapshot_(db.read_only() ? nullptr : db.raw()->GetSnapshot()) {}
  ~VerifySnapshot() {
    if (snapshot_ != nullptr) db_.raw()->ReleaseSnapshot(snapshot_);
  }
  VerifySnapshot(const VerifySnapshot&) = delete;
  VerifySnapshot& operator=(const VerifySnapshot&) = delete;
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  Db& db_;
  const rocksdb::Snapshot* snapshot_;
};

// A range past the end of the log is a mistake of the caller, not a verdict on the log.
absl::Status PastTheEnd(const char* field, uint64_t position, uint64_t last) {
  if (last == 0) {
    return absl::OutOfRangeError(std::string(field) + ": " + std::to_string(position) +
                                 " is past the end of the log, which is empty: nothing to verify");
  }
  return absl::OutOfRangeError(std::string(field) + ": " + std::to_string(position) +
                               " is past the end of the log (its last position is " +
                               std::to_string(last) + ")");
}

// The published digest against the chain verified from position 1 (`at`: the recomputed hash
// at its position).
VerifyResult Extends(VerifyResult r, const ChainDigest& published, const Digest& at) {
  if (published.position > r.to) {
    r.ok = false;
    r.first_bad_position = r.to + 1;
    r.problem = "the log ends at position " + std::to_string(r.to) +
                ", before the published position " + std::to_string(published.position);
  } else if (published.position > 0 && at != published.hash) {
    r.ok = false;
    r.first_bad_position = published.position;
    r.problem = "position " + std::to_string(published.position) +
                ": the recomputed hash differs from the published digest (the log was rewritten)";
  }
  return r;
}

}  // namespace

absl::StatusOr<VerifyResult> VerifyLog(Db& db, uint64_t from, uint64_t to,
                                       const ChainDigest* published) {
  if (published != nullptr) {
    if (published->position == 0 && published->hash != kZeroDigest) {
      return absl::InvalidArgumentError(
          "digest: at position 0 the chain head is 32 zero bytes (hash[0], before the first "
          "event), not " +
          ToHex(published->hash));
    }
    from = 1;
    to = 0;
  } else if (to != 0 && to < from) {
    return absl::InvalidArgumentError("to_position: must not be before from_position");
  }
  from = std::max<uint64_t>(from, 1);
  const VerifySnapshot snapshot(db);
  ASSIGN_OR_RETURN(uint64_t last, LastStored(db, snapshot.get()));
  // Up to the head (or past it): the end of the log is part of what is asked.
  const bool to_end = to == 0 || to >= last;
  std::optional<Discrepancy> end;
  if (to_end) {
    ASSIGN_OR_RETURN(end, CheckLogEnd(db, last, snapshot.get()));
  }
  if (!end.has_value() && from > last && published != nullptr) {
    return absl::OutOfRangeError("the log is empty: nothing to verify against digest " +
                                 published->ToString());
  }
  if (!end.has_value() && from > last) return PastTheEnd("from_position", from, last);
  if (!end.has_value() && to > last) return PastTheEnd("to_position", to, last);
  const bool whole = from == 1 && to_end;
  // The stream index is read beside the chain check (destroyed before the snapshot).
  std::optional<StreamIndexCheck> index;
  if (whole) index.emplace(db, snapshot.get(), last);
  StreamTally tally;
  Digest at{};
  VerifyResult r;
  r.from = from;
  r.to = last;
  if (from <= last) {
    const uint64_t probe = published != nullptr ? published->position : 0;
    auto chain = VerifyRangeParallel(db, from, to == 0 ? 0 : std::min(to, last), probe, &at,
                                     VerifyThreads(), snapshot.get(), whole ? &tally : nullptr);
    if (!chain.ok()) return chain.status();
    r = *std::move(chain);
  }
  if (!r.ok) return r;
  if (published != nullptr) {
    r = Extends(std::move(r), *published, at);
    if (!r.ok) return r;
  }
  if (end.has_value()) return Bad(std::move(r), end->first_bad_position, end->problem);
  if (index.has_value()) {
    ASSIGN_OR_RETURN(std::optional<Discrepancy> found, index->Finish(tally));
    if (found.has_value()) return Bad(std::move(r), found->first_bad_position, found->problem);
  }
  return r;
}

}  // namespace proeftuin::eventstore
