#include "e2e/cli_tamper.h"

#include <gtest/gtest.h>

#include "eventstore/record.h"
#include "integration/raw_db.h"

namespace proeftuin::e2e {

void TamperEvent(const std::string& data_dir, uint64_t position) {
  eventstore::testing::RawDb raw(data_dir);
  std::string rec = raw.Get("events", eventstore::PositionKey(position));
  auto r = eventstore::DecodeRecord(rec);
  ASSERT_TRUE(r.ok());
  std::string payload = std::string(r->payload) + " (changed afterwards)";
  raw.Put("events", eventstore::PositionKey(position),
          eventstore::EncodeRecord(r->header_bytes, payload, r->personal_digest, r->hash));
}

void DeleteNewestEvents(const std::string& data_dir, uint64_t count, uint64_t* first_deleted) {
  eventstore::testing::RawDb raw(data_dir);
  uint64_t last = 0;
  for (const std::string& key : raw.Keys("events")) {
    if (key.size() == 8) last = eventstore::GetBigEndian64(key);
  }
  ASSERT_GT(last, count);
  for (uint64_t p = last - count + 1; p <= last; ++p)
    raw.Delete("events", eventstore::PositionKey(p));
  *first_deleted = last - count + 1;
}

void RemoveAuditIndexRow(const std::string& data_dir, uint64_t position) {
  eventstore::testing::RawDb raw(data_dir);
  std::string key = "a/";  // views/internal/keys.h: kAuditAllPrefix + InvertedPosition
  eventstore::PutBigEndian64(&key, ~position);
  int removed = 0;
  for (const std::string& family : raw.Families()) {
    if (family.rfind("proj/audit_index/", 0) != 0 || raw.Keys(family, key).empty()) continue;
    raw.Delete(family, key);
    ++removed;
  }
  EXPECT_EQ(removed, 1);
}

}  // namespace proeftuin::e2e
