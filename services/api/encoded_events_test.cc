// EncodedEvents and SetEncodedEvents: a Subscribe response built from shared encoded events parses
// to the same message as one built field by field from ToApiEvent, for a cleared and a redacted
// reader, in a batch and alone; a slot is never served for another event at the same position.
#include "api/encoded_events.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "api/event_service.h"
#include "app/queries.h"

namespace proeftuin::api {
namespace {

using google::protobuf::util::MessageDifferencer;

eventstore::RecordedEvent Event(uint64_t position, v1::Confidentiality level, uint8_t hash_byte) {
  eventstore::RecordedEvent e;
  e.header.set_position(position);
  e.header.set_stream("experiment/p1/e" + std::to_string(position));
  e.header.set_stream_version(position - 1);
  e.header.set_type("proeftuin.v1.ActivityRecorded");
  e.header.set_recorded_at_us(1'700'000'000'000'000 + int64_t(position));
  e.header.set_confidentiality(level);
  e.header.set_reason("werksessie met bewoners");
  e.header.mutable_actor()->set_principal_id("ambtenaar-1");
  e.header.set_previous_hash(std::string(32, char(hash_byte - 1)));
  e.payload = "payload of " + std::to_string(position);
  e.personal = "naam en adres";
  e.personal_digest.fill(7);
  e.hash.fill(hash_byte);
  return e;
}

// Whether a reader of `clearance` gets `e` whole by its recorded level (these events' streams
// are of no programme, so their recorded level is all that counts).
bool Whole(const eventstore::RecordedEvent& e, v1::Confidentiality clearance) {
  return app::Cleared(e.header.confidentiality(), clearance);
}

v1::SubscribeResponse Reparsed(const v1::SubscribeResponse& built) {
  v1::SubscribeResponse parsed;
  EXPECT_TRUE(parsed.ParseFromString(built.SerializeAsString()));
  return parsed;
}

TEST(EncodedEvents, BatchParsesAsTheFieldByFieldResponse) {
  EncodedEvents cache(16);
  std::vector<eventstore::RecordedEvent> events = {
      Event(1, v1::CONFIDENTIALITY_OPENBAAR, 1), Event(2, v1::CONFIDENTIALITY_VERTROUWELIJK, 2),
      Event(3, v1::CONFIDENTIALITY_INTERN, 3)};
  for (v1::Confidentiality clearance : {v1::CONFIDENTIALITY_OPENBAAR, v1::CONFIDENTIALITY_ZEER_GEHEIM}) {
    v1::SubscribeResponse expected;
    std::vector<EncodedEvent> encoded;
    for (const auto& e : events) {
      *expected.mutable_events()->add_events() = ToApiEvent(e, Whole(e, clearance));
      encoded.push_back(cache.Get(e, Whole(e, clearance)));
    }
    v1::SubscribeResponse built;
    built.mutable_checkpoint()->set_position(99);  // replaced, not merged
    SetEncodedEvents(encoded, true, &built);
    v1::SubscribeResponse parsed = Reparsed(built);
    EXPECT_TRUE(MessageDifferencer::Equals(parsed, expected)) << parsed.DebugString();
    EXPECT_TRUE(parsed.GetReflection()->GetUnknownFields(parsed).empty());
    ASSERT_EQ(parsed.events().events_size(), 3);
    // The public reader sees the confidential events redacted, the cleared one everything.
    EXPECT_EQ(parsed.events().events(1).redacted(), clearance == v1::CONFIDENTIALITY_OPENBAAR);
    EXPECT_EQ(parsed.events().events(1).payload().empty(), clearance == v1::CONFIDENTIALITY_OPENBAAR);
    EXPECT_EQ(parsed.events().events(0).personal(), "naam en adres");
  }
}

// EventService.ReadAll builds its events from views of the stored records: the same message as
// from the decoded event, cleared and redacted, with and without a personal part; a header that
// does not parse is DATA_LOSS.
TEST(ApiEvent, FromAViewEqualsFromTheDecodedEvent) {
  for (bool with_personal : {true, false}) {
    eventstore::RecordedEvent e = Event(4, v1::CONFIDENTIALITY_VERTROUWELIJK, 4);
    if (!with_personal) e.personal.reset();
    std::string header = e.header.SerializeAsString();
    eventstore::EventView v;
    v.position = 4;
    v.header_bytes = header;
    v.stream = e.header.stream();
    v.type = e.header.type();
    v.confidentiality = e.header.confidentiality();
    v.payload = e.payload;
    if (e.personal.has_value()) v.personal = *e.personal;
    v.personal_digest = e.personal_digest;
    v.hash = e.hash;
    for (v1::Confidentiality clearance :
         {v1::CONFIDENTIALITY_OPENBAAR, v1::CONFIDENTIALITY_ZEER_GEHEIM}) {
      v1::Event from_view;
      views::EventVisibility visibility(nullptr, clearance);  // no programme: no levels
      ASSERT_TRUE(ToApiEvent(v, visibility, &from_view).ok());
      v1::Event expected = ToApiEvent(e, Whole(e, clearance));
      EXPECT_TRUE(MessageDifferencer::Equals(from_view, expected)) << from_view.DebugString();
      EXPECT_EQ(from_view.redacted(), clearance == v1::CONFIDENTIALITY_OPENBAAR);
      EXPECT_EQ(from_view.personal().empty(),
                clearance == v1::CONFIDENTIALITY_OPENBAAR || !with_personal);
    }
  }
  eventstore::EventView broken;
  broken.position = 12;
  broken.header_bytes = std::string_view("\x0a\xff", 2);
  v1::Event out;
  views::EventVisibility visibility(nullptr, v1::CONFIDENTIALITY_ZEER_GEHEIM);
  absl::Status s = ToApiEvent(broken, visibility, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("position 12"), std::string::npos) << s;
}

TEST(EncodedEvents, SingleEventParsesAsTheEventField) {
  EncodedEvents cache(16);
  eventstore::RecordedEvent e = Event(5, v1::CONFIDENTIALITY_OPENBAAR, 5);
  v1::SubscribeResponse built;
  SetEncodedEvents({cache.Get(e, Whole(e, v1::CONFIDENTIALITY_OPENBAAR))}, false, &built);
  v1::SubscribeResponse expected;
  *expected.mutable_event() = ToApiEvent(e, Whole(e, v1::CONFIDENTIALITY_OPENBAAR));
  v1::SubscribeResponse parsed = Reparsed(built);
  EXPECT_EQ(parsed.message_case(), v1::SubscribeResponse::kEvent);
  EXPECT_TRUE(MessageDifferencer::Equals(parsed, expected)) << parsed.DebugString();
}

TEST(EncodedEvents, SharedPerEventAndOutcomeNeverAcrossEvents) {
  EncodedEvents cache(4);
  eventstore::RecordedEvent e = Event(8, v1::CONFIDENTIALITY_VERTROUWELIJK, 8);
  EncodedEvent full = cache.Get(e, /*whole=*/true);
  EncodedEvent redacted = cache.Get(e, /*whole=*/false);
  EXPECT_EQ(cache.Get(e, true).get(), full.get());  // made once
  EXPECT_EQ(cache.Get(e, false).get(), redacted.get());
  EXPECT_NE(*full, *redacted);

  // Another event at the same position (a failed append written again) is encoded afresh.
  eventstore::RecordedEvent other = Event(8, v1::CONFIDENTIALITY_VERTROUWELIJK, 9);
  other.payload = "other payload";
  EncodedEvent again = cache.Get(other, true);
  EXPECT_NE(*again, *full);
  EXPECT_EQ(*again, ToApiEvent(other, true).SerializeAsString());
  // A position sharing the slot (12 % 4 == 8 % 4) replaces it.
  eventstore::RecordedEvent twelve = Event(12, v1::CONFIDENTIALITY_OPENBAAR, 12);
  EXPECT_EQ(*cache.Get(twelve, true), ToApiEvent(twelve, true).SerializeAsString());
  EXPECT_EQ(*cache.Get(other, true), *again);
}

}  // namespace
}  // namespace proeftuin::api
