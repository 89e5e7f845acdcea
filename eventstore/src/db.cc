#include "src/db.h"

#include <cstdlib>
#include <filesystem>

#include "eventstore/wal_fs.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/perf_level.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/write_buffer_manager.h"
#include "src/uuid.h"

namespace proeftuin::eventstore {
namespace {

const char* const kFixed[] = {"default", kCfEvents,
                                  kCfPersonal, kCfStreams, kCfRequests};

rocksdb::BlockBasedTableOptions TableOptions(const DbOptions& o) {
  rocksdb::BlockBasedTableOptions t;
  // Four shards, not RocksDB's default of one per MiB: the index block of a large projection
  // file is about 1 MiB, and in a 1 MiB shard it could never stay cached, so every scan of a
  // big view read and parsed it again (docs/VIEWS.md, "Query latency").
  t.block_cache = rocksdb::NewLRUCache(o.block_cache_bytes > 0 ? o.block_cache_bytes : 8 << 20,
                                       /*num_shard_bits=*/2);
  t.cache_index_and_filter_blocks = true;
  // The newest files' filter and index blocks stay pinned: every command's point reads (the
  // caller's principal, its request id, the decider state) ask the filters of all of L0, and a
  // block cache lookup each takes a shard's mutex (docs/PERFORMANCE.md). Not for the log's
  // family (FamilyOptions).
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  return t;
}

// Where a memtable insert starts looking (ColumnFamilyOptions::
// memtable_insert_with_hint_prefix_extractor): RocksDB keeps the skiplist position of the last
// insert per prefix this returns, and an insert whose key lies next to it skips the search from
// the top of the skiplist (6 % of the server's CPU under 64 clients, most of it the writer's).
// A key ending in "/" + 8 bytes (a stream's version `v/<stream>/` + BE64, an audit index entry
// `<index>/` + inverted BE64 position) shares its hint with the keys that differ only in those
// 8 bytes, which are inserted in order; any other key (a stream's head, a decider state's row,
// both rewritten by every command on them) has a hint of its own: a new version of a key goes
// right before its previous one. Only a hint: any prefix gives the same skiplist, a poor one
// only a longer search (a key whose last part happens to be 8 bytes long shares a hint with
// its siblings). Each hint costs its memtable a position (~230 bytes, counted) and a map
// entry; the keys one memtable sees are bounded by the streams and rows written in its life.
class InsertHintPrefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "proeftuin.InsertHintPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    if (key.size() > 9 && key[key.size() - 9] == '/') return rocksdb::Slice(key.data(), key.size() - 8);
    return key;
  }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

// The log is read in long sequential scans (ReadAll, Verify, replay) and its records are
// hashes and protobuf that compress poorly: bigger uncompressed blocks make scans ~1.5x
// cheaper. Point reads go to the other families.
rocksdb::ColumnFamilyOptions FamilyOptions(const std::string& name, const rocksdb::Options& base) {
  rocksdb::ColumnFamilyOptions cf(base);
  // Not the log (appended in key order: RocksDB's own last-insert position serves it) nor the
  // request ids (no order to follow).
  if (name == kCfStreams || name.rfind("proj/", 0) == 0) {
    static const auto hint = std::make_shared<InsertHintPrefix>();
    cf.memtable_insert_with_hint_prefix_extractor = hint;
  }
  if (name != kCfEvents) {
    // A small first level. The write buffer manager flushes these families' memtables at a few
    // hundred KB to a few MB, and their new keys fall all over the key space (the audit index's
    // `<index>/<inverted position>`, a stream's rows, the decider states), so each flushed file
    // overlaps the whole of L1, and every L0 -> L1 compaction rewrites all of L1. With RocksDB's
    // 256 MB L1 that was the whole family: on a store of 1M events a 41 MB rewrite of the audit
    // index for every 2 MB flushed (2.7 s of CPU), 35 % more server CPU per command than on a
    // fresh store (docs/PERFORMANCE.md). With 8 MB, L1 spills into L2 in 2 MB files, and a
    // compaction from L1 rewrites only the slice of L2 its file overlaps. (A store written with
    // the old sizes moves its big L1 down once, in the background, after its first open.)
    cf.max_bytes_for_level_base = 8 << 20;
    cf.target_file_size_base = 2 << 20;
    // 4 MB files in L2, 8 MB in L3: a family of 1 GB stays at a few hundred files
    // (max_open_files).
    cf.target_file_size_multiplier = 2;
    return cf;
  }
  auto* base_table = base.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
  rocksdb::BlockBasedTableOptions t = *base_table;
  t.block_size = 16 << 10;
  // Its L0 files never overlap and move down whole, keeping their table readers, so pinned
  // blocks would stay pinned as the log grows; no point read asks its filters anyway.
  t.pin_l0_filter_and_index_blocks_in_cache = false;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  cf.compression = rocksdb::kNoCompression;
  return cf;
}

rocksdb::Options MakeOptions(const DbOptions& o) {
  rocksdb::Options opt;
  opt.create_if_missing = o.create_if_missing;
  opt.create_missing_column_families = true;
  // The WAL zeroed ahead when writing, read up to its records' end when read-only
  // (eventstore/wal_fs.h); Db::Open wraps a caller's Env for a read-only open.
  if (o.env != nullptr) {
    opt.env = o.env;
  } else {
    opt.env = o.read_only ? DefaultReadOnlyStoreEnv() : DefaultStoreEnv();
  }
  opt.keep_log_file_num = 5;
  opt.max_log_file_size = 8 << 20;
  opt.max_open_files = 1024;
  opt.max_background_jobs = 2;
  opt.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  rocksdb::BlockBasedTableOptions t = TableOptions(o);
  opt.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  size_t wb = o.write_buffer_bytes > 0 ? o.write_buffer_bytes : 32 << 20;
  opt.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(wb);
  opt.write_buffer_size = std::max<size_t>(wb / 4, 1 << 20);
  opt.max_write_buffer_number = 3;
  opt.max_total_wal_size = wb * 2;
  // A bloom filter of whole keys in every memtable: most point reads miss the memtables (a new
  // request id, the token and principal rows, a programme's state under experiment commands)
  // and without it each such miss searches the skiplists of the family's memtables
  // (docs/PERFORMANCE.md). The filter takes 2 % of a memtable's size.
  opt.memtable_whole_key_filtering = true;
  opt.memtable_prefix_bloom_size_ratio = 0.02;
  return opt;
}

absl::Status LockedOrIo(const rocksdb::Status& s, const std::string& what) {
  std::string msg = s.ToString();
  if (msg.find("lock") != std::string::npos || msg.find("LOCK") != std::string::npos) {
    return absl::FailedPreconditionError(
        what + ": the store is locked by another process (is a proeftuind running on it?): " +
        msg);
  }
  return absl::UnavailableError(what + ": " + msg);
}

}  // namespace

