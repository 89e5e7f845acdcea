// The stream index checked both ways against the log (verify.h, StreamIndexCheck).
#include <functional>
#include <memory>

#include "eventstore/record.h"
#include "eventstore/status_macros.h"
#include "src/codec.h"
#include "src/verify.h"

namespace proeftuin::eventstore {

// What one pass over the streams family found.
struct StreamIndexCheck::Scan {
  StreamTally entries;  // every index entry
  StreamTally heads;    // every head
  StreamTally ends;     // each stream's last entry, which its head must name
  bool gap = false;     // a stream's versions do not run from 0 without a gap
  std::optional<Discrepancy> found;
};

namespace {

using IndexScan = StreamIndexCheck::Scan;

uint64_t Mix64(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// One row of the streams family, split (docs/FORMAT.md): a stream's head `h/<stream>` or an
// index entry `v/<stream>/` + BE64(version).
struct IndexRow {
  enum class Kind { kHead, kEntry, kOther };
  Kind kind = Kind::kOther;
  std::string_view stream;
  uint64_t version = 0, position = 0;
  bool value_ok = false;  // the value is a position (an entry) or a version and a position (a head)
};

IndexRow SplitIndexRow(std::string_view key, std::string_view value) {
  IndexRow row;
  if (key.size() > 2 && key.starts_with("h/")) {
    row.kind = IndexRow::Kind::kHead;
    row.stream = key.substr(2);
    row.value_ok = value.size() == 16;
    if (row.value_ok) {
      row.version = GetBigEndian64(value);
      row.position = GetBigEndian64(value.substr(8));
    }
  } else if (key.size() > 11 && key.starts_with("v/") && key[key.size() - 9] == '/') {
    row.kind = IndexRow::Kind::kEntry;
    row.stream = key.substr(2, key.size() - 11);
    row.version = GetBigEndian64(key.substr(key.size() - 8));
    row.value_ok = value.size() == 8;
    if (row.value_ok) row.position = GetBigEndian64(value);
  }
  return row;
}

std::string_view KeyOf(const rocksdb::Iterator& it) {
  return std::string_view(it.key().data(), it.key().size());
}
std::string_view ValueOf(const rocksdb::Iterator& it) {
  return std::string_view(it.value().data(), it.value().size());
}

// Keeps the discrepancy at the lowest position.
void Lowest(std::optional<Discrepancy>& found, uint64_t position, std::string problem) {
  if (!found.has_value() || position < found->first_bad_position) {
    found = Discrepancy{position, std::move(problem)};
  }
}

void ScanRow(const IndexRow& row, uint64_t last, IndexScan& scan) {
  const bool split = row.kind != IndexRow::Kind::kOther && row.value_ok;
  if (split && row.position != 0 && row.position <= last) return;  // nearly every row
  const std::string stream(row.stream);
  if (row.kind == IndexRow::Kind::kOther) {
    return Lowest(scan.found, last + 1,
                  "the streams family holds a key that is neither a stream's head nor an index "
                  "entry");
  }
  if (!row.value_ok) {
    return Lowest(scan.found, last + 1,
                  row.kind == IndexRow::Kind::kHead
                      ? "the head of stream " + stream + " is not a version and a position"
                      : "the stream index of " + stream +
                            " holds a value that is not a position at version " +
                            std::to_string(row.version));
  }
  if (row.position == 0 || row.position > last) {
    Lowest(scan.found, last + 1,
           (row.kind == IndexRow::Kind::kHead ? "the head of stream " + stream
                                              : "the stream index of " + stream) +
               " names position " + std::to_string(row.position) + " for version " +
               std::to_string(row.version) + ", but the log ends at position " +
               std::to_string(last) + " (events were deleted afterwards)");
  }
}

absl::Status ScanIndex(Db& db, const rocksdb::Snapshot* snapshot, uint64_t last, IndexScan& scan) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.fill_cache = false;
  ro.readahead_size = size_t{2} << 20;
  std::unique_ptr<rocksdb::Iterator> it(db.raw()->NewIterator(ro, db.streams()));
  // The entries of one stream are consecutive keys (`v/<stream>/` is a prefix of all of them).
  std::string current;
  uint64_t next_version = 0, last_position = 0;
  auto close_stream = [&] {
    if (next_version > 0) scan.ends.Add(current, next_version - 1, last_position);
  };
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const IndexRow row = SplitIndexRow(KeyOf(*it), ValueOf(*it));
    ScanRow(row, last, scan);
    if (!row.value_ok) continue;
    if (row.kind == IndexRow::Kind::kHead) {
      scan.heads.Add(row.stream, row.version, row.position);
      continue;
    }
    if (next_version == 0 || row.stream != current) {
      close_stream();
      current.assign(row.stream);
      next_version = 0;
    }
    scan.gap |= row.version != next_version;
    next_version = row.version + 1;
    last_position = row.position;
    scan.entries.Add(row.stream, row.version, row.position);
  }
  close_stream();
  return FromRocks(it->status(), "reading the stream index");
}

// The second pass, only when the first disagreed: finds the lowest position concerned with
// point reads. Every event (the chain verified them all) must have its entry; every entry that
// names a position in the log must name an event of its stream and version; every head must
// name its stream's last entry.
absl::Status Locate(Db& db, const rocksdb::Snapshot* snapshot, uint64_t last,
                    std::optional<Discrepancy>& found) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> events(db.raw()->NewIterator(ro, db.events()));
  for (events->Seek(PositionKey(1)); events->Valid(); events->Next()) {
    if (events->key().size() != 8) continue;
    const uint64_t pos = GetBigEndian64(KeyOf(*events));
    if (found.has_value() && pos >= found->first_bad_position) break;
    auto r = DecodeRecord(ValueOf(*events));
    HeaderLinks h;
    if (!r.ok() || !ScanHeaderLinks(r->header_bytes, &h)) continue;  // the chain check names it
    const std::string stream(h.stream);
    ASSIGN_OR_RETURN(auto entry,
                     db.Get(db.streams(), StreamVersionKey(stream, h.stream_version), snapshot));
    if (!entry.has_value() || entry->size() != 8 || GetBigEndian64(*entry) != pos) {
      Lowest(found, pos,
             "the stream index of " + stream + " does not name it for version " +
                 std::to_string(h.stream_version) +
                 (entry.has_value() && entry->size() == 8
                      ? " (it names position " + std::to_string(GetBigEndian64(*entry)) + ")"
                      : ""));
    }
  }
  RETURN_IF_ERROR(FromRocks(events->status(), "reading the log"));
  std::unique_ptr<rocksdb::Iterator> rows(db.raw()->NewIterator(ro, db.streams()));
  for (rows->SeekToFirst(); rows->Valid(); rows->Next()) {
    const IndexRow row = SplitIndexRow(KeyOf(*rows), ValueOf(*rows));
    if (!row.value_ok || row.position == 0 || row.position > last) continue;  // ScanRow's
    const std::string stream(row.stream);
    if (row.kind == IndexRow::Kind::kHead) {
      ASSIGN_OR_RETURN(auto at,
                       db.Get(db.streams(), StreamVersionKey(stream, row.version), snapshot));
      ASSIGN_OR_RETURN(auto next,
                       db.Get(db.streams(), StreamVersionKey(stream, row.version + 1), snapshot));
      if (!at.has_value() || *at != PositionKey(row.position) || next.has_value()) {
        Lowest(found, row.position,
               "the head of stream " + stream + " names it as version " +
                   std::to_string(row.version) + ", but the stream index does not end there");
      }
      continue;
    }
    ASSIGN_OR_RETURN(auto record, db.Get(db.events(), PositionKey(row.position), snapshot));
    HeaderLinks h;
    auto r = record.has_value() ? DecodeRecord(*record) : absl::StatusOr<RecordView>();
    if (r.ok() && ScanHeaderLinks(r->header_bytes, &h) && h.stream == row.stream &&
        h.stream_version == row.version) {
      continue;
    }
    Lowest(
        found, row.position,
        "the stream index of " + stream + " names it for version " + std::to_string(row.version) +
            ", but it is " +
            (r.ok() ? "version " + std::to_string(h.stream_version) + " of " + std::string(h.stream)
                    : std::string("not there")));
  }
  return FromRocks(rows->status(), "reading the stream index");
}

}  // namespace

