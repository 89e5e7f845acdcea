#include "src/codec.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>

#include "absl/container/inlined_vector.h"
#include "eventstore/record.h"
#include "eventstore/status_macros.h"

namespace proeftuin::eventstore {
namespace {

constexpr size_t kMaxEventsPerAppend = 10000;
constexpr size_t kMaxAppendBytes = size_t{16} << 20;
// Texts beside the events (reasons, ids of the actor): the domain allows reasons of 4,000
// characters, which UTF-8 encodes in up to 16,000 bytes.
constexpr size_t kMaxTextBytes = 16384;

bool IsStreamChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

bool IsRequestIdChar(char c) { return IsStreamChar(c) || (c >= 'A' && c <= 'Z'); }

absl::Status Bad(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(std::string(field) + ": " + std::string(what));
}

absl::Status CheckText(std::string_view value, std::string_view field) {
  if (value.size() > kMaxTextBytes) return Bad(field, "longer than 16384 bytes");
  return absl::OkStatus();
}

// StreamVersionPrefix with room for `more` bytes: a key built on it takes one allocation.
std::string StreamVersionPrefixWithRoom(std::string_view stream, size_t more) {
  std::string k;
  k.reserve(3 + stream.size() + more);
  k.append("v/").append(stream).push_back('/');
  return k;
}

}  // namespace

std::string StreamVersionKey(std::string_view stream, uint64_t version) {
  std::string k = StreamVersionPrefixWithRoom(stream, 8);
  PutBigEndian64(&k, version);
  return k;
}

std::string StreamVersionPrefix(std::string_view stream) {
  return StreamVersionPrefixWithRoom(stream, 0);
}

std::string StreamHeadKey(std::string_view stream) {
  std::string k;
  k.reserve(2 + stream.size());
  k.append("h/").append(stream);
  return k;
}

std::string EncodeStreamHead(const StreamHead& h) {
  std::string v;
  v.reserve(16);
  PutBigEndian64(&v, h.version);
  PutBigEndian64(&v, h.last_position);
  return v;
}

absl::StatusOr<StreamHead> DecodeStreamHead(std::string_view v) {
  if (v.size() != 16) return absl::DataLossError("corrupt stream head record");
  return StreamHead{GetBigEndian64(v), GetBigEndian64(v.substr(8))};
}

absl::Status SplitRecord(std::string_view record, uint64_t position, RecordView* r) {
  if (const char* problem = SplitRecordParts(record, r)) {
    return absl::DataLossError("position " + std::to_string(position) + ": " +
                               RecordProblem(record, problem));
  }
  return absl::OkStatus();
}

namespace {

// The record's parts besides the header into `*e`, once its header is decoded.
absl::Status TakeParts(const RecordView& r, uint64_t position, RecordedEvent* e) {
  if (e->header.position() != position) {
    return absl::DataLossError("position " + std::to_string(position) + ": header names position " +
                               std::to_string(e->header.position()));
  }
  e->payload.assign(r.payload);
  e->personal.reset();
  e->personal_digest = r.personal_digest;
  e->hash = r.hash;
  return absl::OkStatus();
}

bool IsAscii(std::string_view s) {
  // Eight bytes at a time (-O2 does not vectorize the byte loop): a stream name and a type are
  // checked for every event of a replay.
  uint64_t any = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, s.data() + i, 8);
    any |= word;
  }
  for (; i < s.size(); ++i) any |= static_cast<unsigned char>(s[i]);
  return (any & 0x8080808080808080ull) == 0;
}

}  // namespace

absl::Status DecodeEventInto(std::string_view record, uint64_t position, RecordedEvent* e) {
  RecordView r;
  RETURN_IF_ERROR(SplitRecord(record, position, &r));
  // Parsing into a message that held an event reuses its strings' memory.
  if (!e->header.ParseFromArray(r.header_bytes.data(), static_cast<int>(r.header_bytes.size()))) {
    return absl::DataLossError("position " + std::to_string(position) + ": header does not parse");
  }
  return TakeParts(r, position, e);
}

bool ScanPlainHeaderPlace(std::string_view header_bytes, HeaderPlace* place) {
  // Anything protobuf's parser would judge or combine differently (a string that is not
  // ASCII, whose UTF-8 it checks; a date given twice) is left to the parser itself.
  return ScanHeaderPlace(header_bytes, place) && IsAscii(place->stream) && IsAscii(place->type);
}

absl::Status DecodeEventFromPlace(const RecordView& r, const HeaderPlace& place,
                                  uint64_t position, RecordedEvent* e) {
  v1::EventHeader& h = e->header;
  // Field by field rather than Clear(), which would free the date and the actor each time.
  h.set_position(place.position);
  h.mutable_stream()->assign(place.stream);
  h.set_stream_version(place.stream_version);
  h.mutable_type()->assign(place.type);
  h.set_schema_version(place.schema_version);
  h.set_recorded_at_us(place.recorded_at_us);
  int32_t ymd[3];
  if (!place.has_occurred_on) {
    h.clear_occurred_on();
  } else if (ReadPlainDate(place.occurred_on, ymd)) {  // protobuf's parser costs 5 times as much
    v1::Date* d = h.mutable_occurred_on();
    d->Clear();
    d->set_year(ymd[0]);
    d->set_month(ymd[1]);
    d->set_day(ymd[2]);
  } else if (!h.mutable_occurred_on()->ParseFromArray(place.occurred_on.data(),
                                                      static_cast<int>(place.occurred_on.size()))) {
    return absl::DataLossError("position " + std::to_string(position) + ": header does not parse");
  }
  h.set_confidentiality(static_cast<v1::Confidentiality>(place.confidentiality));
  h.set_has_personal(place.has_personal);
  if (!h.event_id().empty()) h.clear_event_id();
  if (h.has_actor()) h.clear_actor();
  if (!h.reason().empty()) h.clear_reason();
  if (!h.request_id().empty()) h.clear_request_id();
  if (!h.correlation_id().empty()) h.clear_correlation_id();
  if (!h.causation_id().empty()) h.clear_causation_id();
  if (!h.previous_hash().empty()) h.clear_previous_hash();
  // Reflection found once: GetReflection() looks the message's metadata up again each time.
  static const google::protobuf::Reflection* const reflection = v1::EventHeader::GetReflection();
  if (!reflection->GetUnknownFields(h).empty()) reflection->MutableUnknownFields(&h)->Clear();
  return TakeParts(r, position, e);
}

