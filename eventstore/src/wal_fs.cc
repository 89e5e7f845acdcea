#include "eventstore/wal_fs.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <system_error>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

// RocksDB's own CRC32C, the one its log writer checksums each record with (util/crc32c.h, not
// among the installed headers; the function is exported by librocksdb).
namespace rocksdb::crc32c {
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);
}  // namespace rocksdb::crc32c

namespace proeftuin::eventstore {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

// Zeros to write from; never written to (static storage: its pages stay the kernel's zero page).
constexpr size_t kZeroBlock = size_t{64} << 10;
const char kZeros[kZeroBlock] = {};

// The same file named with doubled slashes (RocksDB joins a directory given with a trailing
// slash and a file name with one more) is one key.
std::string Normal(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  return out;
}

std::string DirOf(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : Normal(path.substr(0, slash));
}

bool IsWal(std::string_view fname) {
  const size_t slash = fname.rfind('/');
  std::string_view base = fname.substr(slash == std::string_view::npos ? 0 : slash + 1);
  return base.size() > 4 && base.substr(base.size() - 4) == ".log";
}

// --- RocksDB's log format (db/log_format.h): 32 KiB blocks of physical records, each a header
// (masked CRC32C of the type byte and the payload: 4 bytes little-endian; payload length: 2;
// type: 1) and its payload; a block's last 1 to 6 bytes, too few for a header, are zero padding.
// Recyclable records (types 5 to 8) have the log number, 4 more bytes, in their header.
constexpr uint64_t kBlock = 32768;
constexpr size_t kHeader = 7;
constexpr size_t kRecyclableHeader = 11;
constexpr uint32_t kMaskDelta = 0xa282ead8u;

uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// Of `have` bytes read from a WAL at a record boundary `left` bytes before the end of its
// block (have <= left), how many are whole records with a matching checksum (and the block's
// padding, once the block is whole): a reader may read that far. Stops at a zero header (zeros
// not written over yet), at a record not all there, and at one whose checksum does not match
// (being written while it was read; or damaged: WalRecordsView tells the two apart).
size_t WholeRecords(const char* p, size_t have, size_t left) {
  size_t at = 0;
  for (;;) {
    const size_t rest = left - at;
    if (rest < kHeader) return have - at >= rest ? left : at;  // the block's padding
    if (have - at < kHeader) return at;
    const unsigned char* h = reinterpret_cast<const unsigned char*>(p + at);
    const size_t length = h[4] | (size_t{h[5]} << 8);
    const unsigned type = h[6];
    if (type == 0 && length == 0) return at;
    const size_t header = type >= 5 && type <= 8 ? kRecyclableHeader : kHeader;
    if (header + length > rest || header + length > have - at) return at;
    const uint32_t stored =
        h[0] | (uint32_t{h[1]} << 8) | (uint32_t{h[2]} << 16) | (uint32_t{h[3]} << 24);
    const uint32_t actual = rocksdb::crc32c::Extend(0, p + at + 6, header - 6 + length);
    if (Unmask(stored) != actual) return at;
    at += header + length;
  }
}

// Whether a whole record with a matching checksum starts at p (`have` bytes there, `left` to the
// end of its block): not padding, not zeros.
bool ValidRecordAt(const char* p, size_t have, size_t left) {
  if (left < kHeader || have < kHeader) return false;
  const unsigned char* h = reinterpret_cast<const unsigned char*>(p);
  if (h[6] == 0) return false;
  return WholeRecords(p, std::min(have, left), left) > 0;
}

// ---------------------------------------------------------------------------------------------
// The writer's side.

// What the writer and the zeroing thread share about one open WAL file. Offsets in bytes.
struct WalState {
  explicit WalState(std::string name) : fname(std::move(name)) {}
  const std::string fname;
  absl::Mutex mu;
  uint64_t written ABSL_GUARDED_BY(mu) = 0;   // the records' end: the size RocksDB sees
  // The file's size: records, holes and zeros; while no zeroing failed, everything past the
  // records is synced zeros (or a hole).
  uint64_t physical ABSL_GUARDED_BY(mu) = 0;
  // A zeroing of [zero_from, zero_to) is queued or under way: no record may go there yet.
  bool zeroing ABSL_GUARDED_BY(mu) = false;
  uint64_t zero_from ABSL_GUARDED_BY(mu) = 0;
  uint64_t zero_to ABSL_GUARDED_BY(mu) = 0;
  bool closed ABSL_GUARDED_BY(mu) = false;  // no more zeroing
  bool failed ABSL_GUARDED_BY(mu) = false;  // a zeroing failed: the file is appended to plainly
  // A failed zeroing could not be cut off again: from here on the file holds zeros that may not
  // be on the disk, and no record may go there (the write fails; the store reopens).
  uint64_t unsafe_from ABSL_GUARDED_BY(mu) = UINT64_MAX;
};

class WalZeroAheadFs;

// A WAL file whose records are written with pwrite (through PositionedAppend) at their place,
// over zeros when the zeroing thread has got there first, else past them or into a hole.
class ZeroAheadWal : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  ZeroAheadWal(std::unique_ptr<rocksdb::FSWritableFile> f, std::shared_ptr<WalState> st,
               std::shared_ptr<WalZeroAheadFs> fs)
      : FSWritableFileOwnerWrapper(std::move(f)), st_(std::move(st)), fs_(std::move(fs)) {}
  ~ZeroAheadWal() override;

