#include "api/programme_cache.h"

namespace proeftuin::api {

std::optional<v1::GetProgrammeResponse> ProgrammeCache::Find(const Key& key, const Stamp& stamp) {
  absl::MutexLock l(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || !(it->second.stamp == stamp)) return std::nullopt;
  recency_.splice(recency_.begin(), recency_, it->second.recency);
  hits_.fetch_add(1);
  return it->second.response;
}

void ProgrammeCache::Put(const Key& key, const Stamp& stamp, const v1::GetProgrammeResponse& response) {
  if (capacity_ == 0) return;
  absl::MutexLock l(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    const Stamp& held = it->second.stamp;
    if (held.last_position > stamp.last_position ||
        (held.last_position == stamp.last_position && held.day > stamp.day)) {
      return;  // a reader with a newer view stored a newer one
    }
    it->second.stamp = stamp;
    it->second.response = response;
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    return;
  }
  if (entries_.size() >= capacity_) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
  recency_.push_front(key);
  entries_.emplace(key, Entry{stamp, response, recency_.begin()});
}

}  // namespace proeftuin::api