absl::Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = what + ": " + s.ToString();
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsIOError() || s.IsBusy() || s.IsTryAgain() || s.IsTimedOut() || s.IsAborted()) {
    return absl::UnavailableError(msg);
  }
  if (s.IsInvalidArgument()) return absl::FailedPreconditionError(msg);
  return absl::InternalError(msg);
}

void SeekToLastPosition(rocksdb::Iterator& it) {
  it.SeekToLast();
  while (it.Valid() && it.key().size() != 8) it.Prev();
}

void QuietPerfCounters() { rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable); }

QuietPerfCountersHere::QuietPerfCountersHere() : saved_(static_cast<int>(rocksdb::GetPerfLevel())) {
  QuietPerfCounters();
}

QuietPerfCountersHere::~QuietPerfCountersHere() {
  rocksdb::SetPerfLevel(static_cast<rocksdb::PerfLevel>(saved_));
}

absl::StatusOr<std::shared_ptr<Db>> Db::Open(const DbOptions& o) {
  std::shared_ptr<Db> db(new Db());
  db->read_only_ = o.read_only;
  rocksdb::Options opt = MakeOptions(o);
  if (o.read_only && o.env != nullptr) {
    db->read_env_ = rocksdb::NewCompositeEnv(NewWalRecordsOnlyFileSystem(o.env->GetFileSystem()));
    opt.env = db->read_env_.get();
  }
  bool exists = std::filesystem::exists(std::filesystem::path(o.path) / "CURRENT");
  if (!exists && (o.read_only || !o.create_if_missing)) {
    return absl::NotFoundError("no Proeftuin store at " + o.path);
  }
  std::vector<std::string> names;
  if (exists) {
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(opt, o.path, &names);
    if (!s.ok()) return FromRocks(s, "listing column families of " + o.path);
  }
  for (const char* f : kFixed) {
    if (std::find(names.begin(), names.end(), f) == names.end()) {
      if (o.read_only) return absl::DataLossError("store at " + o.path + " lacks column family " + f);
      names.push_back(f);
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const auto& n : names) descs.emplace_back(n, FamilyOptions(n, opt));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (o.read_only) {
    char tmpl[] = "/tmp/proeftuin-secondary-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return absl::InternalError("cannot create a secondary dir");
    db->secondary_dir_ = tmpl;
    opt.max_open_files = -1;  // required by secondary instances
    s = rocksdb::DB::OpenAsSecondary(opt, o.path, db->secondary_dir_, descs, &handles, &raw);
  } else {
    // The store's WAL zeroed ahead (eventstore/wal_fs.h), when its file system does that.
    ZeroAheadWalsIn(*opt.env->GetFileSystem(), o.path);
    s = rocksdb::DB::Open(opt, o.path, descs, &handles, &raw);
  }
  if (!s.ok()) {
    if (s.IsIOError()) return LockedOrIo(s, "opening store " + o.path);
    return FromRocks(s, "opening store " + o.path);
  }
  db->db_.reset(raw);
  {
    absl::MutexLock l(&db->mu_);
    for (size_t i = 0; i < names.size(); ++i) db->families_[names[i]] = handles[i];
  }
  for (const char* f : kFixed) db->fixed_.push_back(db->Family(f));
  if (absl::Status st = db->InitMeta(); !st.ok()) return st;
  return db;
}

absl::Status Db::InitMeta() {
  auto format = Get(meta(), kMetaFormat);
  if (!format.ok()) return format.status();
  if (!format->has_value()) {
    // A store is initialised right after creation; one without meta/format is either that
    // moment interrupted (no events yet: finish it) or not a Proeftuin store at all.
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events()));
    it->SeekToFirst();
    if (it->Valid() || read_only_) {
      return absl::FailedPreconditionError("not a Proeftuin store (it has no meta/format record)");
    }
    store_id_ = UuidGenerator().Next();
    rocksdb::WriteBatch b;
    b.Put(meta(), kMetaFormat, "1");
    b.Put(meta(), kMetaStoreId, store_id_);
    rocksdb::WriteOptions w;
    w.sync = true;
    return FromRocks(db_->Write(w, &b), "initialising the store");
  }
  if (**format != "1") {
    return absl::FailedPreconditionError("store format version " + **format +
                                         " is not supported by this build (it supports 1)");
  }
  auto id = Get(meta(), kMetaStoreId);
  if (!id.ok()) return id.status();
  store_id_ = id->value_or("");
  return absl::OkStatus();
}