  IOStatus Append(const Slice& data, const IOOptions& o, IODebugContext* dbg) override {
    return WriteAt(data, o, dbg);
  }
  IOStatus Append(const Slice& data, const IOOptions& o, const rocksdb::DataVerificationInfo&,
                  IODebugContext* dbg) override {
    return WriteAt(data, o, dbg);
  }
  IOStatus PositionedAppend(const Slice&, uint64_t, const IOOptions&, IODebugContext*) override {
    return IOStatus::NotSupported("positioned appends to a WAL zeroed ahead");
  }
  IOStatus PositionedAppend(const Slice&, uint64_t, const IOOptions&,
                            const rocksdb::DataVerificationInfo&, IODebugContext*) override {
    return IOStatus::NotSupported("positioned appends to a WAL zeroed ahead");
  }
  IOStatus Truncate(uint64_t size, const IOOptions& o, IODebugContext* dbg) override;
  IOStatus Close(const IOOptions& o, IODebugContext* dbg) override;
  uint64_t GetFileSize(const IOOptions&, IODebugContext*) override {
    absl::MutexLock l(&st_->mu);
    return st_->written;
  }

 private:
  IOStatus WriteAt(const Slice& data, const IOOptions& o, IODebugContext* dbg);
  // Stops the zeroing of this file and waits for one under way; then cuts the file back to its
  // records.
  IOStatus Finish(const IOOptions& o, IODebugContext* dbg);

  std::shared_ptr<WalState> st_;
  std::shared_ptr<WalZeroAheadFs> fs_;
  bool finished_ = false;
};