absl::StatusOr<RecordedEvent> DecodeEvent(std::string_view record, uint64_t position) {
  RecordedEvent e;
  if (absl::Status s = DecodeEventInto(record, position, &e); !s.ok()) return s;
  return e;
}

absl::Status ValidateStreamName(std::string_view stream, std::string_view field) {
  if (stream.empty() || stream.size() > 200) return Bad(field, "must be 1 to 200 characters");
  if (!((stream[0] >= 'a' && stream[0] <= 'z') || (stream[0] >= '0' && stream[0] <= '9'))) {
    return Bad(field, "must start with a lowercase letter or digit");
  }
  for (char c : stream) {
    if (!IsStreamChar(c)) return Bad(field, "may hold only a-z, 0-9, '.', '_', ':' and '-'");
  }
  return absl::OkStatus();
}

absl::Status ValidateRequestId(std::string_view field, std::string_view id) {
  if (id.empty() || id.size() > 128) return Bad(field, "must be 1 to 128 characters");
  for (char c : id) {
    if (!IsRequestIdChar(c)) return Bad(field, "may hold only A-Z, a-z, 0-9, '.', '_', ':', '-'");
  }
  return absl::OkStatus();
}

absl::Status ValidateAppend(const AppendRequest& r) {
  RETURN_IF_ERROR(ValidateRequestId("request_id", r.request_id));
  if (r.fingerprint.empty() || r.fingerprint.size() > 64) {
    return Bad("fingerprint", "must be 1 to 64 bytes");
  }
  if (r.appends.empty()) return Bad("appends", "an append writes at least one stream");
  // Streams written or checked so far: a command names one or two, so a search of a short list
  // (no allocation); a long request uses a set.
  absl::InlinedVector<std::string_view, 4> few;
  std::set<std::string_view> many;
  const bool long_request = r.appends.size() + r.checks.size() > 16;
  auto first_time = [&](std::string_view stream) {
    if (long_request) return many.insert(stream).second;
    if (std::find(few.begin(), few.end(), stream) != few.end()) return false;
    few.push_back(stream);
    return true;
  };
  size_t events = 0, bytes = 0;
  for (const auto& a : r.appends) {
    if (absl::Status s = ValidateStreamName(a.stream, "appends.stream"); !s.ok()) return s;
    if (!first_time(a.stream))
      return Bad("appends.stream", "stream " + a.stream + " appears twice");
    if (a.events.empty()) return Bad("appends.events", "stream " + a.stream + " has no events");
    for (const auto& e : a.events) {
      if (e.type.empty() || e.type.size() > 200)
        return Bad("events.type", "must be 1 to 200 characters");
      if (e.event_id.size() > 64) return Bad("events.event_id", "longer than 64 characters");
      if (e.reason.size() > kMaxTextBytes) {
        return Bad("events.reason", "longer than 16384 bytes");
      }
      if (e.occurred_on && !IsValidDate(*e.occurred_on)) {
        return Bad("events.occurred_on", "is not a valid calendar date");
      }
      ++events;
      bytes += e.payload.size() + e.personal.size();
    }
  }
  for (const auto& c : r.checks) {
    if (absl::Status s = ValidateStreamName(c.stream, "checks.stream"); !s.ok()) return s;
    if (!first_time(c.stream)) {
      return Bad("checks.stream", "stream " + c.stream + " is already written or checked");
    }
  }
  if (events > kMaxEventsPerAppend) return Bad("appends.events", "more than 10000 events");
  if (bytes > kMaxAppendBytes) return Bad("appends.events", "payloads exceed 16 MiB");
  for (auto [v, f] : {std::pair{&r.reason, "reason"},
                      {&r.correlation_id, "correlation_id"},
                      {&r.causation_id, "causation_id"},
                      {&r.actor.principal_id(), "actor.principal_id"},
                      {&r.actor.display_name(), "actor.display_name"},
                      {&r.actor.role(), "actor.role"},
                      {&r.actor.application(), "actor.application"},
                      {&r.actor.on_behalf_of(), "actor.on_behalf_of"}}) {
    if (absl::Status s = CheckText(*v, f); !s.ok()) return s;
  }
  if (r.occurred_on.has_value() && !IsValidDate(*r.occurred_on)) {
    return Bad("occurred_on", "is not a valid calendar date");
  }
  return absl::OkStatus();
}

bool IsValidDate(const v1::Date& d) {
  if (d.year() < 1900 || d.year() > 9999 || d.month() < 1 || d.month() > 12 || d.day() < 1) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = kDays[d.month() - 1];
  bool leap = (d.year() % 4 == 0 && d.year() % 100 != 0) || d.year() % 400 == 0;
  if (d.month() == 2 && leap) days = 29;
  return d.day() <= days;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace proeftuin::eventstore
