#include "views/internal/keys.h"

namespace proeftuin::views::internal {
namespace {

std::string Join(std::string_view a, std::string_view b, std::string_view c = {}) {
  std::string out;
  out.reserve(a.size() + b.size() + c.size() + 2);
  out.append(a);
  out.append(b);
  out.push_back('/');
  if (!c.empty()) {
    out.append(c);
    out.push_back('/');
  }
  return out;
}

}  // namespace

std::string BigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t TrailingBigEndian64(std::string_view key) {
  if (key.size() < 8) return 0;
  uint64_t v = 0;
  for (unsigned char c : key.substr(key.size() - 8)) v = v << 8 | c;
  return v;
}

std::string SuccessorPrefix(std::string_view predecessor_id) { return Join("c/", predecessor_id); }

std::string SuccessorKey(std::string_view predecessor_id, std::string_view successor_id) {
  return SuccessorPrefix(predecessor_id) + std::string(successor_id);
}

std::string PredecessorKey(std::string_view programme_id) {
  return "cp/" + std::string(programme_id);
}

std::string InvertedPosition(uint64_t position) { return BigEndian64(~position); }

uint64_t PositionOfInverted(std::string_view key) { return ~TrailingBigEndian64(key); }

std::string AuditStreamPrefix(std::string_view stream) { return Join(kAuditStreamTag, stream); }
std::string AuditProgrammePrefix(std::string_view programme_id) {
  return Join(kAuditProgrammeTag, programme_id);
}
std::string AuditActorPrefix(std::string_view actor) { return Join(kAuditActorTag, actor); }
std::string AuditTypePrefix(std::string_view type) { return Join(kAuditTypeTag, type); }

void SetAuditKey(std::string* key, std::string_view tag, std::string_view id, std::string_view inverted) {
  key->assign(tag);  // Join(tag, id) + inverted
  key->append(id);
  key->push_back('/');
  key->append(inverted);
}

}  // namespace proeftuin::views::internal
