#include "src/reader.h"

#include <algorithm>
#include <memory>

#include "eventstore/record.h"
#include "eventstore/status_macros.h"
#include "src/codec.h"

namespace proeftuin::eventstore {

// A page of ReadAll opens a new iterator, and RocksDB's automatic readahead starts again at
// 8 KiB on each and doubles, so a page of 1,000 events (~0.9 MB) made about ten reads before it
// reached full size. 256 KiB from the first read measured 2.4 to 2.6M events/s through
// ReadAllViews against 1.85 to 1.95M (`eventstore_bench --phases read`, docs/PERFORMANCE.md).
// Short pages keep the automatic readahead.
size_t PageReadahead(size_t max_count) { return max_count >= 256 ? size_t{256} << 10 : 0; }

absl::Status AttachPersonal(Db& db, RecordedEvent& e, const rocksdb::Snapshot* snapshot) {
  if (!e.header.has_personal()) return absl::OkStatus();
  auto v = db.Get(db.personal(), PositionKey(e.position()), snapshot);
  if (!v.ok()) return v.status();
  e.personal = *std::move(v);
  return absl::OkStatus();
}

namespace {

absl::Status IndexLoss(std::string_view stream, const std::string& what) {
  return absl::DataLossError("the stream index of " + std::string(stream) + " " + what);
}

std::string Versions(uint64_t from, uint64_t to) {
  return from == to ? "version " + std::to_string(from)
                    : "versions " + std::to_string(from) + " to " + std::to_string(to);
}

}  // namespace

absl::Status ReadStreamIndex(Db& db, const rocksdb::Snapshot* snapshot, std::string_view stream,
                             Direction dir, uint64_t from_version, size_t max_count,
                             StreamIndexWalk* walk) {
  walk->entries.clear();
  walk->complete = false;
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db.raw()->NewIterator(ro, db.streams()));
  const std::string prefix = StreamVersionPrefix(stream);
  const bool forward = dir == Direction::kForward;
  if (forward) {
    it->Seek(StreamVersionKey(stream, from_version));
  } else {
    it->SeekForPrev(StreamVersionKey(stream, from_version));
  }
  for (; walk->entries.size() < max_count; forward ? it->Next() : it->Prev()) {
    if (!it->Valid() || !it->key().starts_with(rocksdb::Slice(prefix))) {
      walk->complete = true;
      // Backward, the entries below the last one read are gone.
      if (!forward && !walk->entries.empty()) {
        return IndexLoss(stream, "lacks " + Versions(0, walk->entries.back().version - 1));
      }
      break;
    }
    if (it->key().size() != prefix.size() + 8) {
      return IndexLoss(stream, "holds a key that is not a version");
    }
    const uint64_t version = GetBigEndian64(std::string_view(it->key().data() + prefix.size(), 8));
    if (it->value().size() != 8) {
      return IndexLoss(
          stream, "holds a value that is not a position at version " + std::to_string(version));
    }
    if (!walk->entries.empty()) {
      const uint64_t last = walk->entries.back().version;
      const uint64_t expected = forward ? last + 1 : last - 1;
      if (version != expected) {
        return IndexLoss(stream, "lacks " + (forward ? Versions(expected, version - 1)
                                                     : Versions(version + 1, expected)));
      }
    }
    walk->entries.push_back({version, GetBigEndian64(std::string_view(it->value().data(), 8))});
    if (!forward && version == 0) {
      walk->complete = true;
      break;
    }
  }
  return FromRocks(it->status(), "reading stream " + std::string(stream));
}

