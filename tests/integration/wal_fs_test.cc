// The WAL written over zeros synced ahead of it (eventstore/wal_fs.h): records read back as
// written and the size RocksDB and a checkpoint see is the records' end; no record goes into
// zeros before they are synced; a clean close leaves only the records; a store whose WAL ends in
// zeros (as a crash leaves it) opens with every acknowledged event; and a read-only open that
// follows a live WAL sees the records written over its zeros.
#include "eventstore/wal_fs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "integration/store_fixture.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "rocksdb/utilities/checkpoint.h"

namespace proeftuin::eventstore {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The WAL files of a store directory (RocksDB names them <number>.log), newest last.
std::vector<fs::path> Wals(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".log") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Whether two files' bytes are the same; else where they first differ (not the bytes: binary).
::testing::AssertionResult SameBytes(const std::string& a, const std::string& b) {
  if (a == b) return ::testing::AssertionSuccess();
  size_t at = 0;
  while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
  return ::testing::AssertionFailure()
         << a.size() << " and " << b.size() << " bytes, first different at " << at;
}

// Waits up to 10 s for `done`; the zeroing runs on a thread of its own.
template <typename F>
bool Eventually(F done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// `n` appends of one event each (request ids `prefix` + i, payloads "payload of " + the id), over
// seven streams.
::testing::AssertionResult AppendEvents(EventStore& store, int n, const std::string& prefix) {
  for (int i = 0; i < n; ++i) {
    auto r =
        store.Append(testing::OneEvent(prefix + std::to_string(i), "s-" + std::to_string(i % 7)));
    if (!r.ok()) return ::testing::AssertionFailure() << "append " << i << ": " << r.status();
  }
  return ::testing::AssertionSuccess();
}

// Waits until the WAL file at `path` holds more than `beyond` bytes past its records (zeros, or a
// hole before them).
bool ZerosAfterTheRecords(const std::string& path, uint64_t beyond = 0) {
  return Eventually([&] {
    const std::string c = Contents(path);
    return c.size() > WalRecordsEnd(c) + beyond;
  });
}

constexpr size_t kAhead = 256 << 10;  // zeroings follow one another without a gap from here

TEST(WalZeroAhead, RecordsReadBackAndTheSizeSeenIsTheRecordsEnd) {
  TempDir dir;
  auto wal_fs = NewWalZeroAheadFileSystem(rocksdb::FileSystem::Default(), kAhead);
  ASSERT_TRUE(ZeroAheadWalsIn(*wal_fs, dir.path()));
  const std::string name = dir.Sub("000007.log");
  std::unique_ptr<rocksdb::FSWritableFile> f;
  ASSERT_TRUE(wal_fs->NewWritableFile(name, rocksdb::FileOptions(), &f, nullptr).ok());
  rocksdb::IOOptions io;

  std::string written;
  for (int i = 0; i < 200; ++i) {
    std::string record(1400, static_cast<char>('a' + i % 26));
    ASSERT_TRUE(f->Append(record, io, nullptr).ok());
    ASSERT_TRUE(f->Sync(io, nullptr).ok());
    written += record;
    ASSERT_EQ(f->GetFileSize(io, nullptr), written.size()) << "RocksDB sees the records' size";
  }
  // Zeros follow the records on the disk (the zeroing thread keeps half a step ahead of them).
  ASSERT_TRUE(Eventually([&] { return fs::file_size(name) >= written.size() + kAhead / 2; }))
      << fs::file_size(name) << " bytes on disk for " << written.size() << " of records";
  std::string open_contents = Contents(name);
  EXPECT_TRUE(SameBytes(open_contents.substr(0, written.size()), written));
  EXPECT_TRUE(SameBytes(open_contents.substr(written.size()),
                        std::string(open_contents.size() - written.size(), '\0')));

  // The file system, too, gives the records' end as the open file's size (a checkpoint copies
  // that much of the live WAL), by name and in a listing of the directory.
  uint64_t size = 0;
  ASSERT_TRUE(wal_fs->GetFileSize(name, io, &size, nullptr).ok());
  EXPECT_EQ(size, written.size());
  std::vector<rocksdb::FileAttributes> listed;
  ASSERT_TRUE(wal_fs->GetChildrenFileAttributes(dir.path(), io, &listed, nullptr).ok());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].size_bytes, written.size());

