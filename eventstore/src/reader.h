// Reading the log from disk: shared by ReadAll, ReadStream, subscriptions and verification.
// Private to the eventstore module. Thread-safe (RocksDB reads).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "eventstore/event_store.h"
#include "src/db.h"

namespace proeftuin::eventstore {

struct ScanLimits {
  size_t max_matches = 1000;          // events returned
  uint64_t max_scanned = UINT64_MAX;  // positions looked at (filters skip events)
  uint64_t up_to = UINT64_MAX;        // last position to look at
  bool with_personal = true;          // attach personal parts (projectors never get them)
  // Bytes to read ahead from the first read; 0: RocksDB's automatic readahead (8 KiB, doubling
  // from the third read on). Pages of ReadAll set it (reader.cc, PageReadahead).
  size_t readahead_bytes = 0;
};

// The readahead for a page of `max_count` events read with a new iterator (see reader.cc).
size_t PageReadahead(size_t max_count);

// Reads events from `from` in log order into `out` (personal parts attached), replacing its
// contents and reusing the memory of the events it held (a caller that pages through the log
// with one vector allocates almost nothing after the first page). `*next` becomes the first
// position not looked at; `*end` whether the log ended.
absl::Status ScanLog(Db& db, uint64_t from, const EventFilter& filter, const ScanLimits& limits,
                     const rocksdb::Snapshot* snapshot, std::vector<RecordedEvent>* out,
                     uint64_t* next, bool* end);

// As ScanLog, into a page of views (EventStore::ReadAllViews): the records are copied, not
// decoded; the header fields a filter needs are scanned from the stored bytes.
absl::Status ScanLogViews(Db& db, uint64_t from, const EventFilter& filter,
                          const ScanLimits& limits, const rocksdb::Snapshot* snapshot,
                          EventPage* page);

// The events of `stream` at `positions` (from its index), in that order, decoded into one
// reused event that fn sees (no personal part) until fn returns false. DATA_LOSS when a position
// has no record, or a record of another stream. Batched MultiGets: records sharing a block are
// read once. Shared by EventStore::ReadStream and ReadView::ReadStream.
absl::Status ReadStreamRecords(Db& db, const rocksdb::Snapshot* snapshot, std::string_view stream,
                               const std::vector<uint64_t>& positions,
                               const std::function<bool(RecordedEvent&)>& fn);

// Attaches the personal part of `e` when it has one that was not erased.
absl::Status AttachPersonal(Db& db, RecordedEvent& e, const rocksdb::Snapshot* snapshot);

}  // namespace proeftuin::eventstore
