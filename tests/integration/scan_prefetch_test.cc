// ScanPrefetcher: which table files it reads ahead of a scan, in what order, how far ahead, and
// that the pages do reach the page cache. A plain RocksDB in a temp directory, one family with
// several flushed files of position keys.
#include "src/scan_prefetch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/record.h"
#include "integration/store_fixture.h"
#include "rocksdb/db.h"
#include "rocksdb/metadata.h"

namespace proeftuin::eventstore {
namespace {

constexpr int kFiles = 5;
constexpr int kPerFile = 200;

class ScanPrefetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    o.disable_auto_compactions = true;  // the files stay as flushed
    std::vector<rocksdb::ColumnFamilyDescriptor> descs{
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(o)},
        {"events", rocksdb::ColumnFamilyOptions(o)}};
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir_.Sub("db"), descs, &handles_, &db).ok());
    db_.reset(db);
    const std::string value(4000, 'x');  // a file of about 800 KB: a few hundred pages
    uint64_t pos = 0;
    for (int f = 0; f < kFiles; ++f) {
      for (int i = 0; i < kPerFile; ++i) {
        ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_[1], PositionKey(++pos), value).ok());
      }
      ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions(), handles_[1]).ok());
    }
    rocksdb::ColumnFamilyMetaData meta;
    db_->GetColumnFamilyMetaData(handles_[1], &meta);
    for (const auto& level : meta.levels) {
      for (const auto& f : level.files) files_.push_back(f);
    }
    std::sort(files_.begin(), files_.end(),
              [](const auto& a, const auto& b) { return a.smallestkey < b.smallestkey; });
    ASSERT_EQ(files_.size(), static_cast<size_t>(kFiles));
  }
  void TearDown() override {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_.reset();
  }

  std::string PathOf(size_t file) const {
    return files_[file].directory + "/" + files_[file].relative_filename;
  }
  // The first position of file `file`.
  static uint64_t FirstOf(size_t file) { return file * kPerFile + 1; }

  // Drops the file's pages from the page cache (they are clean: RocksDB syncs a flushed file).
  void Evict(size_t file) const {
    int fd = ::open(PathOf(file).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
    ::close(fd);
  }
  // The share of the file's pages in the page cache, 0 to 1.
  double Resident(size_t file) const {
    int fd = ::open(PathOf(file).c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    const size_t size = files_[file].size;
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    EXPECT_NE(map, MAP_FAILED);
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> in((size + page - 1) / page);
    EXPECT_EQ(::mincore(map, size, in.data()), 0);
    ::munmap(map, size);
    return static_cast<double>(
               std::count_if(in.begin(), in.end(), [](unsigned char c) { return c & 1; })) /
           static_cast<double>(in.size());
  }
  // Waits up to 10 s for (nearly) the whole file to be cached; a page or two may be reclaimed
  // again under memory pressure, none is read without the advice.
  bool BecomesResident(size_t file) const {
    for (int i = 0; i < 1000; ++i) {
      if (Resident(file) >= 0.9) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  testing::TempDir dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::vector<rocksdb::SstFileMetaData> files_;
};

TEST_F(ScanPrefetcherTest, AdvisesTheFilesOfTheRangeInKeyOrder) {
  std::vector<std::string> all;
  for (size_t f = 0; f < files_.size(); ++f) all.push_back(PathOf(f));
  EXPECT_EQ(ScanPrefetcher(db_.get(), handles_[1], PositionKey(1), "", 1 << 20).Paths(), all);
  // From the middle of the second file to the first key of the fourth.
  EXPECT_EQ(ScanPrefetcher(db_.get(), handles_[1], PositionKey(FirstOf(1) + 10),
                           PositionKey(FirstOf(3)), 1 << 20)
                .Paths(),
            (std::vector<std::string>{PathOf(1), PathOf(2), PathOf(3)}));
  // Nothing ahead asked: nothing read.
  EXPECT_TRUE(ScanPrefetcher(db_.get(), handles_[1], PositionKey(1), "", 0).Paths().empty());
  // Past the end: nothing, and no thread to join.
  EXPECT_TRUE(ScanPrefetcher(db_.get(), handles_[1], PositionKey(FirstOf(kFiles)), "", 1 << 20)
                  .Paths()
                  .empty());
}

TEST_F(ScanPrefetcherTest, ReadsTheFilesIntoThePageCache) {
  for (size_t f = 0; f < files_.size(); ++f) Evict(f);
  // The precondition: this file system drops clean pages when told (ext4 does; tmpfs would not).
  ASSERT_LT(Resident(0), 0.5) << "the page cache kept the evicted file";
  ScanPrefetcher prefetch(db_.get(), handles_[1], PositionKey(1), "", uint64_t{64} << 20);
  for (size_t f = 0; f < files_.size(); ++f) EXPECT_TRUE(BecomesResident(f)) << "file " << f;
}

TEST_F(ScanPrefetcherTest, StaysABoundedDistanceAheadOfTheScan) {
  for (size_t f = 0; f < files_.size(); ++f) Evict(f);
  ASSERT_LT(Resident(3), 0.5) << "the page cache kept the evicted file";
  // Ahead by less than a file: only the file the scan is in.
  ScanPrefetcher prefetch(db_.get(), handles_[1], PositionKey(1), "", files_[0].size / 2);
  EXPECT_TRUE(BecomesResident(0));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_LT(Resident(3), 0.5) << "read ahead of the scan by more than it was allowed";
  prefetch.Reached(PositionKey(FirstOf(3) + 5));
  EXPECT_TRUE(BecomesResident(3));
  // A scan stopped early: the destructor stops the thread that waits for it.
}

}  // namespace
}  // namespace proeftuin::eventstore