  ASSERT_TRUE(f->Close(io, nullptr).ok());
  EXPECT_TRUE(SameBytes(Contents(name), written)) << "a clean close leaves only the records";
  f.reset();
  ASSERT_TRUE(wal_fs->GetFileSize(name, io, &size, nullptr).ok());
  EXPECT_EQ(size, written.size());
}

// Only a store's WAL files are zeroed ahead: not its other files, nor a WAL file elsewhere (the
// copy a checkpoint writes of the live WAL).
TEST(WalZeroAhead, OnlyTheWalFilesOfAStoreAreZeroedAhead) {
  TempDir dir;
  auto wal_fs = NewWalZeroAheadFileSystem(rocksdb::FileSystem::Default(), kAhead);
  ASSERT_TRUE(ZeroAheadWalsIn(*wal_fs, dir.Sub("store") + "/"));  // as a path may be given
  fs::create_directories(dir.Sub("store"));
  fs::create_directories(dir.Sub("copy.tmp"));
  for (const char* base : {"store/MANIFEST-000005", "store/000009.sst", "store/LOG",
                           "store/OPTIONS-000011", "copy.tmp/000012.log"}) {
    const std::string name = dir.Sub(base);
    std::unique_ptr<rocksdb::FSWritableFile> f;
    ASSERT_TRUE(wal_fs->NewWritableFile(name, rocksdb::FileOptions(), &f, nullptr).ok());
    ASSERT_TRUE(f->Append("abc", rocksdb::IOOptions(), nullptr).ok());
    ASSERT_TRUE(f->Sync(rocksdb::IOOptions(), nullptr).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(fs::file_size(name), 3u) << base;
    ASSERT_TRUE(f->Close(rocksdb::IOOptions(), nullptr).ok());
  }
  // The store's own WAL is.
  const std::string name = dir.Sub("store//000013.log");  // as RocksDB may join the path
  std::unique_ptr<rocksdb::FSWritableFile> f;
  ASSERT_TRUE(wal_fs->NewWritableFile(name, rocksdb::FileOptions(), &f, nullptr).ok());
  ASSERT_TRUE(f->Append("abc", rocksdb::IOOptions(), nullptr).ok());
  EXPECT_TRUE(Eventually([&] { return fs::file_size(name) > kAhead; })) << fs::file_size(name);
  uint64_t size = 0;
  ASSERT_TRUE(
      wal_fs->GetFileSize(dir.Sub("store/000013.log"), rocksdb::IOOptions(), &size, nullptr).ok());
  EXPECT_EQ(size, 3u) << "the same file, however its path is spelt";
  ASSERT_TRUE(f->Close(rocksdb::IOOptions(), nullptr).ok());
}

// Under the zeroing file system: notes, in order, when a record write starts (the WAL's own
// handle) and when zeros are written and synced (the zeroing thread's handles), and makes each
// sync of zeros slow, so that the records catch up with zeros still being written.
class Recorder : public rocksdb::FileSystemWrapper {
 public:
  struct Step {
    enum Kind { kRecord, kZeros, kZerosSynced } kind;
    int handle;
    uint64_t from, to;
  };

  Recorder() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  static const char* kClassName() { return "TestRecorder"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(fname, o, result, dbg);
    if (s.ok()) *result = std::make_unique<RecordFile>(std::move(*result), this);
    return s;
  }
  rocksdb::IOStatus NewRandomRWFile(const std::string& fname, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewRandomRWFile(fname, o, result, dbg);
    if (s.ok()) *result = std::make_unique<ZeroFile>(std::move(*result), this, NextHandle());
    return s;
  }

  std::vector<Step> steps() {
    absl::MutexLock l(&mu_);
    return steps_;
  }

 private:
  int NextHandle() {
    absl::MutexLock l(&mu_);
    return ++handles_;
  }
  void Note(Step s) {
    absl::MutexLock l(&mu_);
    steps_.push_back(s);
  }

  class RecordFile : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    RecordFile(std::unique_ptr<rocksdb::FSWritableFile> f, Recorder* r)
        : FSWritableFileOwnerWrapper(std::move(f)), r_(r) {}
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                       const rocksdb::IOOptions& o,
                                       rocksdb::IODebugContext* dbg) override {
      r_->Note({Step::kRecord, 0, offset, offset + data.size()});
      return target()->PositionedAppend(data, offset, o, dbg);
    }

   private:
    Recorder* r_;
  };
  class ZeroFile : public rocksdb::FSRandomRWFileOwnerWrapper {
   public:
    ZeroFile(std::unique_ptr<rocksdb::FSRandomRWFile> f, Recorder* r, int handle)
        : FSRandomRWFileOwnerWrapper(std::move(f)), r_(r), handle_(handle) {}
    rocksdb::IOStatus Write(uint64_t offset, const rocksdb::Slice& data,
                            const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      r_->Note({Step::kZeros, handle_, offset, offset + data.size()});
      return target()->Write(offset, data, o, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      rocksdb::IOStatus s = target()->Sync(o, dbg);
      r_->Note({Step::kZerosSynced, handle_, 0, 0});
      return s;
    }

   private:
    Recorder* r_;
    int handle_;
  };

  absl::Mutex mu_;
  std::vector<Step> steps_ ABSL_GUARDED_BY(mu_);
  int handles_ ABSL_GUARDED_BY(mu_) = 0;
};

