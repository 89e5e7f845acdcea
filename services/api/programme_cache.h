// ProgrammeCache: recently assembled GetProgramme responses, so that a programme that did not
// change is not read and assembled again for every reader (docs/VIEWS.md, "GetProgramme").
//
// A response depends only on the programme's own streams (its state, its experiments, their
// history), the reader's clearance and today's date. An entry is therefore keyed by programme
// and clearance and stamped with the position of the programme's newest event
// (app::LastPositionOfProgramme) and the date it was assembled on: it is served only to a read
// view whose stamp and date are the same, and with that view's position as `as_of_position`.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace proeftuin::api {

class ProgrammeCache {
 public:
  struct Key {
    std::string programme_id;
    v1::Confidentiality clearance;
    auto operator<=>(const Key&) const = default;
  };
  struct Stamp {
    uint64_t last_position = 0;  // of the programme's newest event
    int32_t day = 0;             // the date assembled on, as yyyymmdd
    bool operator==(const Stamp&) const = default;
  };

  // Holds responses up to `capacity_bytes` of memory (0: nothing is cached).
  explicit ProgrammeCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The memory an entry is counted for: the serialized response (entries are kept serialized,
  // about a seventh of a parsed message's memory), its key and the bookkeeping around it.
  static size_t CostOf(const Key& key, size_t serialized_bytes);

  // The response stored under `key` with this stamp, if any.
  std::optional<v1::GetProgrammeResponse> Find(const Key& key, const Stamp& stamp);
  // The same, serialized as stored (no parse).
  std::optional<std::string> FindSerialized(const Key& key, const Stamp& stamp);
  // Stores a response (its as_of positions are the caller's to set on each hit); keeps the
  // newest stamp when two readers race, and drops the least recently used entries while the
  // total would exceed the capacity.
  void Put(const Key& key, const Stamp& stamp, const v1::GetProgrammeResponse& response);

  size_t hits() const { return hits_.load(); }

 private:
  struct Entry {
    Stamp stamp;
    std::string response;  // serialized
    size_t cost = 0;
    std::list<Key>::iterator recency;
  };
  void EvictWhileOver(size_t limit) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  size_t used_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Mutex mu_;
  std::map<Key, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<Key> recency_ ABSL_GUARDED_BY(mu_);  // most recently used first
  std::atomic<size_t> hits_{0};
};

}  // namespace proeftuin::api