class WalZeroAheadFs : public rocksdb::FileSystemWrapper,
                       public std::enable_shared_from_this<WalZeroAheadFs> {
 public:
  WalZeroAheadFs(std::shared_ptr<rocksdb::FileSystem> base, size_t ahead)
      : FileSystemWrapper(base),
        base_(std::move(base)),
        ahead_(std::max<size_t>(ahead, 4 * kBlock)) {}

  static const char* kClassName() { return "ProeftuinWalZeroAheadFs"; }
  const char* Name() const override { return kClassName(); }

  IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& o,
                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                           IODebugContext* dbg) override {
    IOStatus s = target()->NewWritableFile(fname, o, result, dbg);
    if (!s.ok() || *result == nullptr || !IsWal(fname) || o.use_direct_writes) return s;
    const std::string key = Normal(fname);
    std::shared_ptr<WalState> st;
    {
      absl::MutexLock l(&mu_);
      // Only a store's own WALs: not, e.g., the copy of one a checkpoint writes elsewhere.
      if (!store_dirs_.contains(DirOf(key))) return s;
      st = open_[key] = std::make_shared<WalState>(key);
    }
    *result = std::make_unique<ZeroAheadWal>(std::move(*result), st, shared_from_this());
    {
      absl::MutexLock l(&st->mu);
      MaybeZero(st);
    }
    return s;
  }

  // An open WAL's size is its records' end (a checkpoint copies that much of the live WAL).
  IOStatus GetFileSize(const std::string& fname, const IOOptions& o, uint64_t* size,
                       IODebugContext* dbg) override {
    if (std::shared_ptr<WalState> st = Open(fname)) {
      absl::MutexLock l(&st->mu);
      *size = st->written;
      return IOStatus::OK();
    }
    return target()->GetFileSize(fname, o, size, dbg);
  }
  IOStatus GetChildrenFileAttributes(const std::string& dir, const IOOptions& o,
                                     std::vector<rocksdb::FileAttributes>* result,
                                     IODebugContext* dbg) override {
    IOStatus s = target()->GetChildrenFileAttributes(dir, o, result, dbg);
    if (!s.ok()) return s;
    std::string prefix = Normal(dir + "/");
    for (rocksdb::FileAttributes& a : *result) {
      if (!IsWal(a.name)) continue;
      if (std::shared_ptr<WalState> st = Open(prefix + a.name)) {
        absl::MutexLock l(&st->mu);
        a.size_bytes = st->written;
      }
    }
    return s;
  }

  // Called with st->mu held by the file's writer, after a write or at the start (never by a
  // zeroing): starts the next zeroing when the records come within half of `ahead_` of the
  // zeros' end. A new file's first zeros begin a little past its start, so that its first
  // records need not wait for them (they go into the hole before them).
  void MaybeZero(const std::shared_ptr<WalState>& st) ABSL_EXCLUSIVE_LOCKS_REQUIRED(st->mu) {
    if (st->zeroing || st->closed || st->failed) return;
    if (st->physical >= st->written + ahead_ / 2) return;
    st->zero_from = std::max(st->physical, st->written + kLead);
    st->zero_to = st->zero_from + ahead_;
    st->zeroing = true;
    // A thread per zeroing (a few a second at most), not a standing one: a process forked from
    // this one (the crash tests' children) has no threads but the forking one.
    try {
      std::thread([base = base_, st, from = st->zero_from, to = st->zero_to] {
        pthread_setname_np(pthread_self(), "pt-walzero");
        IOStatus s = Zero(*base, st->fname, from, to);
        // A zeroing that failed (a full disk, most likely) may have left zeros that are not on
        // the disk: they go again (no record is past `from` yet: it would wait for this), and
        // the file is appended to plainly from now on.
        IOStatus cut;
        if (!s.ok()) {
          uint64_t size = 0;
          cut = base->GetFileSize(st->fname, IOOptions(), &size, nullptr);
          if (cut.ok() && size > from &&
              ::truncate(st->fname.c_str(), static_cast<off_t>(from)) != 0) {
            cut = IOStatus::IOError("truncate " + st->fname);
          }
        }
        absl::MutexLock l(&st->mu);
        st->zeroing = false;
        if (s.ok()) {
          st->physical = std::max(st->physical, to);
        } else {
          st->failed = true;
          // (The file may end at `from` now: a close cuts it back to the records.)
          st->physical = std::max(st->physical, cut.ok() ? from : to);
          if (!cut.ok()) st->unsafe_from = from;
        }
      }).detach();
    } catch (const std::system_error&) {
      st->zeroing = false;
      st->failed = true;
    }
  }

  void Forget(const std::shared_ptr<WalState>& st) {
    absl::MutexLock l(&mu_);
    auto it = open_.find(st->fname);
    if (it != open_.end() && it->second == st) open_.erase(it);
  }

  void AddStoreDir(std::string_view dir) {
    absl::MutexLock l(&mu_);
    std::string d = Normal(dir);
    while (d.size() > 1 && d.back() == '/') d.pop_back();  // "dir/" is "dir"
    store_dirs_.insert(std::move(d));
  }

 private:
  // How far past the records a zeroing begins when there are no zeros ahead of them.
  static constexpr uint64_t kLead = 4 * kBlock;

  std::shared_ptr<WalState> Open(const std::string& fname) {
    if (!IsWal(fname)) return nullptr;
    absl::MutexLock l(&mu_);
    auto it = open_.find(Normal(fname));
    return it == open_.end() ? nullptr : it->second;
  }

  // Writes zeros over [from, to) of the file and syncs them, through a handle of its own.
  static IOStatus Zero(rocksdb::FileSystem& base, const std::string& fname, uint64_t from,
                       uint64_t to) {
    std::unique_ptr<rocksdb::FSRandomRWFile> f;
    IOOptions o;
    IOStatus s = base.NewRandomRWFile(fname, rocksdb::FileOptions(), &f, nullptr);
    if (!s.ok()) return s;
    // The blocks first, as unwritten extents (they read as zeros until written, also after a
    // power cut that keeps the new size but not every zero); where the file system cannot, the
    // zeros' own sync is what protects.
    if (int fd = ::open(fname.c_str(), O_WRONLY | O_CLOEXEC); fd >= 0) {
      (void)::fallocate(fd, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(from),
                        static_cast<off_t>(to - from));
      ::close(fd);
    }
    for (uint64_t at = from; s.ok() && at < to;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kZeroBlock, to - at));
      s = f->Write(at, Slice(kZeros, n), o, nullptr);
      at += n;
    }
    if (s.ok()) s = f->Sync(o, nullptr);
    IOStatus c = f->Close(o, nullptr);
    return s.ok() ? c : s;
  }

  const std::shared_ptr<rocksdb::FileSystem> base_;
  const uint64_t ahead_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<WalState>> open_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> store_dirs_ ABSL_GUARDED_BY(mu_);
};

