#include "testing/fault_fs.h"

#include <unistd.h>

#include <filesystem>

#include "eventstore/wal_fs.h"

namespace proeftuin::eventstore::testing {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

bool Tracked(const std::string& fname) {
  std::string base = std::filesystem::path(fname).filename().string();
  return base.size() > 4 && base.compare(base.size() - 4, 4, ".log") == 0 ? true
                                                                           : base.rfind("MANIFEST-", 0) == 0;
}

// Every file written goes through the faults; WAL and MANIFEST files (`tracked`) also record
// what was synced, for a power cut.
class FaultyFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyFile(FaultInjectionFs* fs, std::string name, bool tracked, std::unique_ptr<rocksdb::FSWritableFile> f)
      : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs), name_(std::move(name)), tracked_(tracked) {}

  IOStatus Append(const Slice& data, const IOOptions& o, IODebugContext* dbg) override {
    absl::ReaderMutexLock in_flight(fs_->in_flight());
    IOStatus s = fs_->BeforeWrite();
    if (s.ok()) s = target()->Append(data, o, dbg);
    if (s.ok() && tracked_) fs_->Wrote(name_, data.size());
    return s;
  }
  IOStatus Append(const Slice& data, const IOOptions& o, const rocksdb::DataVerificationInfo&,
                  IODebugContext* dbg) override {
    return Append(data, o, dbg);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o,
                            IODebugContext* dbg) override {
    absl::ReaderMutexLock in_flight(fs_->in_flight());
    IOStatus s = fs_->BeforeWrite();
    if (s.ok()) s = target()->PositionedAppend(data, offset, o, dbg);
    if (s.ok() && tracked_) fs_->Wrote(name_, data.size());
    return s;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o,
                            const rocksdb::DataVerificationInfo&, IODebugContext* dbg) override {
    return PositionedAppend(data, offset, o, dbg);
  }
  IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override {
    absl::ReaderMutexLock in_flight(fs_->in_flight());
    IOStatus s = fs_->BeforeSync(name_);
    if (s.ok()) s = target()->Sync(o, dbg);
    if (s.ok()) fs_->Synced(name_, tracked_);
    return s;
  }
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    absl::ReaderMutexLock in_flight(fs_->in_flight());
    IOStatus s = fs_->BeforeSync(name_);
    if (s.ok()) s = target()->Fsync(o, dbg);
    if (s.ok()) fs_->Synced(name_, tracked_);
    return s;
  }
  IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const IOOptions& o, IODebugContext* dbg) override {
    absl::ReaderMutexLock in_flight(fs_->in_flight());
    IOStatus s = fs_->BeforeSync(name_);
    if (s.ok()) s = target()->RangeSync(offset, nbytes, o, dbg);
    return s;
  }

 private:
  FaultInjectionFs* fs_;
  std::string name_;
  bool tracked_;
};

}  // namespace

FaultInjectionFs::FaultInjectionFs(std::shared_ptr<rocksdb::FileSystem> base)
    : FileSystemWrapper(base) {}

IOStatus FaultInjectionFs::Wrap(const std::string& fname, IOStatus s, uint64_t existing,
                                std::unique_ptr<rocksdb::FSWritableFile>* result) {
  if (!s.ok()) return s;
  bool tracked = Tracked(fname);
  if (tracked) {
    absl::MutexLock l(&mu_);
    FileState& st = files_[fname];
    st.size = existing;
    st.synced = std::min(st.synced, existing);
    if (existing == 0) st.synced = 0;
  }
  *result = std::make_unique<FaultyFile>(this, fname, tracked, std::move(*result));
  return s;
}

IOStatus FaultInjectionFs::NewWritableFile(const std::string& fname, const rocksdb::FileOptions& o,
                                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                                           IODebugContext* dbg) {
  if (IOStatus s = BeforeWrite(); !s.ok()) return s;
  return Wrap(fname, target()->NewWritableFile(fname, o, result, dbg), 0, result);
}

IOStatus FaultInjectionFs::ReopenWritableFile(const std::string& fname,
                                              const rocksdb::FileOptions& o,
                                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                                              IODebugContext* dbg) {
  if (IOStatus s = BeforeWrite(); !s.ok()) return s;
  std::error_code ec;
  uint64_t existing = std::filesystem::file_size(fname, ec);
  if (ec) existing = 0;
  {
    absl::MutexLock l(&mu_);
    if (files_.find(fname) == files_.end()) files_[fname].synced = existing;  // durable before
  }
  return Wrap(fname, target()->ReopenWritableFile(fname, o, result, dbg), existing, result);
}

