// Row keys of the views' projections (docs/VIEWS.md has the layout). Ids are lowercase slugs
// and stream ids never contain '/', so '/' separates the parts unambiguously. Positions are
// 8-byte big-endian so that key order is log order; the audit index stores them inverted
// (~position) so that key order is newest first. Private to services/views.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace proeftuin::views::internal {

// 8-byte big-endian.
std::string BigEndian64(uint64_t v);
// Reads the last 8 bytes of `key` as big-endian (0 when shorter).
uint64_t TrailingBigEndian64(std::string_view key);

// view_programmes: "c/<predecessor>/<successor>" (empty value) and "cp/<programme>" -> the
// programme's current predecessor id.
std::string SuccessorPrefix(std::string_view predecessor_id);
std::string SuccessorKey(std::string_view predecessor_id, std::string_view successor_id);
std::string PredecessorKey(std::string_view programme_id);

// audit_index: "a/<~BE64 position>" -> AuditIndexRow; the secondary indexes
// "s/<stream>/", "g/<programme>/", "u/<actor>/", "t/<type>/" + ~BE64 position -> one byte,
// the event's confidentiality.
std::string InvertedPosition(uint64_t position);
uint64_t PositionOfInverted(std::string_view key);
inline constexpr char kAuditAllPrefix[] = "a/";
inline constexpr char kAuditStreamTag[] = "s/";
inline constexpr char kAuditProgrammeTag[] = "g/";
inline constexpr char kAuditActorTag[] = "u/";
inline constexpr char kAuditTypeTag[] = "t/";
std::string AuditStreamPrefix(std::string_view stream);
std::string AuditProgrammePrefix(std::string_view programme_id);
std::string AuditActorPrefix(std::string_view actor);
std::string AuditTypePrefix(std::string_view type);
// Sets `*key` to a secondary index's key: the tag's prefix for `id` (as the functions above make
// it) followed by `inverted` (InvertedPosition), reusing the string's memory.
void SetAuditKey(std::string* key, std::string_view tag, std::string_view id, std::string_view inverted);

}  // namespace proeftuin::views::internal
