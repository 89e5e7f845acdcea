// SyncTimingEnv: a RocksDB Env whose file system times every Sync / Fsync / RangeSync of a file
// RocksDB writes and records it in a histogram labelled by the kind of file: "wal" (*.log: the
// fsync every commit group waits for), "table" (*.sst), "manifest" (MANIFEST-*), "other".
//
// The store takes an Env through RocksStoreOptions::env, so proeftuind measures fsync latency
// without the event store knowing (docs/OPERATIONS.md, metric proeftuin_fsync_duration_seconds).
// Under it, the default file system with the WAL zeroed ahead, as DefaultStoreEnv() has it
// (eventstore/wal_fs.h).
//
// Thread-safety: thread-safe; keep the object alive while a store uses env().
#pragma once

#include <memory>
#include <string_view>

#include "server/metrics.h"

namespace rocksdb {
class Env;
class FileSystem;
}  // namespace rocksdb

namespace proeftuin::server {

class SyncTimingEnv {
 public:
  // `histogram`: a histogram family with one label ("file"); must outlive this object.
  explicit SyncTimingEnv(MetricFamily* histogram);
  ~SyncTimingEnv();

  rocksdb::Env* env() const { return env_.get(); }

  // "wal", "table", "manifest" or "other", from a file name.
  static std::string_view KindOf(std::string_view fname);

 private:
  std::shared_ptr<rocksdb::FileSystem> fs_;
  std::unique_ptr<rocksdb::Env> env_;
};

}  // namespace proeftuin::server
