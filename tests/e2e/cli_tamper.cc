#include "e2e/cli_tamper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "eventstore/record.h"
#include "rocksdb/db.h"

namespace proeftuin::e2e {

void TamperEvent(const std::string& data_dir, uint64_t position) {
  rocksdb::Options o;
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(o, data_dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (auto& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(o, data_dir, descs, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* events = handles[std::find(names.begin(), names.end(), "events") - names.begin()];
  std::string rec;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), events, eventstore::PositionKey(position), &rec).ok());
  auto r = eventstore::DecodeRecord(rec);
  ASSERT_TRUE(r.ok());
  std::string payload = std::string(r->payload) + " (changed afterwards)";
  rocksdb::WriteOptions w;
  w.sync = true;
  ASSERT_TRUE(db->Put(w, events, eventstore::PositionKey(position),
                      eventstore::EncodeRecord(r->header_bytes, payload, r->personal_digest, r->hash))
                  .ok());
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
}

}  // namespace proeftuin::e2e
