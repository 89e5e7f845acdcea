// The store's write-ahead log, written into space already zeroed.
//
// An fdatasync of a file that grew must also write the file's inode (its new size): on this
// project's ext4 (no journal) that is a second synchronous write to the disk, after the data
// and before the cache flush, in every group commit, because RocksDB appends its WAL. This file
// system wrapper writes zeros ahead of each WAL file's end, `ahead_bytes` at a time, and lays
// the WAL's records over them: the file's size then changes once per `ahead_bytes`, not with
// every commit. RocksDB's WAL reader skips zeros (a record header of all zeros is its padding),
// a WAL closed cleanly is cut back to its records, and one left by a crash ends in at most
// `ahead_bytes` of zeros, which recovery reads past. docs/PERFORMANCE.md (twenty-third session)
// has the figures.
//
// Only WAL files (`*.log`) made by NewWritableFile without direct writes are wrapped; every
// other file and call goes to `base` unchanged.
//
// Thread-safety: as `base`; a wrapped file is used by one thread at a time, as RocksDB does.
#pragma once

#include <cstddef>
#include <memory>

namespace rocksdb {
class Env;
class FileSystem;
}  // namespace rocksdb

namespace proeftuin::eventstore {

inline constexpr size_t kWalZeroAheadBytes = size_t{1} << 20;

std::shared_ptr<rocksdb::FileSystem> NewWalZeroAheadFileSystem(
    std::shared_ptr<rocksdb::FileSystem> base, size_t ahead_bytes = kWalZeroAheadBytes);

// The Env a store uses when RocksStoreOptions::env is null: the default one, its WAL zeroed
// ahead. Lives as long as the process.
rocksdb::Env* DefaultStoreEnv();

}  // namespace proeftuin::eventstore
