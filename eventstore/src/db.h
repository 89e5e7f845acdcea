// Db: one open RocksDB instance of the store with its column families (docs/FORMAT.md).
// Private to the eventstore module.
//
// Thread-safety: all methods are thread-safe. The store shares a Db through shared_ptr; a
// reopen waits until no reader holds the old one.
#pragma once

#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"

namespace proeftuin::eventstore {

// Converts a RocksDB status; `what` names the operation for the message.
absl::Status FromRocks(const rocksdb::Status& s, const std::string& what);

// Moves `it`, an iterator over the events family, to the newest event: the last key that is a
// position (8 bytes). Keys of another length after it (put there by hand, e.g. with ldb) are
// stepped over: taken for the end of the log they would make the writer reuse positions and
// fork the chain. Not valid when the log is empty (or on an error: check it->status()).
void SeekToLastPosition(rocksdb::Iterator& it);

inline constexpr char kCfEvents[] = "events";
inline constexpr char kCfPersonal[] = "personal";
inline constexpr char kCfStreams[] = "streams";
inline constexpr char kCfRequests[] = "requests";
inline constexpr char kMetaFormat[] = "meta/format";
inline constexpr char kMetaStoreId[] = "meta/store_id";
inline constexpr char kMetaProjectionPrefix[] = "meta/projection/";
inline constexpr char kMetaProjectionVersionPrefix[] = "meta/projection_version/";
inline constexpr char kMetaCheckpointPrefix[] = "meta/checkpoint/";
// The commit mark: position and hash of the newest event, written with every commit group
// (src/log_end.h).
inline constexpr char kMetaHead[] = "meta/head";

struct DbOptions {
  std::string path;
  bool create_if_missing = true;
  bool read_only = false;
  rocksdb::Env* env = nullptr;
  size_t block_cache_bytes = 0;
  size_t write_buffer_bytes = 0;
};

// RocksDB counts into a thread-local perf context by default (PerfLevel::kEnableCount): several
// counts per iterator step, point read and memtable insert. Nothing in the store reads them, and
// through a shared librocksdb every count is a call to __tls_get_addr (2.4 % of a single-thread
// rebuild's instructions). The store's own threads turn counting off for themselves
// (QuietPerfCounters); work the store does on a caller's thread turns it off while it runs and
// then restores the caller's level (QuietPerfCountersHere). A caller that wants the counts sets
// the level on its own thread.
void QuietPerfCounters();

class QuietPerfCountersHere {
 public:
  QuietPerfCountersHere();
  ~QuietPerfCountersHere();
  QuietPerfCountersHere(const QuietPerfCountersHere&) = delete;
  QuietPerfCountersHere& operator=(const QuietPerfCountersHere&) = delete;

 private:
  int saved_;  // the caller's rocksdb::PerfLevel
};

class Db {
 public:
  // Opens every column family present (and creates the fixed ones). Checks the format version
  // and writes format + store id into a new store.
  static absl::StatusOr<std::shared_ptr<Db>> Open(const DbOptions& options);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  rocksdb::DB* raw() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* meta() const { return fixed_[0]; }
  rocksdb::ColumnFamilyHandle* events() const { return fixed_[1]; }
  rocksdb::ColumnFamilyHandle* personal() const { return fixed_[2]; }
  rocksdb::ColumnFamilyHandle* streams() const { return fixed_[3]; }
  rocksdb::ColumnFamilyHandle* requests() const { return fixed_[4]; }
  bool read_only() const { return read_only_; }
  const std::string& store_id() const { return store_id_; }

  // The column family with this exact name, nullptr when none.
  rocksdb::ColumnFamilyHandle* Family(const std::string& cf_name) const;
  // Names of every column family (fixed and projection ones).
  std::vector<std::string> FamilyNames() const;
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> CreateFamily(const std::string& cf_name);
  // Drops a column family; its handle stays valid until the Db closes, so that read views
  // that took it before go on reading it (RocksDB keeps a dropped family's data while a handle
  // to it is open).
  absl::Status DropFamily(const std::string& cf_name);

  // Secondary (read-only) instances: catch up with the primary's latest writes.
  absl::Status CatchUp();
  // Point reads with default options; NOT_FOUND is returned as nullopt.
  absl::StatusOr<std::optional<std::string>> Get(rocksdb::ColumnFamilyHandle* cf,
                                                 const rocksdb::Slice& key,
                                                 const rocksdb::Snapshot* snapshot = nullptr);

 private:
  Db() = default;
  absl::Status InitMeta();

  // A read-only open's Env over the caller's file system, its WALs read up to their records'
  // end (eventstore/wal_fs.h); declared before db_, which uses it until it closes.
  std::unique_ptr<rocksdb::Env> read_env_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> fixed_;  // default, events, personal, streams, requests
  std::string secondary_dir_;
  bool read_only_ = false;
  std::string store_id_;
  mutable absl::Mutex mu_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> families_ ABSL_GUARDED_BY(mu_);
  std::vector<rocksdb::ColumnFamilyHandle*> dropped_ ABSL_GUARDED_BY(mu_);
};

}  // namespace proeftuin::eventstore
