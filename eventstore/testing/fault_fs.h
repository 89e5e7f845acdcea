// FaultInjectionFs: a rocksdb::FileSystem wrapper for durability tests (and a test build of the
// server). It remembers how much of each WAL and MANIFEST file was synced, so that a simulated
// power cut can drop everything that was not; and it can fail writes or syncs on demand with
// ENOSPC (IOStatus::NoSpace) or EIO (IOStatus::IOError). No mounts or root needed.
//
// Modelled scope: the faults hit every file written (a failing disk fails them all, and a
// store probing whether it may write again must see that). Unsynced bytes of WAL (*.log) and
// MANIFEST files are lost at a power cut; other files (SSTs, OPTIONS, CURRENT) are synced by
// RocksDB before it relies on them.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace proeftuin::eventstore::testing {

class FaultInjectionFs : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultInjectionFs(std::shared_ptr<rocksdb::FileSystem> base = rocksdb::FileSystem::Default());

  static const char* kClassName() { return "ProeftuinFaultInjectionFs"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& opts,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& dst,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;

  // Every write (append) fails with `s` until ClearFaults(); e.g. IOStatus::NoSpace().
  void FailWrites(const rocksdb::IOStatus& s);
  // Every sync fails with `s` until ClearFaults(); e.g. IOStatus::IOError("EIO"). With
  // `only_files_containing`, only syncs of files whose path contains it (e.g. "MANIFEST").
  void FailSyncs(const rocksdb::IOStatus& s, std::string only_files_containing = "");
  void ClearFaults();
  // Syncs of WAL files (*.log) wait until ReleaseWalSyncs(): a test can look at the store while
  // a batch is in flight. AwaitHeldWalSync waits up to `timeout` for one to be held.
  void HoldWalSyncs();
  void ReleaseWalSyncs();
  bool AwaitHeldWalSync(absl::Duration timeout);

  // The power goes: from now on every write and sync fails. Waits for writes and syncs under
  // way, so a sync that reported success is never dropped. Close the store, then call
  // DropUnsyncedData() and PowerRestored() before reopening.
  void PowerCut();
  // Truncates every tracked WAL and MANIFEST file to the length last synced.
  rocksdb::IOStatus DropUnsyncedData();
  void PowerRestored();

  uint64_t syncs() const { return syncs_.load(); }

  // Called by the files: each write or sync holds in_flight() shared from its fault check to
  // its record (PowerCut holds it exclusively).
  absl::Mutex* in_flight() ABSL_LOCK_RETURNED(in_flight_) { return &in_flight_; }
  rocksdb::IOStatus BeforeWrite();
  rocksdb::IOStatus BeforeSync(const std::string& fname);
  void Wrote(const std::string& fname, uint64_t bytes);
  void Synced(const std::string& fname, bool tracked);

 private:
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
  };
  rocksdb::IOStatus Wrap(const std::string& fname, rocksdb::IOStatus s, uint64_t existing,
                         std::unique_ptr<rocksdb::FSWritableFile>* result);

  absl::Mutex in_flight_;
  absl::Mutex mu_;
  std::map<std::string, FileState> files_ ABSL_GUARDED_BY(mu_);
  rocksdb::IOStatus write_fault_ ABSL_GUARDED_BY(mu_);
  rocksdb::IOStatus sync_fault_ ABSL_GUARDED_BY(mu_);
  std::string sync_fault_files_ ABSL_GUARDED_BY(mu_);
  bool power_cut_ ABSL_GUARDED_BY(mu_) = false;
  bool hold_wal_syncs_ ABSL_GUARDED_BY(mu_) = false;
  int held_wal_syncs_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> syncs_{0};
};

// An Env over a FaultInjectionFs over the default file system with the WAL zeroed ahead, as a
// store has it (eventstore/wal_fs.h). Keep both alive while a store uses them.
struct FaultEnv {
  FaultEnv();
  std::shared_ptr<FaultInjectionFs> fs;
  std::unique_ptr<rocksdb::Env> env;
};

}  // namespace proeftuin::eventstore::testing
