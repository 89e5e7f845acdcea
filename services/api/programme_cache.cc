#include "api/programme_cache.h"

namespace proeftuin::api {

std::optional<std::string> ProgrammeCache::FindSerialized(const Key& key, const Stamp& stamp) {
  absl::MutexLock l(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || !(it->second.stamp == stamp)) return std::nullopt;
  recency_.splice(recency_.begin(), recency_, it->second.recency);
  hits_.fetch_add(1);
  return it->second.response;
}

std::optional<v1::GetProgrammeResponse> ProgrammeCache::Find(const Key& key, const Stamp& stamp) {
  std::optional<std::string> bytes = FindSerialized(key, stamp);
  if (!bytes.has_value()) return std::nullopt;
  std::optional<v1::GetProgrammeResponse> out(std::in_place);
  if (!out->ParseFromString(*bytes)) return std::nullopt;  // cannot happen: we serialized it
  return out;
}

size_t ProgrammeCache::CostOf(const Key& key, size_t serialized_bytes) {
  return serialized_bytes + 2 * key.programme_id.capacity() + 2 * sizeof(Key) + sizeof(Entry) + 64;
}

void ProgrammeCache::EvictWhileOver(size_t limit) {
  while (used_ > limit && !recency_.empty()) {
    auto it = entries_.find(recency_.back());
    used_ -= it->second.cost;
    entries_.erase(it);
    recency_.pop_back();
  }
}

void ProgrammeCache::Put(const Key& key, const Stamp& stamp,
                         const v1::GetProgrammeResponse& response) {
  if (capacity_ == 0) return;
  std::string bytes = response.SerializeAsString();
  const size_t cost = CostOf(key, bytes.size());
  if (cost > capacity_) return;
  absl::MutexLock l(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    const Stamp& held = it->second.stamp;
    if (held.last_position > stamp.last_position ||
        (held.last_position == stamp.last_position && held.day > stamp.day)) {
      return;  // a reader with a newer view stored a newer one
    }
    used_ -= it->second.cost;
    recency_.erase(it->second.recency);
    entries_.erase(it);
  }
  EvictWhileOver(capacity_ - cost);
  recency_.push_front(key);
  entries_.emplace(key, Entry{stamp, std::move(bytes), cost, recency_.begin()});
  used_ += cost;
}

}  // namespace proeftuin::api
