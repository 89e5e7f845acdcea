// Tests of DecodeExperimentEventForFold against DecodeExperimentEventInto: the same status for
// any bytes, and, where both decode, the same state once EvolveInPlace folds the event in
// without remembering the repeating kinds.
#include <limits>
#include <random>
#include <string>

#include "domain/testing/support.h"
#include "google/protobuf/stubs/logging.h"

namespace proeftuin::domain::testkit {
namespace {

const std::string kActivity = "proeftuin.v1.ActivityRecorded";
const std::string kExpenditure = "proeftuin.v1.ExpenditureRecorded";

// A started experiment with spending and reach already in it: what the events fold into.
v1::ExperimentState Before() {
  v1::ExperimentState s;
  s.set_status(v1::EXPERIMENT_STATUS_STARTED);
  s.set_started(true);
  s.set_activity_count(3);
  s.set_participant_count(40);
  s.set_seldom_heard_reached_count(5);
  s.mutable_spent()->set_cents(12345);
  return s;
}

EventContext Context() {
  EventContext c;
  c.global_position = 77;
  c.stream_version = 9;
  c.remember_repeating = false;
  return c;
}

// The state after folding the event decoded by `decode`, with its status.
template <typename Decode>
std::pair<absl::Status, std::string> Fold(Decode decode, const std::string& type,
                                          const std::string& payload) {
  v1::ExperimentEvent event;
  absl::Status s = decode(type, payload, &event);
  if (!s.ok()) return {s, ""};
  v1::ExperimentState state = Before();
  EvolveInPlace(&state, event, Context());
  return {s, state.SerializeAsString()};
}

void ExpectSameAsWhole(const std::string& type, const std::string& payload) {
  auto [whole_status, whole] = Fold(DecodeExperimentEventInto, type, payload);
  auto [slim_status, slim] = Fold(DecodeExperimentEventForFold, type, payload);
  EXPECT_EQ(slim_status.code(), whole_status.code()) << whole_status << " / " << slim_status;
  EXPECT_EQ(slim_status.message(), whole_status.message());
  EXPECT_EQ(slim, whole);
}

std::string Text(std::mt19937_64& rng) {
  static const char* const kTexts[] = {"", "bewonersavond", "Beëindigd na één avond", "x",
                                       "factuur 2025-117 \xe2\x82\xac 350"};
  return kTexts[rng() % 5];
}

v1::Date RandomDate(std::mt19937_64& rng) {
  v1::Date d;
  if (rng() % 4 != 0) d.set_year(2020 + static_cast<int>(rng() % 10));
  if (rng() % 4 != 0) d.set_month(1 + static_cast<int>(rng() % 12));
  if (rng() % 4 != 0) d.set_day(1 + static_cast<int>(rng() % 28));
  return d;
}

int32_t Number(std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0: return 0;
    case 1: return -static_cast<int32_t>(rng() % 1000);  // ten bytes on the wire
    case 2: return static_cast<int32_t>(rng() % 100000);
    default: return std::numeric_limits<int32_t>::max();
  }
}

v1::ExperimentEvent RandomActivity(std::mt19937_64& rng) {
  v1::ExperimentEvent e;
  v1::ActivityRecorded* a = e.mutable_activity_recorded();
  if (rng() % 3 != 0) *a->mutable_held_on() = RandomDate(rng);
  a->set_kind(static_cast<v1::ActivityKind>(rng() % 4));
  a->set_participant_count(Number(rng));
  a->set_seldom_heard_reached_count(Number(rng));
  for (int i = static_cast<int>(rng() % 3); i > 0; --i) a->add_seldom_heard_groups(Text(rng));
  a->set_note(Text(rng));
  return e;
}

v1::ExperimentEvent RandomExpenditure(std::mt19937_64& rng) {
  v1::ExperimentEvent e;
  v1::ExpenditureRecorded* x = e.mutable_expenditure_recorded();
  if (rng() % 5 != 0) x->mutable_amount()->set_cents(static_cast<int64_t>(rng() % 10'000'000) - 1000);
  x->set_budget_year(rng() % 5 == 0 ? Number(rng) : 2024 + static_cast<int>(rng() % 4));
  x->set_description(Text(rng));
  if (rng() % 2 == 0) {
    x->mutable_reference()->set_document_id(Text(rng));
    x->mutable_reference()->set_title(Text(rng));
    x->mutable_reference()->set_url("https://example.org/" + std::to_string(rng() % 100));
  }
  if (rng() % 3 != 0) *x->mutable_spent_on() = RandomDate(rng);
  return e;
}

TEST(FoldDecode, ReadsOnlyTheCountsOfAnActivityAndFoldsItAsTheWholeEvent) {
  v1::ExperimentEvent e;
  v1::ActivityRecorded* a = e.mutable_activity_recorded();
  a->mutable_held_on()->set_year(2026);
  a->mutable_held_on()->set_month(3);
  a->set_participant_count(25);
  a->set_seldom_heard_reached_count(4);
  a->add_seldom_heard_groups("jongeren");
  a->set_note("avond in de bibliotheek");
  v1::ExperimentEvent slim;
  ASSERT_TRUE(DecodeExperimentEventForFold(kActivity, e.SerializeAsString(), &slim).ok());
  // The texts and the date were not parsed: the slim path was taken, not the whole parse.
  ASSERT_TRUE(slim.has_activity_recorded());
  EXPECT_EQ(slim.activity_recorded().participant_count(), 25);
  EXPECT_EQ(slim.activity_recorded().seldom_heard_reached_count(), 4);
  EXPECT_TRUE(slim.activity_recorded().note().empty());
  EXPECT_EQ(slim.activity_recorded().seldom_heard_groups_size(), 0);
  EXPECT_FALSE(slim.activity_recorded().has_held_on());
  ExpectSameAsWhole(kActivity, e.SerializeAsString());
}

TEST(FoldDecode, ReadsOnlyTheAmountAndYearOfAnExpenditure) {
  v1::ExperimentEvent e;
  v1::ExpenditureRecorded* x = e.mutable_expenditure_recorded();
  x->mutable_amount()->set_cents(-250);
  x->set_budget_year(2026);
  x->set_description("drukwerk");
  x->mutable_reference()->set_title("factuur");
  x->mutable_spent_on()->set_year(2026);
  v1::ExperimentEvent slim;
  ASSERT_TRUE(DecodeExperimentEventForFold(kExpenditure, e.SerializeAsString(), &slim).ok());
  EXPECT_EQ(slim.expenditure_recorded().amount().cents(), -250);
  EXPECT_EQ(slim.expenditure_recorded().budget_year(), 2026);
  EXPECT_TRUE(slim.expenditure_recorded().description().empty());
  EXPECT_FALSE(slim.expenditure_recorded().has_reference());
  EXPECT_FALSE(slim.expenditure_recorded().has_spent_on());
  ExpectSameAsWhole(kExpenditure, e.SerializeAsString());
}

TEST(FoldDecode, OtherKindsAreDecodedWhole) {
  v1::ExperimentEvent e;
  e.mutable_progress_reported()->set_percent_complete(40);
  e.mutable_progress_reported()->set_note("halverwege");
  v1::ExperimentEvent decoded;
  ASSERT_TRUE(
      DecodeExperimentEventForFold("proeftuin.v1.ProgressReported", e.SerializeAsString(), &decoded)
          .ok());
  EXPECT_EQ(decoded.SerializeAsString(), e.SerializeAsString());
}

TEST(FoldDecode, RandomEventsFoldAsTheWholeEventsDo) {
  std::mt19937_64 rng(20261206);
  for (int i = 0; i < 2000; ++i) {
    const bool activity = i % 2 == 0;
    const v1::ExperimentEvent e = activity ? RandomActivity(rng) : RandomExpenditure(rng);
    SCOPED_TRACE(e.ShortDebugString());
    ExpectSameAsWhole(activity ? kActivity : kExpenditure, e.SerializeAsString());
  }
}

// Shapes this build never writes: each must give what the whole parse gives (most of them by
// taking it).
TEST(FoldDecode, PayloadsOfAnotherShapeGetTheWholeParsesAnswer) {
  google::protobuf::LogSilencer quiet;  // protobuf logs each text that is not UTF-8
  std::mt19937_64 rng(7);
  const std::string activity = RandomActivity(rng).SerializeAsString();
  const std::string expenditure = RandomExpenditure(rng).SerializeAsString();
  v1::ExperimentEvent two_amounts;
  two_amounts.mutable_expenditure_recorded()->mutable_amount()->set_cents(5);
  std::string merged = two_amounts.SerializeAsString();
  {
    v1::ExperimentEvent second;
    second.mutable_expenditure_recorded()->set_budget_year(2027);
    merged += second.SerializeAsString();  // the wrapper's field twice: protobuf merges them
  }
  v1::ExperimentEvent bad_text;
  bad_text.mutable_activity_recorded()->set_participant_count(3);
  std::string invalid_utf8 = bad_text.SerializeAsString();
  invalid_utf8 += std::string("\x32\x02\xc3\x28", 4);  // note = 6: bytes that are not UTF-8
  invalid_utf8[1] = static_cast<char>(invalid_utf8.size() - 2);
  const std::string cases[] = {
      "",
      activity + activity,
      activity + expenditure,
      merged,
      invalid_utf8,
      activity + std::string("\x78\x01", 2),         // unknown field 15 in the wrapper
      activity.substr(0, activity.size() - 1),       // truncated
      std::string("\x3a\x02\x18\x85", 4),            // a varint cut off inside the event
      std::string("\x3a\x02\x1a\x00", 4),            // participant_count with the wrong wire type
      std::string("\x3a\x03\x80\x01\x00", 5),        // a two-byte tag
      std::string("\x3a\x02\x08\x01\x0a\x00", 6),    // then another event in the wrapper
      // Lengths: protobuf reads at most five bytes, the fifth below 8.
      std::string("\x3a\x80\x80\x80\x80\x80\x00", 7),                  // six bytes for 0
      std::string("\x3a\x07\x0a\x80\x80\x80\x80\x80\x00", 9),        // held_on's, six bytes
      std::string("\x3a\x80\x80\x80\x80\x08", 6),                       // the fifth byte 8
      std::string("\x3a\x82\x80\x80\x80\x00\x18\x05", 8),              // five bytes for 2: read
  };
  v1::ExperimentEvent probe;
  EXPECT_FALSE(probe.ParseFromString(std::string("\x3a\x80\x80\x80\x80\x80\x00", 7)));
  ASSERT_TRUE(probe.ParseFromString(std::string("\x3a\x82\x80\x80\x80\x00\x18\x05", 8)));
  EXPECT_EQ(probe.activity_recorded().participant_count(), 5);
  v1::ExperimentEvent slim;
  ASSERT_TRUE(DecodeExperimentEventForFold(kActivity, std::string("\x3a\x82\x80\x80\x80\x00\x18\x05", 8),
                                           &slim).ok());
  EXPECT_EQ(slim.activity_recorded().participant_count(), 5);
  for (const std::string& payload : cases) {
    SCOPED_TRACE(testing::PrintToString(payload));
    ExpectSameAsWhole(kActivity, payload);
    ExpectSameAsWhole(kExpenditure, payload);
    ExpectSameAsWhole("proeftuin.v1.ProgressReported", payload);
  }
}

TEST(FoldDecode, MutatedPayloadsGetTheWholeParsesAnswer) {
  google::protobuf::LogSilencer quiet;
  std::mt19937_64 rng(42);
  for (int i = 0; i < 5000; ++i) {
    const bool activity = i % 2 == 0;
    std::string payload = (activity ? RandomActivity(rng) : RandomExpenditure(rng)).SerializeAsString();
    for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0 && !payload.empty(); --flips) {
      switch (rng() % 3) {
        case 0: payload[rng() % payload.size()] = static_cast<char>(rng()); break;
        case 1: payload.resize(rng() % payload.size()); break;
        default: payload.insert(rng() % (payload.size() + 1), 1, static_cast<char>(rng())); break;
      }
    }
    SCOPED_TRACE(testing::PrintToString(payload));
    ExpectSameAsWhole(activity ? kActivity : kExpenditure, payload);
  }
}

}  // namespace
}  // namespace proeftuin::domain::testkit
