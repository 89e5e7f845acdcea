// The WAL written over zeros (eventstore/wal_fs.h): a WAL file's size changes only once per
// `ahead_bytes`, its records read back as written, a clean close leaves only the records, and a
// store whose WAL ends in zeros (as a crash leaves it) opens with every acknowledged event.
#include "eventstore/wal_fs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "integration/store_fixture.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace proeftuin::eventstore {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
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

constexpr size_t kAhead = 64 << 10;

TEST(WalZeroAhead, AWalGrowsByWholeStepsOfZerosAndItsRecordsReadBack) {
  TempDir dir;
  auto wal_fs = NewWalZeroAheadFileSystem(rocksdb::FileSystem::Default(), kAhead);
  const std::string name = dir.Sub("000007.log");
  std::unique_ptr<rocksdb::FSWritableFile> f;
  ASSERT_TRUE(wal_fs->NewWritableFile(name, rocksdb::FileOptions(), &f, nullptr).ok());
  rocksdb::IOOptions io;

  std::string written;
  std::vector<uintmax_t> sizes;  // the file's size on disk after each synced append
  for (int i = 0; i < 100; ++i) {
    std::string record(1400, static_cast<char>('a' + i % 26));
    ASSERT_TRUE(f->Append(record, io, nullptr).ok());
    ASSERT_TRUE(f->Sync(io, nullptr).ok());
    written += record;
    EXPECT_EQ(f->GetFileSize(io, nullptr), written.size()) << "RocksDB sees the records' size";
    sizes.push_back(fs::file_size(name));
  }
  // 140,000 bytes of records: the file grew to 64 KiB, then 128 KiB, then 192 KiB, never
  // between, and each time past the records' end.
  EXPECT_EQ(sizes.front(), kAhead);
  EXPECT_EQ(sizes.back(), 3 * kAhead);
  int changes = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(sizes[i] % kAhead, 0u) << "after append " << i;
    EXPECT_GT(sizes[i], 1400 * (i + 1)) << "after append " << i;
    if (i > 0 && sizes[i] != sizes[i - 1]) ++changes;
  }
  EXPECT_EQ(changes, 2);
  // Records, then zeros.
  std::string open_contents = Contents(name);
  ASSERT_EQ(open_contents.size(), 3 * kAhead);
  EXPECT_EQ(open_contents.substr(0, written.size()), written);
  EXPECT_EQ(open_contents.substr(written.size()), std::string(3 * kAhead - written.size(), '\0'));

  ASSERT_TRUE(f->Close(io, nullptr).ok());
  EXPECT_EQ(Contents(name), written) << "a clean close leaves only the records";
}

TEST(WalZeroAhead, OnlyWalFilesAreWritten) {
  TempDir dir;
  auto wal_fs = NewWalZeroAheadFileSystem(rocksdb::FileSystem::Default(), kAhead);
  for (const char* base : {"MANIFEST-000005", "000009.sst", "LOG", "OPTIONS-000011"}) {
    const std::string name = dir.Sub(base);
    std::unique_ptr<rocksdb::FSWritableFile> f;
    ASSERT_TRUE(wal_fs->NewWritableFile(name, rocksdb::FileOptions(), &f, nullptr).ok());
    ASSERT_TRUE(f->Append("abc", rocksdb::IOOptions(), nullptr).ok());
    ASSERT_TRUE(f->Sync(rocksdb::IOOptions(), nullptr).ok());
    EXPECT_EQ(fs::file_size(name), 3u) << base;
    ASSERT_TRUE(f->Close(rocksdb::IOOptions(), nullptr).ok());
  }
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
    for (int i = 0; i < kEvents; ++i) {
      ASSERT_TRUE(
          store->Append(testing::OneEvent("req-" + std::to_string(i), "s-" + std::to_string(i % 7)))
              .ok());
    }
    // The events are in the WAL only (no memtable was flushed), and the newest WAL, still
    // open, ends in zeros.
    std::vector<fs::path> wals = Wals(live);
    ASSERT_FALSE(wals.empty());
    const std::string newest = Contents(wals.back().string());
    ASSERT_EQ(newest.size() % kWalZeroAheadBytes, 0u);
    ASSERT_GT(newest.size(), 0u);
    EXPECT_EQ(newest.substr(newest.size() - 8), std::string(8, '\0'));
    fs::copy(live, copy, fs::copy_options::recursive);
    fs::remove(fs::path(copy) / "LOCK");
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

// A store closed cleanly leaves WAL files of records only.
TEST(WalZeroAhead, AStoreClosedCleanlyLeavesNoZerosBehind) {
  TempDir dir;
  {
    auto store = testing::OpenStore(dir.path());
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 50; ++i)
      ASSERT_TRUE(store->Append(testing::OneEvent("r" + std::to_string(i), "s")).ok());
  }
  std::vector<fs::path> wals = Wals(dir.path());
  ASSERT_FALSE(wals.empty());
  for (const auto& w : wals) {
    const std::string c = Contents(w.string());
    if (c.empty()) continue;
    // The last record ends in the group's commit mark (a chain hash), not in eight zero bytes.
    EXPECT_NE(c.substr(c.size() - std::min<size_t>(8, c.size())),
              std::string(std::min<size_t>(8, c.size()), '\0'))
        << w << " ends in zeros after a clean close";
  }
}

}  // namespace
}  // namespace proeftuin::eventstore