IOStatus FaultInjectionFs::ReuseWritableFile(const std::string& fname, const std::string& old,
                                             const rocksdb::FileOptions& o,
                                             std::unique_ptr<rocksdb::FSWritableFile>* result,
                                             IODebugContext* dbg) {
  if (IOStatus s = BeforeWrite(); !s.ok()) return s;
  return Wrap(fname, target()->ReuseWritableFile(fname, old, o, result, dbg), 0, result);
}

IOStatus FaultInjectionFs::DeleteFile(const std::string& fname, const IOOptions& o,
                                      IODebugContext* dbg) {
  IOStatus s = target()->DeleteFile(fname, o, dbg);
  if (s.ok()) {
    absl::MutexLock l(&mu_);
    files_.erase(fname);
  }
  return s;
}

IOStatus FaultInjectionFs::RenameFile(const std::string& src, const std::string& dst,
                                      const IOOptions& o, IODebugContext* dbg) {
  if (IOStatus s = BeforeWrite(); !s.ok()) return s;
  IOStatus s = target()->RenameFile(src, dst, o, dbg);
  if (s.ok()) {
    absl::MutexLock l(&mu_);
    auto it = files_.find(src);
    if (it != files_.end()) {
      FileState st = it->second;
      files_.erase(it);
      if (Tracked(dst)) files_[dst] = st;
    }
  }
  return s;
}

void FaultInjectionFs::FailWrites(const IOStatus& s) {
  absl::MutexLock l(&mu_);
  write_fault_ = s;
}

void FaultInjectionFs::FailSyncs(const IOStatus& s, std::string only_files_containing) {
  absl::MutexLock l(&mu_);
  sync_fault_ = s;
  sync_fault_files_ = std::move(only_files_containing);
}

void FaultInjectionFs::ClearFaults() {
  absl::MutexLock l(&mu_);
  write_fault_ = IOStatus::OK();
  sync_fault_ = IOStatus::OK();
  sync_fault_files_.clear();
}

void FaultInjectionFs::PowerCut() {
  absl::WriterMutexLock no_write_half_way(&in_flight_);
  absl::MutexLock l(&mu_);
  power_cut_ = true;
}

void FaultInjectionFs::PowerRestored() {
  absl::MutexLock l(&mu_);
  power_cut_ = false;
}

IOStatus FaultInjectionFs::DropUnsyncedData() {
  absl::MutexLock l(&mu_);
  for (auto& [name, st] : files_) {
    std::error_code ec;
    if (!std::filesystem::exists(name, ec)) continue;
    if (::truncate(name.c_str(), static_cast<off_t>(st.synced)) != 0) {
      return IOStatus::IOError("truncate " + name);
    }
    st.size = st.synced;
  }
  return IOStatus::OK();
}

IOStatus FaultInjectionFs::BeforeWrite() {
  absl::MutexLock l(&mu_);
  if (power_cut_) return IOStatus::IOError("injected power cut");
  return write_fault_;
}

void FaultInjectionFs::HoldWalSyncs() {
  absl::MutexLock l(&mu_);
  hold_wal_syncs_ = true;
}

void FaultInjectionFs::ReleaseWalSyncs() {
  absl::MutexLock l(&mu_);
  hold_wal_syncs_ = false;
}

bool FaultInjectionFs::AwaitHeldWalSync(absl::Duration timeout) {
  absl::MutexLock l(&mu_);
  auto held = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return held_wal_syncs_ > 0; };
  return mu_.AwaitWithTimeout(absl::Condition(&held), timeout);
}

IOStatus FaultInjectionFs::BeforeSync(const std::string& fname) {
  absl::MutexLock l(&mu_);
  if (hold_wal_syncs_ && fname.size() > 4 && fname.compare(fname.size() - 4, 4, ".log") == 0) {
    ++held_wal_syncs_;
    auto released = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !hold_wal_syncs_; };
    mu_.Await(absl::Condition(&released));
    --held_wal_syncs_;
  }
  if (power_cut_) return IOStatus::IOError("injected power cut");
  if (fname.find(sync_fault_files_) == std::string::npos) return IOStatus::OK();
  return sync_fault_;
}

void FaultInjectionFs::Wrote(const std::string& fname, uint64_t bytes) {
  absl::MutexLock l(&mu_);
  files_[fname].size += bytes;
}

void FaultInjectionFs::Synced(const std::string& fname, bool tracked) {
  syncs_.fetch_add(1);
  if (!tracked) return;
  absl::MutexLock l(&mu_);
  FileState& st = files_[fname];
  st.synced = st.size;
}

FaultEnv::FaultEnv()
    : fs(std::make_shared<FaultInjectionFs>(
          NewWalZeroAheadFileSystem(rocksdb::FileSystem::Default()))),
      env(rocksdb::NewCompositeEnv(fs)) {}

}  // namespace proeftuin::eventstore::testing
