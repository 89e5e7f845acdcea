// DecodeExperimentEventForFold: of the two kinds an experiment stream holds most of (activities
// and expenditures), only the fields EvolveInPlace reads when it does not remember them.
//
// The full parse of such an event (its texts, dates and document, each an arena message or a
// string copy) was a third of the deciders' state's share of a replay (docs/PERFORMANCE.md,
// twelfth session). This reads the wire format itself, and only a payload of the exact shape
// this build writes: the wrapper holds the one event field, every field inside is one this
// build knows, with its own wire type and a one-byte tag, every length as protobuf reads one
// (eventstore/wire.h), every text is valid UTF-8 (what protobuf checks), and no message field
// comes twice. For such a payload protobuf's parse
// would succeed and give the values read here. Anything else takes the full parse, which then
// decides (and fails) exactly as DecodeExperimentEventInto.
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/decider.h"
#include "domain/streams.h"
#include "eventstore/wire.h"
#include "google/protobuf/stubs/common.h"

namespace proeftuin::domain {
namespace {

constexpr uint32_t kVarint = 0, kLength = 2;

// Reads the wire format; every step says whether it could (else the caller falls back).
class Wire {
 public:
  explicit Wire(std::string_view in) : in_(in) {}
  bool done() const { return in_.empty(); }

  // A one-byte tag (field 1 to 15): all this build writes in these messages.
  bool Tag(uint32_t* field, uint32_t* type) {
    if (in_.empty()) return false;
    const auto b = static_cast<uint8_t>(in_.front());
    if (b >= 0x80 || (b >> 3) == 0) return false;
    in_.remove_prefix(1);
    *field = b >> 3;
    *type = b & 7;
    return true;
  }
  bool Varint(uint64_t* v) { return eventstore::wire::ReadVarint(in_, v); }
  bool Length(std::string_view* out) {
    uint64_t n = 0;
    if (!eventstore::wire::ReadLength(in_, &n) || n > in_.size()) return false;
    *out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool Text() {
    std::string_view s;
    return Length(&s) &&
           google::protobuf::internal::IsStructurallyValidUTF8(s.data(), static_cast<int>(s.size()));
  }

 private:
  std::string_view in_;
};

// A message whose fields (1 to `fields`) are all varints: Date (year, month, day) and Money
// (cents). `last[i]` gets field i+1's last value, as protobuf keeps it.
bool VarintMessage(std::string_view bytes, uint32_t fields, uint64_t* last) {
  Wire w(bytes);
  while (!w.done()) {
    uint32_t field = 0, type = 0;
    uint64_t v = 0;
    if (!w.Tag(&field, &type) || field > fields || type != kVarint || !w.Varint(&v)) return false;
    if (last != nullptr) last[field - 1] = v;
  }
  return true;
}

bool DateField(Wire& w) {
  std::string_view date;
  return w.Length(&date) && VarintMessage(date, 3, nullptr);
}

// DocumentReference: three texts.
bool DocumentField(Wire& w) {
  std::string_view doc;
  if (!w.Length(&doc)) return false;
  Wire d(doc);
  while (!d.done()) {
    uint32_t field = 0, type = 0;
    if (!d.Tag(&field, &type) || field > 3 || type != kLength || !d.Text()) return false;
  }
  return true;
}

// ActivityRecorded: held_on = 1 (Date), kind = 2, participant_count = 3,
// seldom_heard_reached_count = 4, seldom_heard_groups = 5 (texts), note = 6.
bool SlimActivity(std::string_view bytes, v1::ActivityRecorded* out) {
  Wire w(bytes);
  bool held_on = false;
  int32_t participants = 0, seldom_heard = 0;
  while (!w.done()) {
    uint32_t field = 0, type = 0;
    uint64_t v = 0;
    if (!w.Tag(&field, &type)) return false;
    switch (field) {
      case 1:
        if (held_on || type != kLength || !DateField(w)) return false;
        held_on = true;
        break;
      case 2:
      case 3:
      case 4:
        if (type != kVarint || !w.Varint(&v)) return false;
        if (field == 3) participants = static_cast<int32_t>(static_cast<uint32_t>(v));
        if (field == 4) seldom_heard = static_cast<int32_t>(static_cast<uint32_t>(v));
        break;
      case 5:
      case 6:
        if (type != kLength || !w.Text()) return false;
        break;
      default:
        return false;
    }
  }
  out->set_participant_count(participants);
  out->set_seldom_heard_reached_count(seldom_heard);
  return true;
}

// ExpenditureRecorded: amount = 1 (Money), budget_year = 2, description = 3,
// reference = 4 (DocumentReference), spent_on = 5 (Date).
bool SlimExpenditure(std::string_view bytes, v1::ExpenditureRecorded* out) {
  Wire w(bytes);
  bool amount = false, reference = false, spent_on = false;
  uint64_t cents = 0;
  int32_t year = 0;
  while (!w.done()) {
    uint32_t field = 0, type = 0;
    uint64_t v = 0;
    std::string_view money;
    if (!w.Tag(&field, &type)) return false;
    switch (field) {
      case 1:
        if (amount || type != kLength || !w.Length(&money) || !VarintMessage(money, 1, &cents)) {
          return false;
        }
        amount = true;
        break;
      case 2:
        if (type != kVarint || !w.Varint(&v)) return false;
        year = static_cast<int32_t>(static_cast<uint32_t>(v));
        break;
      case 3:
        if (type != kLength || !w.Text()) return false;
        break;
      case 4:
        if (reference || type != kLength || !DocumentField(w)) return false;
        reference = true;
        break;
      case 5:
        if (spent_on || type != kLength || !DateField(w)) return false;
        spent_on = true;
        break;
      default:
        return false;
    }
  }
  if (amount) out->mutable_amount()->set_cents(static_cast<int64_t>(cents));
  out->set_budget_year(year);
  return true;
}

// The payload's one field, when it is `field` and nothing else is there.
bool OnlyField(std::string_view payload, uint32_t field, std::string_view* bytes) {
  Wire w(payload);
  uint32_t f = 0, type = 0;
  return w.Tag(&f, &type) && f == field && type == kLength && w.Length(bytes) && w.done();
}

}  // namespace

absl::Status DecodeExperimentEventForFold(std::string_view type, std::string_view payload,
                                          v1::ExperimentEvent* event) {
  static const std::string* const activity =
      new std::string(v1::ActivityRecorded::descriptor()->full_name());
  static const std::string* const expenditure =
      new std::string(v1::ExpenditureRecorded::descriptor()->full_name());
  std::string_view bytes;
  if (type == *activity &&
      OnlyField(payload, v1::ExperimentEvent::kActivityRecordedFieldNumber, &bytes) &&
      SlimActivity(bytes, event->mutable_activity_recorded())) {
    return absl::OkStatus();
  }
  if (type == *expenditure &&
      OnlyField(payload, v1::ExperimentEvent::kExpenditureRecordedFieldNumber, &bytes) &&
      SlimExpenditure(bytes, event->mutable_expenditure_recorded())) {
    return absl::OkStatus();
  }
  event->Clear();  // what a failed slim read may have set
  return DecodeExperimentEventInto(type, payload, event);
}

}  // namespace proeftuin::domain