void StreamTally::Add(std::string_view stream, uint64_t version, uint64_t position) {
  const uint64_t h = std::hash<std::string_view>{}(stream);
  const uint64_t a = Mix64(h ^ Mix64(version + 0x9e3779b97f4a7c15ULL) ^ Mix64(position));
  ++count;
  sum_a += a;
  sum_b += Mix64(a + Mix64(position ^ (version << 1) ^ h));
}

void StreamTally::Merge(const StreamTally& other) {
  count += other.count;
  sum_a += other.sum_a;
  sum_b += other.sum_b;
}

StreamIndexCheck::StreamIndexCheck(Db& db, const rocksdb::Snapshot* snapshot, uint64_t last)
    : db_(db), snapshot_(snapshot), last_(last), scan_(std::make_unique<Scan>()) {
  thread_ = std::thread([this] {
    QuietPerfCounters();
    scanned_ = ScanIndex(db_, snapshot_, last_, *scan_);
  });
}

StreamIndexCheck::~StreamIndexCheck() {
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::optional<Discrepancy>> StreamIndexCheck::Finish(const StreamTally& log) {
  if (thread_.joinable()) thread_.join();
  RETURN_IF_ERROR(scanned_);
  const Scan& scan = *scan_;
  if (!scan.found.has_value() && !scan.gap && scan.entries == log && scan.heads == scan.ends) {
    return std::optional<Discrepancy>();
  }
  std::optional<Discrepancy> found = scan.found;
  RETURN_IF_ERROR(Locate(db_, snapshot_, last_, found));
  if (found.has_value()) return found;
  // Not found by either pass (it should be): say what differs.
  return std::optional<Discrepancy>(Discrepancy{
      last_ + 1, "the stream index does not match the log (" + std::to_string(scan.entries.count) +
                     " entries and " + std::to_string(scan.heads.count) + " heads for " +
                     std::to_string(log.count) + " events)"});
}

}  // namespace proeftuin::eventstore