absl::Status ReadStreamRecords(Db& db, const rocksdb::Snapshot* snapshot, std::string_view stream,
                               const std::vector<StreamEntry>& entries,
                               const std::function<bool(RecordedEvent&)>& fn) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  constexpr size_t kBatch = 64;
  std::vector<std::string> keys;
  std::vector<rocksdb::Slice> slices;
  std::vector<rocksdb::PinnableSlice> values(kBatch);
  std::vector<rocksdb::Status> statuses(kBatch);
  RecordedEvent e;  // decoded into again and again: its memory is reused
  for (size_t at = 0; at < entries.size(); at += kBatch) {
    const size_t n = std::min(kBatch, entries.size() - at);
    keys.clear();
    slices.clear();
    for (size_t i = 0; i < n; ++i) keys.push_back(PositionKey(entries[at + i].position));
    for (const std::string& k : keys) slices.emplace_back(k);
    for (size_t i = 0; i < n; ++i) values[i].Reset();
    db.raw()->MultiGet(ro, db.events(), n, slices.data(), values.data(), statuses.data(),
                       /*sorted_input=*/false);
    for (size_t i = 0; i < n; ++i) {
      const StreamEntry& entry = entries[at + i];
      const uint64_t pos = entry.position;
      if (statuses[i].IsNotFound()) {
        return absl::DataLossError("stream index names missing position " + std::to_string(pos));
      }
      RETURN_IF_ERROR(FromRocks(statuses[i], "reading stream " + std::string(stream)));
      RETURN_IF_ERROR(
          DecodeEventInto(std::string_view(values[i].data(), values[i].size()), pos, &e));
      if (e.header.stream() != stream) {
        return IndexLoss(
            stream, "names position " + std::to_string(pos) + ", an event of " + e.header.stream());
      }
      if (e.header.stream_version() != entry.version) {
        return IndexLoss(stream, "names position " + std::to_string(pos) + " for version " +
                                     std::to_string(entry.version) +
                                     ", but that event is version " +
                                     std::to_string(e.header.stream_version()));
      }
      if (!fn(e)) return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::Status CheckStreamHead(std::string_view stream, const std::optional<StreamHead>& head,
                             Direction dir, uint64_t from_version, const StreamIndexWalk& walk) {
  const bool forward = dir == Direction::kForward;
  if (!head.has_value()) {
    if (walk.entries.empty()) return absl::OkStatus();
    return IndexLoss(stream, "holds version " + std::to_string(walk.entries.front().version) +
                                 ", but the stream has no head (h/" + std::string(stream) + ")");
  }
  const uint64_t top = head->version;
  const std::string at_head = " (its head is at version " + std::to_string(top) + ")";
  // The highest version the walk read, and the one it should have read.
  std::optional<uint64_t> highest;
  if (!walk.entries.empty()) {
    highest = forward ? walk.entries.back().version : walk.entries.front().version;
  }
  if (highest.has_value() && *highest > top) {
    return IndexLoss(stream,
                     "holds version " + std::to_string(*highest) + ", past its head" + at_head);
  }
  for (const StreamEntry& e : walk.entries) {
    if (e.version == top && e.position != head->last_position) {
      return IndexLoss(stream, "names position " + std::to_string(e.position) + " for version " +
                                   std::to_string(top) + ", but its head names position " +
                                   std::to_string(head->last_position));
    }
  }
  if (forward && !walk.entries.empty() && walk.entries.front().version != from_version) {
    // The walk began above the version it starts from.
    return IndexLoss(stream,
                     "lacks " + Versions(from_version, walk.entries.front().version - 1) + at_head);
  }
  if (forward && walk.complete && from_version <= top && (!highest.has_value() || *highest < top)) {
    // The walk ran out of entries before the head's version.
    const uint64_t first = highest.has_value() ? *highest + 1 : from_version;
    return IndexLoss(stream, "lacks " + Versions(first, top) + at_head);
  }
  const uint64_t start = std::min(from_version, top);
  if (!forward && (highest.has_value() ? *highest < start : walk.complete)) {
    // Backward, the walk began below the version it starts from.
    const uint64_t first = highest.has_value() ? *highest + 1 : 0;
    return IndexLoss(stream, "lacks " + Versions(first, start) + at_head);
  }
  return absl::OkStatus();
}

namespace {

// A scan of the log does not fill the block cache: it would evict the rows that point reads
// and projectors need.
rocksdb::ReadOptions ScanOptions(const ScanLimits& limits, const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.fill_cache = false;
  ro.readahead_size = limits.readahead_bytes;
  return ro;
}

// The scan both readers share: from `from` under `limits`, calls keep(position, record) for each
// stored record, which returns whether it kept the event (it matched the filter) or an error
// that ends the scan. `*next` becomes the first position not looked at; `*end` whether the log
// ended.
template <typename Keep>
absl::Status WalkLog(Db& db, uint64_t from, const ScanLimits& limits,
                     const rocksdb::Snapshot* snapshot, Keep keep, uint64_t* next, bool* end) {
  rocksdb::ReadOptions ro = ScanOptions(limits, snapshot);
  std::unique_ptr<rocksdb::Iterator> it(db.raw()->NewIterator(ro, db.events()));
  uint64_t pos = std::max<uint64_t>(from, 1);
  uint64_t scanned = 0;
  size_t matched = 0;
  *end = false;
  for (it->Seek(PositionKey(pos));; it->Next()) {
    if (!it->Valid()) {
      *end = true;
      break;
    }
    if (matched >= limits.max_matches || scanned >= limits.max_scanned) break;
    // A key that is not a position (put there by hand) holds no event; Verify reports it.
    if (it->key().size() != 8) continue;
    uint64_t key = GetBigEndian64(std::string_view(it->key().data(), it->key().size()));
    if (key > limits.up_to) {
      *end = true;
      break;
    }
    absl::StatusOr<bool> kept = keep(key, std::string_view(it->value().data(), it->value().size()));
    if (!kept.ok()) return kept.status();
    pos = key + 1;
    ++scanned;
    if (*kept) ++matched;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  *next = pos;
  return absl::OkStatus();
}

absl::Status Corrupt(uint64_t position, std::string_view what) {
  return absl::DataLossError("position " + std::to_string(position) + ": " + std::string(what));
}

}  // namespace

absl::Status ScanLog(Db& db, uint64_t from, const EventFilter& filter, const ScanLimits& limits,
                     const rocksdb::Snapshot* snapshot, std::vector<RecordedEvent>* out,
                     uint64_t* next, bool* end) {
  size_t matched = 0;
  auto keep = [&](uint64_t key, std::string_view stored) -> absl::StatusOr<bool> {
    if (matched == out->size()) out->emplace_back();
    RecordedEvent& ev = (*out)[matched];
    RETURN_IF_ERROR(DecodeEventInto(stored, key, &ev));
    if (!filter.Matches(ev.header)) return false;
    if (limits.with_personal) RETURN_IF_ERROR(AttachPersonal(db, ev, snapshot));
    ++matched;
    return true;
  };
  absl::Status s = WalkLog(db, from, limits, snapshot, keep, next, end);
  out->resize(matched);
  return s;
}

absl::Status ScanLogViews(Db& db, uint64_t from, const EventFilter& filter,
                          const ScanLimits& limits, const rocksdb::Snapshot* snapshot,
                          EventPage* page) {
  page->Clear();
  auto keep = [&](uint64_t key, std::string_view stored) -> absl::StatusOr<bool> {
    auto r = DecodeRecord(stored);
    if (!r.ok()) return Corrupt(key, std::string(r.status().message()));
    HeaderLinks h;
    if (!ScanHeaderLinks(r->header_bytes, &h)) return Corrupt(key, "header does not parse");
    if (h.position != key) {
      return Corrupt(key, "header names position " + std::to_string(h.position));
    }
    if (!filter.Matches(h.stream, h.type)) return false;
    // Copy the record and point the view into the copy: same offsets as in `stored`.
    std::string_view copy = page->Copy(stored);
    auto at = [&](std::string_view part) {
      return copy.substr(static_cast<size_t>(part.data() - stored.data()), part.size());
    };
    EventView& v = page->events.emplace_back();
    v.position = key;
    v.header_bytes = at(r->header_bytes);
    v.stream = at(h.stream);
    v.type = at(h.type);
    v.confidentiality = static_cast<v1::Confidentiality>(h.confidentiality);
    v.payload = at(r->payload);
    v.personal_digest = r->personal_digest;
    v.hash = r->hash;
    if (h.has_personal && limits.with_personal) {
      ASSIGN_OR_RETURN(auto part, db.Get(db.personal(), PositionKey(key), snapshot));
      if (part.has_value()) v.personal = page->Copy(*part);
    }
    return true;
  };
  return WalkLog(db, from, limits, snapshot, keep, &page->next_position, &page->end_of_log);
}

}  // namespace proeftuin::eventstore