ZeroAheadWal::~ZeroAheadWal() {
  // Closed by RocksDB before, as a rule; if not, the zeros stay, as after a crash.
  absl::MutexLock l(&st_->mu);
  st_->closed = true;
  st_->mu.Await(absl::Condition(
      +[](WalState* st) ABSL_NO_THREAD_SAFETY_ANALYSIS { return !st->zeroing; }, st_.get()));
  fs_->Forget(st_);
}

IOStatus ZeroAheadWal::WriteAt(const Slice& data, const IOOptions& o, IODebugContext* dbg) {
  uint64_t offset = 0;
  {
    absl::MutexLock l(&st_->mu);
    offset = st_->written;
    const uint64_t end = offset + data.size();
    // Never into zeros not yet synced: after a power cut they could be stale blocks. (Only
    // this thread queues a zeroing, so the one waited for is the last before the write.)
    if (st_->zeroing && end > st_->zero_from) {
      st_->mu.Await(absl::Condition(
          +[](WalState* st) ABSL_NO_THREAD_SAFETY_ANALYSIS { return !st->zeroing; }, st_.get()));
    }
    if (end > st_->unsafe_from) {
      return IOStatus::IOError("WAL " + st_->fname +
                               ": zeros that failed to be written could not be removed");
    }
  }
  IOStatus s = target()->PositionedAppend(data, offset, o, dbg);
  if (!s.ok()) return s;
  absl::MutexLock l(&st_->mu);
  st_->written = offset + data.size();
  st_->physical = std::max(st_->physical, st_->written);
  fs_->MaybeZero(st_);
  return s;
}

IOStatus ZeroAheadWal::Finish(const IOOptions& o, IODebugContext* dbg) {
  uint64_t written = 0, physical = 0;
  {
    absl::MutexLock l(&st_->mu);
    st_->closed = true;
    st_->mu.Await(absl::Condition(
        +[](WalState* st) ABSL_NO_THREAD_SAFETY_ANALYSIS { return !st->zeroing; }, st_.get()));
    written = st_->written;
    physical = st_->physical;
  }
  finished_ = true;
  if (physical > written) return target()->Truncate(written, o, dbg);
  return IOStatus::OK();
}