// After a power cut, zeros not yet synced may be stale blocks (old records with valid
// checksums): a record must never go where zeros are being written until they are synced.
TEST(WalZeroAhead, NoRecordGoesIntoZerosBeforeTheyAreSynced) {
  TempDir dir;
  auto recorder = std::make_shared<Recorder>();
  auto wal_fs = NewWalZeroAheadFileSystem(recorder, kAhead);
  ASSERT_TRUE(ZeroAheadWalsIn(*wal_fs, dir.path()));
  const std::string name = dir.Sub("000009.log");
  std::unique_ptr<rocksdb::FSWritableFile> f;
  ASSERT_TRUE(wal_fs->NewWritableFile(name, rocksdb::FileOptions(), &f, nullptr).ok());
  rocksdb::IOOptions io;
  // 1 MiB of records, as fast as they go: far faster than zeros synced in 20 ms per step.
  std::string record(4096, 'r');
  for (int i = 0; i < 256; ++i) ASSERT_TRUE(f->Append(record, io, nullptr).ok());
  ASSERT_TRUE(f->Close(io, nullptr).ok());

  std::vector<Recorder::Step> steps = recorder->steps();
  struct Zeroing {
    uint64_t from = UINT64_MAX, to = 0;
    size_t synced_at = SIZE_MAX;
  };
  std::map<int, Zeroing> zeroings;
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    if (s.kind == Recorder::Step::kZeros) {
      zeroings[s.handle].from = std::min(zeroings[s.handle].from, s.from);
      zeroings[s.handle].to = std::max(zeroings[s.handle].to, s.to);
    } else if (s.kind == Recorder::Step::kZerosSynced) {
      zeroings[s.handle].synced_at = i;
    }
  }
  EXPECT_GE(zeroings.size(), 4u) << "the zeroing kept going ahead of the records";
  int over_zeros = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    if (s.kind != Recorder::Step::kRecord) continue;
    for (const auto& [handle, z] : zeroings) {
      if (s.to <= z.from || s.from >= z.to) continue;
      ++over_zeros;
      EXPECT_LT(z.synced_at, i) << "the record at [" << s.from << ", " << s.to
                                << ") went into zeros [" << z.from << ", " << z.to
                                << ") before they were synced";
    }
  }
  EXPECT_GT(over_zeros, 100) << "most records were written over synced zeros";
  EXPECT_EQ(fs::file_size(name), record.size() * 256);
}

