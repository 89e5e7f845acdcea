// Test helpers for the event store: a temp directory, a store opened in it, and short ways to
// build appends. Real RocksDB, no mocks.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "eventstore/rocks_store.h"

namespace proeftuin::eventstore::testing {

// A fresh directory under $TMPDIR, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "proeftuin-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline NewEvent Event(std::string payload, std::string type = "test.Happened") {
  NewEvent e;
  e.type = std::move(type);
  e.payload = std::move(payload);
  return e;
}

// One append of `events` to `stream` with request id `id` (fingerprint = "fp-" + id).
inline AppendRequest OneStream(const std::string& id, const std::string& stream,
                               ExpectedVersion expected, std::vector<NewEvent> events) {
  AppendRequest r;
  r.request_id = id;
  r.fingerprint = "fp-" + id;
  r.actor.set_principal_id("tester");
  r.actor.set_role("programme_manager");
  r.reason = "test";
  r.appends.push_back({stream, expected, std::move(events)});
  return r;
}

inline AppendRequest OneEvent(const std::string& id, const std::string& stream,
                              ExpectedVersion expected = ExpectedVersion::Any()) {
  return OneStream(id, stream, expected, {Event("payload of " + id)});
}

inline std::unique_ptr<RocksStore> OpenStore(const std::string& path,
                                             RocksStoreOptions extra = {}) {
  extra.path = path;
  auto s = RocksStore::Open(std::move(extra));
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : nullptr;
}

// Every event in the log, in order.
inline std::vector<RecordedEvent> ReadEverything(EventStore& store) {
  std::vector<RecordedEvent> all;
  uint64_t from = 1;
  for (;;) {
    auto r = store.ReadAll(from, 10000, EventFilter{});
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) break;
    for (auto& e : r->events) all.push_back(std::move(e));
    from = r->next_position;
    if (r->end_of_log) break;
  }
  return all;
}

}  // namespace proeftuin::eventstore::testing
