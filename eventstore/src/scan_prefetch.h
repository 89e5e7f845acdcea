// Reads a column family's table files into the page cache ahead of a long scan in key order.
// Private to the eventstore module.
//
// RocksDB opens table files for random access (POSIX_FADV_RANDOM: no readahead by the kernel)
// and an iterator's own readahead reads synchronously, so a scan over files that are not in the
// page cache waits for the disk at every step. A rebuild reads the whole log once, in key
// order: a thread of this class asks the kernel (POSIX_FADV_WILLNEED) to read the files ahead of
// the scan, a bounded number of bytes ahead, so the disk works while the scan decodes. Only
// advice: a file that cannot be opened (an in-memory Env, a file compacted away meanwhile) is
// skipped, and the scan reads as it would have.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "rocksdb/db.h"

namespace proeftuin::eventstore {

// Scans of fewer keys than this read only part of a file or two: not worth a thread and whole
// files read.
inline constexpr uint64_t kPrefetchMinKeys = 65536;

class ScanPrefetcher {
 public:
  // The files of `cf` holding keys in [from_key, to_key] (to_key empty: no end), read at most
  // `ahead_bytes` past the start of the file the scan is in. `ahead_bytes` 0: nothing is read
  // ahead (for a short scan, which would not read whole files).
  ScanPrefetcher(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string_view from_key,
                 std::string_view to_key, uint64_t ahead_bytes);
  ~ScanPrefetcher();  // stops advising and joins its thread
  ScanPrefetcher(const ScanPrefetcher&) = delete;
  ScanPrefetcher& operator=(const ScanPrefetcher&) = delete;

  // The scan has reached `key` (call it every few thousand keys; cheap when nothing changes).
  void Reached(std::string_view key);

  // The files it will advise, in key order, by path (for tests).
  std::vector<std::string> Paths() const;

 private:
  struct File {
    std::string path, smallest;
    uint64_t start = 0;  // bytes of the files before it
    uint64_t size = 0;
  };
  void Run();

  std::vector<File> files_;  // in key order
  const uint64_t ahead_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t reader_file_ = 0;  // guarded by mu_: the file the scan is in
  bool stop_ = false;       // guarded by mu_
  std::thread thread_;
};

}  // namespace proeftuin::eventstore
