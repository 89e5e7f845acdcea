// Reading the log from disk: shared by ReadAll, ReadStream, subscriptions and verification.
// Private to the eventstore module. Thread-safe (RocksDB reads).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "eventstore/event_store.h"
#include "src/codec.h"
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

// One entry of a stream's index (`v/<stream>/` + BE64 version -> BE64 position).
struct StreamEntry {
  uint64_t version = 0;
  uint64_t position = 0;
};

// A walk through a stream's index: the entries read, in the walk's order, and whether it read
// every entry in its direction (forward: it ran out of the stream's entries; backward: it read
// version 0) rather than stopping at max_count.
struct StreamIndexWalk {
  std::vector<StreamEntry> entries;
  bool complete = false;
};

// Reading a stream trusts no entry of its index it cannot check (shared by EventStore::ReadStream
// and ReadView::ReadStream, and cheap: the header is decoded anyway):
// - ReadStreamIndex walks the index of `stream` from `from_version` in direction `dir`
//   (backward: from the highest version at or below it), at most `max_count` entries. DATA_LOSS
//   naming the stream and the version for a key that is not a version, a value that is not a
//   position, and a version missing between two entries (or, backward, below the last one).
// - ReadStreamRecords decodes the events the entries name, in that order, into one reused event
//   that fn sees (no personal part) until fn returns false. DATA_LOSS when a position has no
//   record, or holds an event of another stream or another version. Batched MultiGets: records
//   sharing a block are read once.
// - CheckStreamHead holds the walk against the stream's head (`h/<stream>`, nullopt when it has
//   none): no entry past the head's version, the head's version at the head's position, and a
//   complete walk from a version at or below the head's reaches it (forward) or starts at it or
//   at `from_version` (backward). DATA_LOSS naming the stream and the versions otherwise. Last,
//   so that a record of another stream is named as such.
absl::Status ReadStreamIndex(Db& db, const rocksdb::Snapshot* snapshot, std::string_view stream,
                             Direction dir, uint64_t from_version, size_t max_count,
                             StreamIndexWalk* walk);
absl::Status ReadStreamRecords(Db& db, const rocksdb::Snapshot* snapshot, std::string_view stream,
                               const std::vector<StreamEntry>& entries,
                               const std::function<bool(RecordedEvent&)>& fn);
absl::Status CheckStreamHead(std::string_view stream, const std::optional<StreamHead>& head,
                             Direction dir, uint64_t from_version, const StreamIndexWalk& walk);

// Attaches the personal part of `e` when it has one that was not erased.
absl::Status AttachPersonal(Db& db, RecordedEvent& e, const rocksdb::Snapshot* snapshot);

}  // namespace proeftuin::eventstore
