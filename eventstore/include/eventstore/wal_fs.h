// The store's write-ahead log, written into space zeroed and synced ahead of it.
//
// An fdatasync of a file that grew must also write the file's inode (its new size): on this
// project's ext4 (no journal) that is a second synchronous write to the disk, after the data
// and before the cache flush, in every group commit, because RocksDB appends its WAL. The writer
// side (NewWalZeroAheadFileSystem) has a background thread write zeros ahead of each WAL file's
// records, `ahead_bytes` at a time, and sync them; the records are then laid over zeros that are
// already on the disk, so a commit's fdatasync writes the records and no inode. docs/PERFORMANCE.md
// (twenty-fourth session) has the figures.
//
// What keeps the store's guarantees (each has a test in tests/integration/wal_fs_test.cc):
// - Power cut: no record is written into zeros that are not yet synced (a record waits for the
//   zeroing under way there), so what follows the last record after a power cut is synced zeros,
//   a hole, or the end of the file, never stale blocks; RocksDB's recovery reads a zero record
//   header as padding and stops at the end of the records.
// - Size: an open WAL reports the end of its records, not of its zeros, as its size, both through
//   the file and through the file system (GetFileSize, GetChildrenFileAttributes): a checkpoint
//   (every backup) copies exactly the records of the live WAL. A clean close cuts the zeros off.
// - Readers that follow a live WAL (a RocksDB secondary: the store's read-only open beside a
//   running server) read it through NewWalRecordsOnlyFileSystem, which shows a WAL only up to the
//   end of its whole, checksummed records. The secondary's reader then takes the end of the
//   records for the end of the file and reads on from there at its next catch-up; without it,
//   it would read the zeros as padding and never come back for the records written over them.
//   A damaged record (one that does not match its checksum with a whole record after it) is
//   passed on as it is, for RocksDB to report.
//
// Only WAL files (`*.log`) of a store's directory (ZeroAheadWalsIn), opened by NewWritableFile
// without direct writes, are zeroed ahead; every other file and call goes to `base` unchanged.
// WAL recycling (`recycle_log_file_num`, which RocksDB 7.8 turns off under the store's
// kPointInTimeRecovery anyway) is not supported by the records-only view.
//
// Thread-safety: as `base`. A WAL file is written by one thread at a time, as RocksDB does; the
// zeroing of each 1 MiB runs on a short-lived thread of its own (`pt-walzero`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace rocksdb {
class Env;
class FileSystem;
}  // namespace rocksdb

namespace proeftuin::eventstore {

inline constexpr size_t kWalZeroAheadBytes = size_t{1} << 20;

// The writer's side: WAL files zeroed and synced `ahead_bytes` at a time ahead of their records.
std::shared_ptr<rocksdb::FileSystem> NewWalZeroAheadFileSystem(
    std::shared_ptr<rocksdb::FileSystem> base, size_t ahead_bytes = kWalZeroAheadBytes);

// Makes the WAL files in `dir` (a store's directory) zeroed ahead when the zero-ahead file system
// is `fs` or is under it (wrappers that name their target as Inner()); false when it is not.
// WAL files elsewhere (e.g. the copies a checkpoint writes) are written as by `base`. The store
// calls it when it opens for writing.
bool ZeroAheadWalsIn(rocksdb::FileSystem& fs, std::string_view dir);

// A reader's side: WAL files read sequentially end at the end of their whole records.
std::shared_ptr<rocksdb::FileSystem> NewWalRecordsOnlyFileSystem(
    std::shared_ptr<rocksdb::FileSystem> base);

// The Env a store uses when RocksStoreOptions::env is null: the default one, with the WAL zeroed
// ahead (a writable open) or read up to its records' end (a read-only open). Each lives as long
// as the process.
rocksdb::Env* DefaultStoreEnv();
rocksdb::Env* DefaultReadOnlyStoreEnv();

// How many bytes at the start of `wal` (a WAL file's contents from its first byte) are whole,
// checksummed records in RocksDB's log format (with the padding at the end of a 32 KiB block
// after them): where a reader of the file must stop.
uint64_t WalRecordsEnd(std::string_view wal);

}  // namespace proeftuin::eventstore
