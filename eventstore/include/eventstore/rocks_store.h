// The RocksDB implementation of EventStore, the embedded default (docs/DESIGN.md).
//
// One writer thread drains a queue of appends, validates them as one group, and writes one
// WriteBatch with sync=true per group (group commit). Reads go straight to RocksDB. When a
// write or fsync fails the store stops writing, reloads its state from disk (the batch may have
// landed), resumes or reopens the database, and writes again once the cause clears; readers
// and subscriptions survive that.
//
// Thread-safety: all public methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eventstore/event_store.h"
#include "eventstore/projection.h"

namespace rocksdb {
class Env;
}

namespace proeftuin::eventstore {

inline constexpr int kStoreFormatVersion = 1;

struct RocksStoreOptions {
  std::string path;                // the data directory
  bool create_if_missing = true;   // a new store when `path` holds none
  // Read-only: opens as a RocksDB secondary instance (works while a server holds the store) and
  // refuses appends with FAILED_PRECONDITION. Projections are not opened.
  bool read_only = false;
  // nullptr: DefaultStoreEnv() (wal_fs.h); tests pass a fault-injecting one, proeftuind a timing
  // one
  rocksdb::Env* env = nullptr;
  std::vector<std::shared_ptr<Projector>> inline_projectors;
  std::vector<std::shared_ptr<Projector>> async_projectors;
  std::function<int64_t()> clock_us;  // microseconds since the epoch; default: system clock
  size_t max_group_requests = 2048;   // appends per commit group
  size_t live_feed_events = 16384;    // recent events kept in memory for live subscriptions
  // Memory budget for RocksDB: block cache and total memtable size.
  size_t block_cache_bytes = size_t{64} << 20;
  size_t write_buffer_bytes = size_t{32} << 20;
  // Newest events whose chain is checked at open (the result is in StartupCheck()).
  uint64_t startup_check_events = 1024;
  // At low load the acknowledger waits for a lone caller's answer spinning, at most this long
  // (docs/DESIGN.md, "Acknowledger at low load"); 0: never. Off on a single CPU.
  int64_t ack_spin_limit_us = 2000;
  // At low load the writer waits for a lone caller's next append spinning, at most this long,
  // before it sleeps (docs/DESIGN.md, "Writer at low load"); 0: never. Off on a single CPU.
  int64_t writer_spin_limit_us = 1000;
  // Called on the acknowledger thread before and after it runs the callbacks of one committed
  // group (proeftuind writes the log lines those callbacks make in one write). Either may be
  // empty. They must not block or append.
  std::function<void()> before_acks;
  std::function<void()> after_acks;
};

class RocksStore : public EventStore {
 public:
  // Opens (or creates) the store. FAILED_PRECONDITION: unknown store format version, or a
  // store locked by another writer (message says which); DATA_LOSS: corrupt files; NOT_FOUND:
  // no store at `path` and create_if_missing is false. Never crashes on a bad store. A store
  // whose log ends before what its other rows say was committed (newest events deleted
  // afterwards; docs/FORMAT.md, "The end of the log") opens, for reading and verification, but
  // refuses every append and rebuild with DATA_LOSS naming the positions (WriteHealth too), and
  // its StartupCheck names them.
  static absl::StatusOr<std::unique_ptr<RocksStore>> Open(RocksStoreOptions options);

  // Stops accepting appends, finishes those in flight, flushes, closes. Idempotent.
  virtual void Close() = 0;
  // Ends every rebuild in progress at its next chunk (it fails with UNAVAILABLE; the current
  // rows keep serving, its shadows are dropped) and refuses new ones: the first step of a
  // shutdown, which must not wait for a long rebuild. Appends and reads go on.
  virtual void StopRebuilds() = 0;
  // The store's identity (a UUID chosen at creation).
  virtual std::string StoreId() const = 0;
  // Outcome of the checks at open: the chain of the newest events (startup_check_events) and the
  // end of the log against the commit mark and the async projections' checkpoints.
  virtual VerifyResult StartupCheck() const = 0;
  // Online, consistent backup into `dir` (RocksDB checkpoint), verified after writing.
  virtual absl::Status Checkpoint(const std::string& dir) = 0;
};

}  // namespace proeftuin::eventstore
