#include "src/reader.h"

#include <memory>

#include "eventstore/record.h"
#include "eventstore/status_macros.h"
#include "src/codec.h"

namespace proeftuin::eventstore {

absl::Status AttachPersonal(Db& db, RecordedEvent& e, const rocksdb::Snapshot* snapshot) {
  if (!e.header.has_personal()) return absl::OkStatus();
  auto v = db.Get(db.personal(), PositionKey(e.position()), snapshot);
  if (!v.ok()) return v.status();
  e.personal = *std::move(v);
  return absl::OkStatus();
}

absl::Status ScanLog(Db& db, uint64_t from, const EventFilter& filter, const ScanLimits& limits,
                     const rocksdb::Snapshot* snapshot, std::vector<RecordedEvent>* out,
                     uint64_t* next, bool* end) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.fill_cache = false;
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
    uint64_t key = GetBigEndian64(std::string_view(it->key().data(), it->key().size()));
    if (key > limits.up_to) {
      *end = true;
      break;
    }
    if (matched == out->size()) out->emplace_back();
    RecordedEvent& ev = (*out)[matched];
    RETURN_IF_ERROR(
        DecodeEventInto(std::string_view(it->value().data(), it->value().size()), key, &ev));
    pos = key + 1;
    ++scanned;
    if (!filter.Matches(ev.header)) continue;
    if (limits.with_personal) RETURN_IF_ERROR(AttachPersonal(db, ev, snapshot));
    ++matched;
  }
  out->resize(matched);
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  *next = pos;
  return absl::OkStatus();
}

}  // namespace proeftuin::eventstore