// The end of a real WAL's records, found by parsing it, is the size the writer reports; zeros
// after them, a record cut short and a damaged record all end the records before them.
TEST(WalRecordsEnd, FindsTheEndOfARealWalsRecords) {
  TempDir dir;
  auto store = testing::OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(AppendEvents(*store, 1000, "r"));
  std::vector<fs::path> wals = Wals(dir.path());
  ASSERT_FALSE(wals.empty());
  uint64_t records = 0;
  ASSERT_TRUE(DefaultStoreEnv()
                  ->GetFileSystem()
                  ->GetFileSize(wals.back().string(), rocksdb::IOOptions(), &records, nullptr)
                  .ok());
  ASSERT_GT(records, 100'000u) << "the WAL spans several 32 KiB blocks";
  std::string wal = Contents(wals.back().string());
  ASSERT_GE(wal.size(), records);
  EXPECT_EQ(WalRecordsEnd(wal), records) << "zeros after the records are not records";
  const std::string whole = wal.substr(0, records);
  EXPECT_EQ(WalRecordsEnd(whole), records);
  EXPECT_EQ(WalRecordsEnd(whole + std::string(70'000, '\0')), records);

  // Cut in the middle of the last record: the record before it is the end.
  const uint64_t before_last = WalRecordsEnd(whole.substr(0, records - 3));
  EXPECT_LT(before_last, records - 3);
  EXPECT_GT(before_last, records - 5'000);
  EXPECT_EQ(WalRecordsEnd(whole.substr(0, before_last)), before_last);
  // A byte of a record in the middle changed: the records end before it.
  std::string damaged = whole;
  const size_t at = records / 2;
  damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
  const uint64_t end = WalRecordsEnd(damaged);
  EXPECT_LE(end, at);
  EXPECT_GT(end, at - 33'000);
  EXPECT_EQ(WalRecordsEnd(whole.substr(0, end)), end) << "it ends at a record's end";
}

// A copy of the store's directory taken while it is open, as a kill -9 or a power cut after the
// last acknowledged group leaves it: its WAL ends in zeros, and every event is found again.
TEST(WalZeroAhead, AStoreWhoseWalEndsInZerosOpensWithEveryEvent) {
  TempDir dir;
  const std::string live = dir.Sub("live");
  const std::string copy = dir.Sub("copy");
  constexpr int kEvents = 300;
  {
    auto store = testing::OpenStore(live);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(AppendEvents(*store, kEvents, "req-"));
    // The events are in the WAL only (no memtable was flushed), and the newest WAL, still
    // open, ends in zeros.
    std::vector<fs::path> wals = Wals(live);
    ASSERT_FALSE(wals.empty());
    const std::string newest = wals.back().string();
    ASSERT_TRUE(ZerosAfterTheRecords(newest, 8));
    fs::copy(live, copy, fs::copy_options::recursive);
    fs::remove(fs::path(copy) / "LOCK");
    const std::string copied = Contents((fs::path(copy) / wals.back().filename()).string());
    ASSERT_GT(copied.size(), WalRecordsEnd(copied));
    EXPECT_EQ(copied.substr(copied.size() - 8), std::string(8, '\0'));
  }
  auto reopened = testing::OpenStore(copy);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->LastPosition(), static_cast<uint64_t>(kEvents));
  std::vector<RecordedEvent> all = testing::ReadEverything(*reopened);
  ASSERT_EQ(all.size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(all.back().payload, "payload of req-" + std::to_string(kEvents - 1));
  auto v = reopened->Verify(1, 0);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok) << v->problem;
  // And it takes new appends after them.
  auto more = reopened->Append(testing::OneEvent("req-after", "s-0"));
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_EQ(more->first_position, static_cast<uint64_t>(kEvents + 1));
}

// What a power cut during the last group's fdatasync can leave: its record only partly on the
// disk, over the zeros synced before it. The store opens with every event before that group (the
// group was not acknowledged), the chain verifies, and appends go on.
TEST(WalZeroAhead, AStoreWhoseLastRecordWasTornOverZerosOpensWithTheEventsBeforeIt) {
  TempDir dir;
  const std::string live = dir.Sub("live");
  const std::string copy = dir.Sub("copy");
  constexpr int kEvents = 300;
  {
    auto store = testing::OpenStore(live);  // no asynchronous projection writes to its WAL
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(AppendEvents(*store, kEvents, "t-"));
    const std::string newest = Wals(live).back().string();
    ASSERT_TRUE(ZerosAfterTheRecords(newest, 8));
    fs::copy(live, copy, fs::copy_options::recursive);
    fs::remove(fs::path(copy) / "LOCK");
  }
  const std::string wal = (fs::path(copy) / Wals(live).back().filename()).string();
  std::string c = Contents(wal);
  // The last record: [before_last, last_end) (the records' end may count a block's padding
  // after it, fewer bytes than a header).
  uint64_t last_end = WalRecordsEnd(c);
  uint64_t before_last = WalRecordsEnd(c.substr(0, last_end - 1));
  if (last_end - before_last < 7) {
    last_end = before_last;
    before_last = WalRecordsEnd(c.substr(0, last_end - 1));
  }
  ASSERT_GE(last_end - before_last, 7u);
  // The second half of the last record never reached the disk: the zeros under it remain.
  std::fill(c.begin() + static_cast<std::ptrdiff_t>(before_last + (last_end - before_last) / 2),
            c.begin() + static_cast<std::ptrdiff_t>(last_end), '\0');
  Write(wal, c);

  auto reopened = testing::OpenStore(copy);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->LastPosition(), static_cast<uint64_t>(kEvents - 1));
  std::vector<RecordedEvent> all = testing::ReadEverything(*reopened);
  ASSERT_EQ(all.size(), static_cast<size_t>(kEvents - 1));
  EXPECT_EQ(all.back().payload, "payload of t-" + std::to_string(kEvents - 2));
  auto v = reopened->Verify(1, 0);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_TRUE(reopened->StartupCheck().ok);
  auto more = reopened->Append(testing::OneEvent("t-after", "s-0"));
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_EQ(more->first_position, static_cast<uint64_t>(kEvents));
}

// A store closed cleanly leaves WAL files of records only.
TEST(WalZeroAhead, AStoreClosedCleanlyLeavesNoZerosBehind) {
  TempDir dir;
  {
    auto store = testing::OpenStore(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(AppendEvents(*store, 50, "r"));
    const std::string newest = Wals(dir.path()).back().string();
    ASSERT_TRUE(ZerosAfterTheRecords(newest));  // the zeros are on the disk before the close
  }
  std::vector<fs::path> wals = Wals(dir.path());
  ASSERT_FALSE(wals.empty());
  for (const auto& w : wals) {
    const std::string c = Contents(w.string());
    EXPECT_EQ(WalRecordsEnd(c), c.size()) << w << " ends in zeros after a clean close";
  }
}

// All of a file read through the records-only view, as RocksDB's readers read it: blocks of
// 32 KiB until a short read.
std::string ReadThroughTheView(const std::string& path) {
  auto view = NewWalRecordsOnlyFileSystem(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::FSSequentialFile> f;
  EXPECT_TRUE(view->NewSequentialFile(path, rocksdb::FileOptions(), &f, nullptr).ok());
  if (f == nullptr) return "";
  std::string out;
  std::string scratch(32768, '\0');
  for (;;) {
    rocksdb::Slice got;
    EXPECT_TRUE(f->Read(scratch.size(), rocksdb::IOOptions(), &got, scratch.data(), nullptr).ok());
    out.append(got.data(), got.size());
    if (got.size() < scratch.size()) return out;
  }
}

// The WAL of a store holding `events` appends, closed cleanly: whole records only.
std::string AClosedWal(const std::string& dir, int events) {
  {
    auto store = testing::OpenStore(dir);
    EXPECT_NE(store, nullptr);
    if (store == nullptr) return "";
    EXPECT_TRUE(AppendEvents(*store, events, "w"));
  }
  std::vector<fs::path> wals = Wals(dir);
  EXPECT_FALSE(wals.empty());
  return wals.empty() ? "" : Contents(wals.back().string());
}

// The view shows a WAL up to its last whole record while the rest may still be being written (a
// record cut short or not matching its checksum, then zeros), but a damaged record with whole
// records after it is shown as it is, for RocksDB to report, not taken for the end.
TEST(WalRecordsOnly, AWalEndsAtItsRecordsButADamagedRecordIsShownAsItIs) {
  TempDir dir;
  const std::string wal = AClosedWal(dir.Sub("store"), 600);
  ASSERT_GT(wal.size(), 3u * 32768) << "several blocks";
  ASSERT_EQ(WalRecordsEnd(wal), wal.size());
  EXPECT_TRUE(SameBytes(ReadThroughTheView(Wals(dir.Sub("store")).back().string()), wal));

  // The last record half written (its second half still zeros), then zeros.
  const uint64_t before_last = WalRecordsEnd(wal.substr(0, wal.size() - 1));
  std::string torn = wal;
  std::fill(
      torn.begin() + static_cast<std::ptrdiff_t>(before_last + (wal.size() - before_last) / 2),
      torn.end(), '\0');
  torn += std::string(100'000, '\0');
  Write(dir.Sub("torn.log"), torn);
  EXPECT_TRUE(SameBytes(ReadThroughTheView(dir.Sub("torn.log")), wal.substr(0, before_last)));

  // A byte changed in a record in the middle of a block, with whole records after it.
  std::string damaged = wal;
  const size_t at = 32768 + 20'000;
  damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
  ASSERT_LT(WalRecordsEnd(damaged), at);
  damaged += std::string(100'000, '\0');
  Write(dir.Sub("damaged.log"), damaged);
  EXPECT_TRUE(SameBytes(ReadThroughTheView(dir.Sub("damaged.log")), damaged));

  // A record's header lost (zeros where it was), with whole records in the blocks after it.
  std::string lost = wal;
  const uint64_t header = WalRecordsEnd(wal.substr(0, 32768 + 20'000));
  ASSERT_GT(header, 32768u);
  std::fill(lost.begin() + static_cast<std::ptrdiff_t>(header),
            lost.begin() + static_cast<std::ptrdiff_t>(header + 7), '\0');
  ASSERT_EQ(WalRecordsEnd(lost), header);
  Write(dir.Sub("lost.log"), lost);
  EXPECT_TRUE(SameBytes(ReadThroughTheView(dir.Sub("lost.log")), lost));
}

// A file system under the zeroing one whose zero writes fail (a disk full for them).
class NoRoomForZeros : public rocksdb::FileSystemWrapper {
 public:
  NoRoomForZeros() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  static const char* kClassName() { return "TestNoRoomForZeros"; }
  const char* Name() const override { return kClassName(); }
  rocksdb::IOStatus NewRandomRWFile(const std::string& fname, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewRandomRWFile(fname, o, result, dbg);
    if (s.ok()) *result = std::make_unique<Failing>(std::move(*result));
    return s;
  }

 private:
  class Failing : public rocksdb::FSRandomRWFileOwnerWrapper {
   public:
    using FSRandomRWFileOwnerWrapper::FSRandomRWFileOwnerWrapper;
    rocksdb::IOStatus Write(uint64_t offset, const rocksdb::Slice& data,
                            const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      // Each zeroing writes 64 KiB at a time; every fourth such piece of the file fails.
      if ((offset >> 16) % 4 == 3) return rocksdb::IOStatus::NoSpace("no room");
      return target()->Write(offset, data, o, dbg);
    }
  };
};

// A zeroing that fails half-way leaves no zeros that may not be on the disk: they are cut off,
// and the records go on, appended as RocksDB does by default.
TEST(WalZeroAhead, AZeroingThatFailsIsCutOffAndTheRecordsGoOn) {
  TempDir dir;
  auto wal_fs = NewWalZeroAheadFileSystem(std::make_shared<NoRoomForZeros>(), kAhead);
  ASSERT_TRUE(ZeroAheadWalsIn(*wal_fs, dir.path()));
  const std::string name = dir.Sub("000011.log");
  std::unique_ptr<rocksdb::FSWritableFile> f;
  ASSERT_TRUE(wal_fs->NewWritableFile(name, rocksdb::FileOptions(), &f, nullptr).ok());
  rocksdb::IOOptions io;
  std::string written;
  auto append = [&](int i) {
    std::string record(1000, static_cast<char>('A' + i % 26));
    rocksdb::IOStatus a = f->Append(record, io, nullptr);
    ASSERT_TRUE(a.ok()) << "record " << i << ": " << a.ToString();
    ASSERT_TRUE(f->Sync(io, nullptr).ok());
    written += record;
  };
  for (int i = 0; i < 100; ++i) append(i);
  // The first zeroing (from 128 KiB) wrote 64 KiB of zeros and failed on the next 64: what it
  // wrote is cut off again (the file ends where the zeros began, a hole after the records).
  ASSERT_TRUE(Eventually([&] { return fs::file_size(name) == (128u << 10); }))
      << fs::file_size(name) << " bytes";
  EXPECT_TRUE(
      SameBytes(Contents(name), written + std::string((128u << 10) - written.size(), '\0')));
  // The records go on past it, appended plainly: no zeros after them any more.
  for (int i = 100; i < 400; ++i) append(i);
  EXPECT_TRUE(SameBytes(Contents(name), written));
  ASSERT_TRUE(f->Close(io, nullptr).ok());
  EXPECT_TRUE(SameBytes(Contents(name), written));
}

// A RocksDB checkpoint (a backup) copies the live WAL up to the size the file system gives for
// it: its records' end, with no zeros and no record still being written into them. (The store's
// own backups flush first, so the live WAL they copy holds only what came during the backup; a
// checkpoint that does not flush copies all of it.)
TEST(WalZeroAhead, ACheckpointCopiesTheLiveWalUpToItsRecordsEnd) {
  TempDir dir;
  std::unique_ptr<rocksdb::Env> env =
      rocksdb::NewCompositeEnv(NewWalZeroAheadFileSystem(rocksdb::FileSystem::Default(), kAhead));
  rocksdb::Options o;
  o.create_if_missing = true;
  o.env = env.get();
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(ZeroAheadWalsIn(*env->GetFileSystem(), dir.Sub("live")));
  ASSERT_TRUE(rocksdb::DB::Open(o, dir.Sub("live"), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions synced;
  synced.sync = true;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(db->Put(synced, "k" + std::to_string(i), std::string(700, 'v')).ok());
  }
  const std::string wal = Wals(dir.Sub("live")).back().string();
  ASSERT_TRUE(ZerosAfterTheRecords(wal));
  rocksdb::Checkpoint* cp = nullptr;
  ASSERT_TRUE(rocksdb::Checkpoint::Create(db.get(), &cp).ok());
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(cp);
  ASSERT_TRUE(
      checkpoint->CreateCheckpoint(dir.Sub("copy"), /*log_size_for_flush=*/UINT64_MAX).ok());
  std::vector<fs::path> copied = Wals(dir.Sub("copy"));
  ASSERT_EQ(copied.size(), 1u) << "the checkpoint holds the live WAL";
  const std::string c = Contents(copied[0].string());
  EXPECT_GT(c.size(), 200u * 700u);
  EXPECT_EQ(WalRecordsEnd(c), c.size()) << "copied past its records' end";
  EXPECT_TRUE(SameBytes(c, Contents(wal).substr(0, c.size())));
  db.reset();
  // The copy opens with every value.
  rocksdb::Options plain;
  ASSERT_TRUE(rocksdb::DB::Open(plain, dir.Sub("copy"), &raw).ok());
  std::unique_ptr<rocksdb::DB> copy(raw);
  std::string v;
  EXPECT_TRUE(copy->Get(rocksdb::ReadOptions(), "k199", &v).ok());
  EXPECT_EQ(v, std::string(700, 'v'));
}

// A read-only open (a RocksDB secondary) that follows a writer sees the records written over the
// zeros it has already been shown the file's end before: each read catches up with them.
TEST(WalRecordsOnly, AReadOnlyOpenFollowsRecordsWrittenOverZeros) {
  TempDir dir;
  std::unique_ptr<rocksdb::Env> env =
      rocksdb::NewCompositeEnv(NewWalZeroAheadFileSystem(rocksdb::FileSystem::Default(), kAhead));
  RocksStoreOptions wo;
  wo.env = env.get();
  auto writer = testing::OpenStore(dir.path(), wo);
  ASSERT_NE(writer, nullptr);
  uint64_t last = 0;
  auto append = [&](int i) {
    auto r =
        writer->Append(testing::OneEvent("e" + std::to_string(i), "s" + std::to_string(i % 11)));
    ASSERT_TRUE(r.ok()) << r.status();
    last = r->last_position;
  };
  for (int i = 0; i < 20; ++i) append(i);
  const std::string wal = Wals(dir.path()).back().string();
  ASSERT_TRUE(ZerosAfterTheRecords(wal, kAhead / 2));

  RocksStoreOptions ro;
  ro.read_only = true;
  auto reader = testing::OpenStore(dir.path(), ro);
  ASSERT_NE(reader, nullptr);
  uint64_t seen = 0;
  int i = 20;
  // Until the records have gone well into the zeros that were on the disk when the reader
  // opened (the WAL's records end grows past a whole step).
  while (WalRecordsEnd(Contents(wal)) < 2 * kAhead) {
    for (int k = 0; k < 50; ++k) append(i++);
    auto page = reader->ReadAll(seen + 1, 10000, EventFilter{});
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& e : page->events) {
      ASSERT_EQ(e.position(), seen + 1) << "no gap";
      seen = e.position();
    }
    ASSERT_EQ(seen, last) << "the reader sees every event the writer acknowledged";
    ASSERT_LT(i, 20'000) << "the WAL did not grow";
  }
  auto v = reader->Verify(1, 0);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->events_checked, last);
}

}  // namespace
}  // namespace proeftuin::eventstore
