#include "server/sync_timing_fs.h"

#include <chrono>
#include <string>

#include "eventstore/wal_fs.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace proeftuin::server {
namespace {

using rocksdb::FileOptions;
using rocksdb::FSWritableFile;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

class TimedFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  TimedFile(MetricFamily* histogram, std::string_view kind, std::unique_ptr<FSWritableFile> f)
      : FSWritableFileOwnerWrapper(std::move(f)), histogram_(histogram), kind_(kind) {}

  IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override {
    return Timed([&] { return target()->Sync(o, dbg); });
  }
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    return Timed([&] { return target()->Fsync(o, dbg); });
  }
  IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const IOOptions& o, IODebugContext* dbg) override {
    return Timed([&] { return target()->RangeSync(offset, nbytes, o, dbg); });
  }

 private:
  template <typename F>
  IOStatus Timed(F sync) {
    auto start = std::chrono::steady_clock::now();
    IOStatus s = sync();
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    histogram_->Observe({kind_}, took.count());
    return s;
  }

  MetricFamily* histogram_;
  std::string kind_;
};

class SyncTimingFs : public rocksdb::FileSystemWrapper {
 public:
  explicit SyncTimingFs(MetricFamily* histogram)
      : FileSystemWrapper(eventstore::NewWalZeroAheadFileSystem(rocksdb::FileSystem::Default())),
        histogram_(histogram) {}

  static const char* kClassName() { return "ProeftuinSyncTimingFs"; }
  const char* Name() const override { return kClassName(); }

  IOStatus NewWritableFile(const std::string& f, const FileOptions& o, std::unique_ptr<FSWritableFile>* r,
                           IODebugContext* dbg) override {
    return Wrap(f, target()->NewWritableFile(f, o, r, dbg), r);
  }
  IOStatus ReopenWritableFile(const std::string& f, const FileOptions& o, std::unique_ptr<FSWritableFile>* r,
                              IODebugContext* dbg) override {
    return Wrap(f, target()->ReopenWritableFile(f, o, r, dbg), r);
  }
  IOStatus ReuseWritableFile(const std::string& f, const std::string& old, const FileOptions& o,
                             std::unique_ptr<FSWritableFile>* r, IODebugContext* dbg) override {
    return Wrap(f, target()->ReuseWritableFile(f, old, o, r, dbg), r);
  }

 private:
  IOStatus Wrap(const std::string& fname, IOStatus s, std::unique_ptr<FSWritableFile>* r) {
    if (s.ok() && *r != nullptr) {
      *r = std::make_unique<TimedFile>(histogram_, SyncTimingEnv::KindOf(fname), std::move(*r));
    }
    return s;
  }

  MetricFamily* histogram_;
};

}  // namespace

std::string_view SyncTimingEnv::KindOf(std::string_view fname) {
  std::string_view base = fname.substr(fname.rfind('/') == std::string_view::npos ? 0 : fname.rfind('/') + 1);
  auto ends_with = [&](std::string_view suffix) {
    return base.size() >= suffix.size() && base.substr(base.size() - suffix.size()) == suffix;
  };
  if (ends_with(".log")) return "wal";
  if (ends_with(".sst")) return "table";
  if (base.rfind("MANIFEST-", 0) == 0) return "manifest";
  return "other";
}

SyncTimingEnv::SyncTimingEnv(MetricFamily* histogram)
    : fs_(std::make_shared<SyncTimingFs>(histogram)), env_(rocksdb::NewCompositeEnv(fs_)) {}

SyncTimingEnv::~SyncTimingEnv() = default;

}  // namespace proeftuin::server
