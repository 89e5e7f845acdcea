#include "src/verify.h"

#include <memory>

#include "eventstore/record.h"
#include "src/codec.h"

namespace proeftuin::eventstore {
namespace {

VerifyResult Bad(VerifyResult r, uint64_t pos, std::string problem) {
  r.ok = false;
  r.first_bad_position = pos;
  r.problem = "position " + std::to_string(pos) + ": " + std::move(problem);
  return r;
}

// The stored hash of the record at `pos`, the anchor of a range starting after it.
absl::StatusOr<std::optional<Digest>> StoredHash(Db& db, uint64_t pos) {
  if (pos == 0) return std::optional<Digest>(kZeroDigest);
  auto v = db.Get(db.events(), PositionKey(pos));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<Digest>();
  auto r = DecodeRecord(**v);
  if (!r.ok()) return std::optional<Digest>();
  return std::optional<Digest>(r->hash);
}

// Checks one record against the chain so far; empty string when it is sound.
std::string CheckRecord(Db& db, uint64_t pos, std::string_view value, const Digest& prev,
                        Digest* hash) {
  auto r = DecodeRecord(value);
  if (!r.ok()) return std::string(r.status().message());
  HeaderLinks links;
  if (!ScanHeaderLinks(r->header_bytes, &links)) return "the header does not parse";
  if (links.position != pos) return "the header names position " + std::to_string(links.position);
  if (links.previous_hash != AsStringView(prev)) {
    return "previous_hash does not match the hash of the event before it";
  }
  Digest recomputed = RecomputeHash(prev, *r);
  if (recomputed != r->hash) return "the record does not match its hash (it was altered)";
  if (links.has_personal) {
    auto p = db.Get(db.personal(), PositionKey(pos));
    if (!p.ok()) return std::string(p.status().message());
    if (p->has_value() && Sha256Of(**p) != r->personal_digest) {
      return "the personal-data part does not match its digest";
    }
  } else if (r->personal_digest != EmptyDigest()) {
    return "an event without personal data has a personal digest";
  }
  *hash = recomputed;
  return {};
}

}  // namespace

absl::StatusOr<VerifyResult> VerifyRange(Db& db, uint64_t from, uint64_t to, uint64_t probe,
                                         Digest* probe_hash) {
  VerifyResult result;
  from = std::max<uint64_t>(from, 1);
  result.from = from;
  auto anchor = StoredHash(db, from - 1);
  if (!anchor.ok()) return anchor.status();
  if (!anchor->has_value()) {
    return Bad(result, from - 1, "the record before the range is missing or unreadable");
  }
  Digest prev = **anchor;
  rocksdb::ReadOptions ro;
  ro.readahead_size = 4 << 20;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db.raw()->NewIterator(ro, db.events()));
  uint64_t pos = from;
  for (it->Seek(PositionKey(from)); it->Valid(); it->Next(), ++pos) {
    if (to != 0 && pos > to) break;
    if (it->key().size() != 8) return Bad(result, pos, "a key in the events family is not a position");
    uint64_t key = GetBigEndian64(std::string_view(it->key().data(), 8));
    if (key != pos) return Bad(result, pos, "missing (the log has a gap)");
    Digest hash;
    std::string problem =
        CheckRecord(db, pos, std::string_view(it->value().data(), it->value().size()), prev, &hash);
    if (!problem.empty()) return Bad(result, pos, std::move(problem));
    prev = hash;
    ++result.events_checked;
    if (pos == probe && probe_hash != nullptr) *probe_hash = hash;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  result.to = pos - 1;
  result.head.position = pos - 1;
  result.head.hash = prev;
  if (to != 0 && to > result.to && to != UINT64_MAX) {
    return Bad(result, result.to + 1, "missing (the log ends at " + std::to_string(result.to) + ")");
  }
  return result;
}

}  // namespace proeftuin::eventstore
