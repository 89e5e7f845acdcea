#include "src/log_end.h"

#include <algorithm>
#include <memory>

#include "eventstore/record.h"
#include "eventstore/status_macros.h"

namespace proeftuin::eventstore {
namespace {

// "missing: <witness>, but the log ends at position L (events L+1 to C were deleted)".
Discrepancy EventsDeleted(uint64_t last, uint64_t committed, const std::string& witness) {
  std::string end =
      last == 0 ? "the log is empty" : "the log ends at position " + std::to_string(last);
  std::string lost = committed == last + 1 ? "event " + std::to_string(committed)
                                           : "events " + std::to_string(last + 1) + " to " +
                                                 std::to_string(committed);
  return {last + 1, "missing: " + witness + ", but " + end + " (" + lost +
                        (committed == last + 1 ? " was" : " were") + " deleted afterwards)"};
}

absl::StatusOr<std::optional<Discrepancy>> CheckCommitMark(Db& db, uint64_t last,
                                                           const rocksdb::Snapshot* snapshot) {
  ASSIGN_OR_RETURN(std::optional<std::string> mark, db.Get(db.meta(), kMetaHead, snapshot));
  if (!mark.has_value()) return std::optional<Discrepancy>();
  if (mark->size() != 8 + sizeof(Digest)) {
    return std::optional<Discrepancy>(
        Discrepancy{last + 1, "the commit mark meta/head is not a position and a hash (" +
                                  std::to_string(mark->size()) + " bytes)"});
  }
  const uint64_t committed = GetBigEndian64(*mark);
  const std::string_view hash = std::string_view(*mark).substr(8);
  if (committed > last) {
    return std::optional<Discrepancy>(EventsDeleted(last, committed,
                                                    "the commit mark (meta/head) names position " +
                                                        std::to_string(committed) +
                                                        " as the newest event committed"));
  }
  if (committed == 0) return std::optional<Discrepancy>();
  ASSIGN_OR_RETURN(std::optional<std::string> record,
                   db.Get(db.events(), PositionKey(committed), snapshot));
  if (!record.has_value()) {
    return std::optional<Discrepancy>(
        Discrepancy{committed,
                    "missing, but the commit mark (meta/head) names it as the newest event "
                    "committed (it was deleted afterwards)"});
  }
  if (record->size() < sizeof(Digest) ||
      std::string_view(*record).substr(record->size() - sizeof(Digest)) != hash) {
    return std::optional<Discrepancy>(
        Discrepancy{committed,
                    "not the event committed there: its hash differs from the one the commit "
                    "mark (meta/head) recorded when it was written (it was rewritten afterwards)"});
  }
  return std::optional<Discrepancy>();
}

}  // namespace

std::string EncodeCommitMark(uint64_t position, const Digest& hash) {
  std::string v;
  v.reserve(8 + sizeof(Digest));
  PutBigEndian64(&v, position);
  v.append(AsStringView(hash));
  return v;
}

absl::StatusOr<std::optional<Discrepancy>> CheckLogEnd(Db& db, uint64_t last,
                                                       const rocksdb::Snapshot* snapshot) {
  ASSIGN_OR_RETURN(std::optional<Discrepancy> mark, CheckCommitMark(db, last, snapshot));
  if (mark.has_value()) return mark;
  // Every checkpoint row, also one a crash left behind for a generation no longer served: it
  // was written after its events too. A handful of rows.
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db.raw()->NewIterator(ro, db.meta()));
  const rocksdb::Slice prefix(kMetaCheckpointPrefix);
  uint64_t ahead = 0;
  std::string family;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->value().size() != 8) continue;
    const uint64_t applied = GetBigEndian64(std::string_view(it->value().data(), 8));
    if (applied > std::max(last, ahead)) {
      ahead = applied;
      family = it->key().ToString().substr(prefix.size());
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the projections' checkpoints"));
  if (ahead == 0) return std::optional<Discrepancy>();
  return std::optional<Discrepancy>(EventsDeleted(
      last, ahead,
      "projection " + family + " has applied the log up to position " + std::to_string(ahead)));
}

}  // namespace proeftuin::eventstore