Db::~Db() {
  if (db_ != nullptr) {
    absl::MutexLock l(&mu_);
    for (auto& [name, h] : families_) db_->DestroyColumnFamilyHandle(h);
    for (auto* h : dropped_) db_->DestroyColumnFamilyHandle(h);
    families_.clear();
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir_, ec);
  }
}

rocksdb::ColumnFamilyHandle* Db::Family(const std::string& cf_name) const {
  absl::MutexLock l(&mu_);
  auto it = families_.find(cf_name);
  return it == families_.end() ? nullptr : it->second;
}

std::vector<std::string> Db::FamilyNames() const {
  absl::MutexLock l(&mu_);
  std::vector<std::string> out;
  for (const auto& [name, h] : families_) out.push_back(name);
  return out;
}

absl::StatusOr<rocksdb::ColumnFamilyHandle*> Db::CreateFamily(const std::string& cf_name) {
  if (auto* h = Family(cf_name)) return h;
  rocksdb::ColumnFamilyHandle* h = nullptr;
  rocksdb::Status s = db_->CreateColumnFamily(FamilyOptions(cf_name, db_->GetOptions(meta())), cf_name, &h);
  if (!s.ok()) return FromRocks(s, "creating column family " + cf_name);
  absl::MutexLock l(&mu_);
  families_[cf_name] = h;
  return h;
}

absl::Status Db::DropFamily(const std::string& cf_name) {
  rocksdb::ColumnFamilyHandle* h = nullptr;
  {
    absl::MutexLock l(&mu_);
    auto it = families_.find(cf_name);
    if (it == families_.end()) return absl::OkStatus();
    h = it->second;
    families_.erase(it);
    dropped_.push_back(h);
  }
  return FromRocks(db_->DropColumnFamily(h), "dropping column family " + cf_name);
}

absl::Status Db::CatchUp() {
  if (!read_only_) return absl::OkStatus();
  return FromRocks(db_->TryCatchUpWithPrimary(), "catching up with the primary");
}

absl::StatusOr<std::optional<std::string>> Db::Get(rocksdb::ColumnFamilyHandle* cf,
                                                   const rocksdb::Slice& key,
                                                   const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions r;
  r.snapshot = snapshot;
  std::string value;
  rocksdb::Status s = db_->Get(r, cf, key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading");
  return std::optional<std::string>(std::move(value));
}

}  // namespace proeftuin::eventstore
