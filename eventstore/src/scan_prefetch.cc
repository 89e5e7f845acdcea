#include "src/scan_prefetch.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "rocksdb/metadata.h"

namespace proeftuin::eventstore {

ScanPrefetcher::ScanPrefetcher(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                               std::string_view from_key, std::string_view to_key,
                               uint64_t ahead_bytes)
    : ahead_(ahead_bytes) {
  if (ahead_bytes == 0) return;
  rocksdb::ColumnFamilyMetaData meta;
  db->GetColumnFamilyMetaData(cf, &meta);
  for (const rocksdb::LevelMetaData& level : meta.levels) {
    for (const rocksdb::SstFileMetaData& f : level.files) {
      if (std::string_view(f.largestkey) < from_key) continue;  // all before the scan
      if (!to_key.empty() && std::string_view(f.smallestkey) > to_key) continue;  // all after it
      files_.push_back(File{f.directory + "/" + f.relative_filename, f.smallestkey, 0, f.size});
    }
  }
  std::sort(files_.begin(), files_.end(),
            [](const File& a, const File& b) { return a.smallest < b.smallest; });
  uint64_t start = 0;
  for (File& f : files_) {
    f.start = start;
    start += f.size;
  }
  if (files_.empty()) return;
  try {
    thread_ = std::thread([this] { Run(); });
  } catch (const std::system_error&) {
    // No thread to be had (a limit on tasks): only advice, the scan reads as it would have.
    files_.clear();
  }
}

ScanPrefetcher::~ScanPrefetcher() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ScanPrefetcher::Reached(std::string_view key) {
  if (files_.empty()) return;
  // The last file that starts at or before `key`.
  auto it = std::upper_bound(files_.begin(), files_.end(), key,
                             [](std::string_view k, const File& f) { return k < f.smallest; });
  const size_t file = it == files_.begin() ? 0 : static_cast<size_t>(it - files_.begin()) - 1;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (file <= reader_file_) return;
    reader_file_ = file;
  }
  cv_.notify_all();
}

std::vector<std::string> ScanPrefetcher::Paths() const {
  std::vector<std::string> out;
  for (const File& f : files_) out.push_back(f.path);
  return out;
}

void ScanPrefetcher::Run() {
  for (size_t i = 0; i < files_.size(); ++i) {
    const File& f = files_[i];
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return stop_ || f.start <= files_[reader_file_].start + ahead_; });
      if (stop_) return;
      if (i < reader_file_) continue;  // the scan is past it already
    }
    const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    // Starts the reads and returns; the pages stay cached for RocksDB's own descriptor.
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
    ::close(fd);
  }
}

}  // namespace proeftuin::eventstore