IOStatus ZeroAheadWal::Truncate(uint64_t size, const IOOptions& o, IODebugContext* dbg) {
  // RocksDB truncates a WAL only with direct writes, which are not zeroed ahead; should it ever,
  // the zeros go first, and the file is written plainly from then on.
  if (!finished_) {
    if (IOStatus s = Finish(o, dbg); !s.ok()) return s;
  }
  IOStatus s = target()->Truncate(size, o, dbg);
  if (s.ok()) {
    absl::MutexLock l(&st_->mu);
    st_->written = st_->physical = size;
  }
  return s;
}

IOStatus ZeroAheadWal::Close(const IOOptions& o, IODebugContext* dbg) {
  // A clean close leaves only the records.
  if (!finished_) {
    if (IOStatus s = Finish(o, dbg); !s.ok()) return s;
  }
  return target()->Close(o, dbg);
}

// ---------------------------------------------------------------------------------------------
// A reader's side.

// A WAL read sequentially, up to the end of its whole records: a read that reaches it is short,
// and a later one goes on from there once more records are whole (RocksDB's log readers take a
// short read for the file's end and read on from it at their next try). A record that is not
// whole, or whose checksum does not match, is taken for one being written, unless a whole record
// follows it: then (found twice, so that a record read half-way through its write is not taken
// for damage) it is damaged, and the file is read as it is from then on, for RocksDB to report
// the damage instead of a reader stopping before it for good.
class WalRecordsView : public rocksdb::FSSequentialFile {
 public:
  explicit WalRecordsView(std::unique_ptr<rocksdb::FSRandomAccessFile> f) : file_(std::move(f)) {}

  IOStatus Read(size_t n, const IOOptions& o, Slice* result, char* scratch,
                IODebugContext* dbg) override {
    if (!as_is_ && pos_ + n > whole_) {
      if (IOStatus s = Extend(pos_ + n, o, dbg); !s.ok()) return s;
    }
    size_t k = n;
    if (!as_is_) k = whole_ > pos_ ? static_cast<size_t>(std::min<uint64_t>(n, whole_ - pos_)) : 0;
    if (k == 0) {
      *result = Slice(scratch, 0);
      return IOStatus::OK();
    }
    IOStatus s = file_->Read(pos_, k, o, result, scratch, dbg);
    if (s.ok()) pos_ += result->size();
    return s;
  }
  IOStatus Skip(uint64_t n) override {
    if (!as_is_ && pos_ + n > whole_) {
      if (IOStatus s = Extend(pos_ + n, IOOptions(), nullptr); !s.ok()) return s;
    }
    pos_ = as_is_ ? pos_ + n : std::min(pos_ + n, std::max(pos_, whole_));
    return IOStatus::OK();
  }

 private:
  // Reads on from whole_, a block at a time, until `want` or the end of the whole records.
  IOStatus Extend(uint64_t want, const IOOptions& o, IODebugContext* dbg) {
    bool again = false;  // the stop below was read a second time
    while (whole_ < want) {
      const size_t left = static_cast<size_t>(kBlock - whole_ % kBlock);
      buf_.resize(left);
      Slice got;
      IOStatus s = file_->Read(whole_, left, o, &got, buf_.data(), dbg);
      if (!s.ok()) return s;
      const size_t used = WholeRecords(got.data(), got.size(), left);
      whole_ += used;
      if (used == left) {
        again = false;
        continue;
      }
      if (used > 0) again = false;
      // Stopped inside the block: at zeros or at the bytes' end (records to come), or at a
      // record that is not whole or does not match its checksum (one being written, or damaged).
      bool damaged = false;
      if (IOStatus d = FollowedByARecord(got.data() + used, got.size() - used, left - used, o, dbg,
                                         &damaged);
          !d.ok()) {
        return d;
      }
      if (!damaged) break;
      if (!again) {
        again = true;  // a write under way when it was read: read it once more
        continue;
      }
      as_is_ = true;
      break;
    }
    return IOStatus::OK();
  }

