#include "eventstore/wal_fs.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace proeftuin::eventstore {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

// Zeros to write from; never written to (static storage: its pages stay the kernel's zero page).
constexpr size_t kZeroBlock = size_t{64} << 10;
const char kZeros[kZeroBlock] = {};

bool IsWal(std::string_view fname) {
  std::string_view base =
      fname.substr(fname.rfind('/') == std::string_view::npos ? 0 : fname.rfind('/') + 1);
  return base.size() > 4 && base.substr(base.size() - 4) == ".log";
}

// A WAL file whose records are written (pwrite, through PositionedAppend) over zeros written
// before them. `written_` is the records' end, what RocksDB sees as the file's size; `zeroed_`
// the end of what was written at all (records, then zeros), never less than `written_`.
class ZeroAheadWal : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  ZeroAheadWal(std::unique_ptr<rocksdb::FSWritableFile> f, size_t ahead)
      : FSWritableFileOwnerWrapper(std::move(f)), ahead_(ahead) {}

  IOStatus Append(const Slice& data, const IOOptions& o, IODebugContext* dbg) override {
    return WriteAt(data, written_, o, dbg);
  }
  IOStatus Append(const Slice& data, const IOOptions& o, const rocksdb::DataVerificationInfo&,
                  IODebugContext* dbg) override {
    return WriteAt(data, written_, o, dbg);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o,
                            IODebugContext* dbg) override {
    return WriteAt(data, offset, o, dbg);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o,
                            const rocksdb::DataVerificationInfo&, IODebugContext* dbg) override {
    return WriteAt(data, offset, o, dbg);
  }
  IOStatus Truncate(uint64_t size, const IOOptions& o, IODebugContext* dbg) override {
    IOStatus s = target()->Truncate(size, o, dbg);
    if (s.ok()) written_ = zeroed_ = size;
    return s;
  }
  // A clean close leaves only the records: the zeros after them go.
  IOStatus Close(const IOOptions& o, IODebugContext* dbg) override {
    if (zeroed_ > written_) {
      if (IOStatus s = target()->Truncate(written_, o, dbg); !s.ok()) return s;
      zeroed_ = written_;
    }
    return target()->Close(o, dbg);
  }
  uint64_t GetFileSize(const IOOptions&, IODebugContext*) override { return written_; }

 private:
  IOStatus WriteAt(const Slice& data, uint64_t offset, const IOOptions& o, IODebugContext* dbg) {
    const uint64_t end = offset + data.size();
    if (end > zeroed_) {
      // Zeros up to the next multiple of ahead_ past the records' new end: only this write
      // (and the sync after it) changes the file's size.
      const uint64_t to = (end / ahead_ + 1) * ahead_;
      for (uint64_t at = zeroed_; at < to;) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(kZeroBlock, to - at));
        if (IOStatus s = target()->PositionedAppend(Slice(kZeros, n), at, o, dbg); !s.ok())
          return s;
        at += n;
      }
      zeroed_ = to;
    }
    IOStatus s = target()->PositionedAppend(data, offset, o, dbg);
    if (s.ok()) written_ = std::max(written_, end);
    return s;
  }

  const uint64_t ahead_;
  uint64_t written_ = 0;
  uint64_t zeroed_ = 0;
};

class WalZeroAheadFs : public rocksdb::FileSystemWrapper {
 public:
  WalZeroAheadFs(std::shared_ptr<rocksdb::FileSystem> base, size_t ahead)
      : FileSystemWrapper(std::move(base)), ahead_(std::max<size_t>(ahead, 4096)) {}

  static const char* kClassName() { return "ProeftuinWalZeroAheadFs"; }
  const char* Name() const override { return kClassName(); }

  IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& o,
                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                           IODebugContext* dbg) override {
    IOStatus s = target()->NewWritableFile(fname, o, result, dbg);
    if (s.ok() && *result != nullptr && IsWal(fname) && !o.use_direct_writes) {
      *result = std::make_unique<ZeroAheadWal>(std::move(*result), ahead_);
    }
    return s;
  }

 private:
  const size_t ahead_;
};

}  // namespace

std::shared_ptr<rocksdb::FileSystem> NewWalZeroAheadFileSystem(
    std::shared_ptr<rocksdb::FileSystem> base, size_t ahead_bytes) {
  return std::make_shared<WalZeroAheadFs>(std::move(base), ahead_bytes);
}

rocksdb::Env* DefaultStoreEnv() {
  static rocksdb::Env* const env =
      rocksdb::NewCompositeEnv(NewWalZeroAheadFileSystem(rocksdb::FileSystem::Default())).release();
  return env;
}

}  // namespace proeftuin::eventstore