  // Whether the stop at `p` (`have` bytes read there, `left` to its block's end) is a record that
  // is not whole or valid, with a whole record after it: in its block, or first in the next.
  IOStatus FollowedByARecord(const char* p, size_t have, size_t left, const IOOptions& o,
                             IODebugContext* dbg, bool* damaged) {
    *damaged = false;
    if (have < kHeader) return IOStatus::OK();
    const unsigned char* h = reinterpret_cast<const unsigned char*>(p);
    const size_t length = h[4] | (size_t{h[5]} << 8);
    // A zero header is where nothing was written yet, unless a record follows in a later block
    // (a header lost to damage): only the next block can tell.
    if (h[6] != 0 || length != 0) {
      const size_t header = h[6] >= 5 && h[6] <= 8 ? kRecyclableHeader : kHeader;
      const size_t next = header + length;
      if (next < left && next < have && ValidRecordAt(p + next, have - next, left - next)) {
        *damaged = true;
        return IOStatus::OK();
      }
    }
    const uint64_t block = (whole_ / kBlock + 1) * kBlock;
    std::string b(kBlock, '\0');
    Slice got;
    IOStatus s = file_->Read(block, kBlock, o, &got, b.data(), dbg);
    if (!s.ok()) return s;
    *damaged = ValidRecordAt(got.data(), got.size(), kBlock);
    return IOStatus::OK();
  }

  std::unique_ptr<rocksdb::FSRandomAccessFile> file_;
  uint64_t pos_ = 0;    // the next byte a Read returns
  uint64_t whole_ = 0;  // the end of the whole records found so far
  bool as_is_ = false;  // a damaged record was found: the file is read as it is
  std::string buf_;
};

class WalRecordsOnlyFs : public rocksdb::FileSystemWrapper {
 public:
  explicit WalRecordsOnlyFs(std::shared_ptr<rocksdb::FileSystem> base)
      : FileSystemWrapper(std::move(base)) {}

  static const char* kClassName() { return "ProeftuinWalRecordsOnlyFs"; }
  const char* Name() const override { return kClassName(); }

  IOStatus NewSequentialFile(const std::string& fname, const rocksdb::FileOptions& o,
                             std::unique_ptr<rocksdb::FSSequentialFile>* result,
                             IODebugContext* dbg) override {
    if (!IsWal(fname) || o.use_direct_reads) {
      return target()->NewSequentialFile(fname, o, result, dbg);
    }
    std::unique_ptr<rocksdb::FSRandomAccessFile> f;
    IOStatus s = target()->NewRandomAccessFile(fname, o, &f, dbg);
    if (s.ok()) *result = std::make_unique<WalRecordsView>(std::move(f));
    return s;
  }
};

}  // namespace

std::shared_ptr<rocksdb::FileSystem> NewWalZeroAheadFileSystem(
    std::shared_ptr<rocksdb::FileSystem> base, size_t ahead_bytes) {
  return std::make_shared<WalZeroAheadFs>(std::move(base), ahead_bytes);
}

bool ZeroAheadWalsIn(rocksdb::FileSystem& fs, std::string_view dir) {
  auto* z = fs.CheckedCast<WalZeroAheadFs>();
  if (z == nullptr) return false;
  z->AddStoreDir(dir);
  return true;
}

std::shared_ptr<rocksdb::FileSystem> NewWalRecordsOnlyFileSystem(
    std::shared_ptr<rocksdb::FileSystem> base) {
  return std::make_shared<WalRecordsOnlyFs>(std::move(base));
}

rocksdb::Env* DefaultStoreEnv() {
  static rocksdb::Env* const env =
      rocksdb::NewCompositeEnv(NewWalZeroAheadFileSystem(rocksdb::FileSystem::Default())).release();
  return env;
}

rocksdb::Env* DefaultReadOnlyStoreEnv() {
  static rocksdb::Env* const env =
      rocksdb::NewCompositeEnv(NewWalRecordsOnlyFileSystem(rocksdb::FileSystem::Default()))
          .release();
  return env;
}

uint64_t WalRecordsEnd(std::string_view wal) {
  uint64_t at = 0;
  while (at < wal.size()) {
    const size_t left = static_cast<size_t>(kBlock - at % kBlock);
    const size_t have = static_cast<size_t>(std::min<uint64_t>(left, wal.size() - at));
    const size_t used = WholeRecords(wal.data() + at, have, left);
    at += used;
    if (used < left) break;
  }
  return at;
}

}  // namespace proeftuin::eventstore
