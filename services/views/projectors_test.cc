// A stream's history as the views build it from the log (corrections rewrite the entry they
// name, designs are reduced, clearance filters), the chain rows of "view_programmes", and the
// audit index's keys.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "domain/testing/builders.h"
#include "views/internal/assemble.h"
#include "views/internal/keys.h"
#include "views/views.h"

namespace proeftuin::views {
namespace {

namespace tk = domain::testkit;

class MapRows : public eventstore::ProjectionWriter {
 public:
  std::optional<std::string> Get(std::string_view key) override {
    auto it = rows.find(std::string(key));
    return it == rows.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  void Put(std::string_view key, std::string_view value) override { rows[std::string(key)] = value; }
  void Delete(std::string_view key) override { rows.erase(std::string(key)); }
  std::optional<eventstore::RecordedEvent> EventAt(uint64_t) override { return std::nullopt; }
  std::map<std::string, std::string> rows;
};

template <typename Wrapper>
eventstore::RecordedEvent Recorded(uint64_t position, const std::string& stream, const Wrapper& event,
                                   const std::string& type) {
  eventstore::RecordedEvent e;
  v1::EventHeader& h = e.header;
  h.set_position(position);
  h.set_stream(stream);
  h.set_stream_version(position - 1);
  h.set_type(type);
  h.set_recorded_at_us(1'720'000'000'000'000 + position);
  *h.mutable_occurred_on() = tk::D(2024, 7, 1);
  h.mutable_actor()->set_principal_id("pm");
  h.mutable_actor()->set_display_name("Programmamanager");
  h.mutable_actor()->set_role("programme_manager");
  h.set_reason(position % 2 ? "reden" : "");
  h.set_confidentiality(v1::CONFIDENTIALITY_INTERN);
  e.payload = event.SerializeAsString();
  return e;
}

// A stream's history as the views build it from the log (history.cc).
std::vector<v1::HistoryEntry> HistoryOf(bool programme_stream,
                                        const std::vector<eventstore::RecordedEvent>& events,
                                        v1::Confidentiality clearance = v1::CONFIDENTIALITY_ZEER_GEHEIM) {
  internal::HistoryBuilder builder(programme_stream);
  for (const auto& e : events) EXPECT_TRUE(builder.Add(e).ok()) << e.header.position();
  return std::move(builder).Take(clearance);
}

TEST(History, AnEntryHoldsTheHeaderAndTheStoredEvent) {
  const v1::ExperimentEvent spend = tk::ExpenditureEvent(450, 2025);
  const auto h = HistoryOf(false, {Recorded(7, "experiment-lv.e1", spend, "proeftuin.v1.ExpenditureRecorded")});
  ASSERT_EQ(h.size(), 1u);
  const v1::HistoryEntry& entry = h[0];
  EXPECT_EQ(entry.position(), 7u);
  EXPECT_EQ(entry.stream_version(), 6u);
  EXPECT_EQ(entry.event_type(), "proeftuin.v1.ExpenditureRecorded");
  EXPECT_EQ(entry.recorded_at_us(), 1'720'000'000'000'007);
  EXPECT_EQ(entry.occurred_on().month(), 7);
  EXPECT_EQ(entry.reason(), "reden");
  EXPECT_EQ(entry.actor().display_name(), "Programmamanager");
  EXPECT_EQ(entry.confidentiality(), v1::CONFIDENTIALITY_INTERN);
  EXPECT_EQ(entry.experiment_event().SerializeAsString(), spend.SerializeAsString());
  EXPECT_EQ(entry.experiment_event().expenditure_recorded().amount().cents(), 45'000);
}

TEST(History, ACorrectionRewritesTheEntryItNamesOnly) {
  v1::ExperimentEvent fix;
  v1::CorrectionRecorded* c = fix.mutable_correction_recorded();
  c->set_corrected_position(3);
  c->set_corrected_event_type("proeftuin.v1.ExpenditureRecorded");
  *c->mutable_fields()->mutable_amount() = tk::Eur(450);
  c->mutable_fields()->set_text("Drukwerk");
  *c->mutable_fields()->mutable_occurred_on() = tk::D(2024, 11, 4);
  const auto h = HistoryOf(
      false, {Recorded(3, "experiment-lv.e1", tk::ExpenditureEvent(4'500, 2025), "proeftuin.v1.ExpenditureRecorded"),
              Recorded(4, "experiment-lv.e1", tk::ExpenditureEvent(100, 2026), "proeftuin.v1.ExpenditureRecorded"),
              Recorded(5, "experiment-lv.e1", fix, "proeftuin.v1.CorrectionRecorded")});
  ASSERT_EQ(h.size(), 3u);
  const v1::HistoryEntry& corrected = h[0];
  EXPECT_EQ(corrected.experiment_event().expenditure_recorded().amount().cents(), 45'000);
  EXPECT_EQ(corrected.experiment_event().expenditure_recorded().description(), "Drukwerk");
  EXPECT_EQ(corrected.experiment_event().expenditure_recorded().spent_on().month(), 11);
  EXPECT_EQ(corrected.occurred_on().month(), 11);
  EXPECT_THAT(corrected.corrected_by(), ::testing::ElementsAre(5u));
  EXPECT_EQ(h[1].corrected_by_size(), 0);
  EXPECT_EQ(h[1].experiment_event().expenditure_recorded().amount().cents(), 10'000);
  EXPECT_EQ(h[2].experiment_event().correction_recorded().corrected_position(), 3u);
}

TEST(History, DesignsAreReduced) {
  v1::ProgrammeEvent drafted = tk::DraftedEvent();
  drafted.mutable_programme_drafted()->mutable_design()->set_predecessor_programme_id("oud");
  const auto h = HistoryOf(true, {Recorded(1, "programme-lv", drafted, "proeftuin.v1.ProgrammeDrafted")});
  ASSERT_EQ(h.size(), 1u);
  const v1::ProgrammeDesign& d = h[0].programme_event().programme_drafted().design();
  EXPECT_EQ(d.title(), tk::TestProgrammeDesign().title());
  EXPECT_FALSE(tk::TestProgrammeDesign().goal().empty());
  EXPECT_TRUE(d.goal().empty());
  EXPECT_EQ(d.budget().total().cents(), tk::TestProgrammeDesign().budget().total().cents());
  EXPECT_EQ(d.predecessor_programme_id(), "oud");
}

TEST(History, EntriesAboveTheClearanceAreLeftOutAfterCorrectionsApply) {
  eventstore::RecordedEvent secret =
      Recorded(3, "experiment-lv.e1", tk::ExpenditureEvent(4'500, 2025), "proeftuin.v1.ExpenditureRecorded");
  secret.header.set_confidentiality(v1::CONFIDENTIALITY_GEHEIM);
  const auto h = HistoryOf(
      false, {secret, Recorded(4, "experiment-lv.e1", tk::ExpenditureEvent(100, 2026), "proeftuin.v1.ExpenditureRecorded")},
      v1::CONFIDENTIALITY_VERTROUWELIJK);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].position(), 4u);
}

TEST(History, AnEventThatDoesNotParseIsDataLossNamingItsPosition) {
  eventstore::RecordedEvent bad =
      Recorded(9, "experiment-lv.e1", tk::ExpenditureEvent(1, 2025), "proeftuin.v1.ExpenditureRecorded");
  bad.payload = std::string("\xff\xff\xff", 3);
  internal::HistoryBuilder builder(false);
  const absl::Status s = builder.Add(bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("position 9"));
}

class ChainRows : public ::testing::Test {
 protected:
  void Apply(const eventstore::RecordedEvent& e) {
    for (auto& p : projectors_) {
      p->Apply(e, rows_);
      p->Flush(rows_);  // each event its own commit group
    }
  }
  std::vector<std::shared_ptr<eventstore::Projector>> projectors_ = InlineViewProjectors();
  MapRows rows_;
};

TEST_F(ChainRows, FollowThePredecessor) {
  v1::ProgrammeEvent drafted = tk::DraftedEvent();
  drafted.mutable_programme_drafted()->mutable_design()->set_predecessor_programme_id("oud");
  Apply(Recorded(1, "programme-lv", drafted, "proeftuin.v1.ProgrammeDrafted"));
  EXPECT_TRUE(rows_.rows.count(internal::SuccessorKey("oud", "lv")));
  v1::ProgrammeEvent amended;
  *amended.mutable_programme_amended()->mutable_design() = tk::TestProgrammeDesign();
  amended.mutable_programme_amended()->mutable_design()->set_predecessor_programme_id("ander");
  Apply(Recorded(2, "programme-lv", amended, "proeftuin.v1.ProgrammeAmended"));
  EXPECT_FALSE(rows_.rows.count(internal::SuccessorKey("oud", "lv")));
  EXPECT_TRUE(rows_.rows.count(internal::SuccessorKey("ander", "lv")));
  EXPECT_EQ(rows_.rows[internal::PredecessorKey("lv")], "ander");
  v1::ProgrammeEvent none;
  *none.mutable_programme_amended()->mutable_design() = tk::TestProgrammeDesign();
  Apply(Recorded(3, "programme-lv", none, "proeftuin.v1.ProgrammeAmended"));
  EXPECT_TRUE(rows_.rows.empty());
}

TEST_F(ChainRows, OnlyProgrammeDesignsWriteRows) {
  Apply(Recorded(1, "programme-lv", tk::DraftedEvent(), "proeftuin.v1.ProgrammeDrafted"));
  Apply(Recorded(2, "experiment-lv.e1", tk::ExpenditureEvent(1, 2025), "proeftuin.v1.ExpenditureRecorded"));
  v1::ProgrammeEvent drafted = tk::DraftedEvent();
  drafted.mutable_programme_drafted()->mutable_design()->set_predecessor_programme_id("oud");
  Apply(Recorded(3, "principal-griffie", drafted, "proeftuin.v1.ProgrammeDrafted"));
  EXPECT_TRUE(rows_.rows.empty());
}

// The audit index's secondary keys are built in one buffer; the queries seek with the prefix
// functions. The same bytes both ways, for every index and any id.
TEST(AuditKeys, ASecondaryKeyIsItsQuerysPrefixFollowedByTheInvertedPosition) {
  const std::string inv = internal::InvertedPosition(4242);
  std::string key = "left over from an earlier, longer key: the buffer is reused";
  const std::vector<std::string> ids = {"", "p1", "programme-0190.experiment-0191.with/slash"};
  for (const std::string& id : ids) {
    internal::SetAuditKey(&key, internal::kAuditStreamTag, id, inv);
    EXPECT_EQ(key, internal::AuditStreamPrefix(id) + inv);
    internal::SetAuditKey(&key, internal::kAuditProgrammeTag, id, inv);
    EXPECT_EQ(key, internal::AuditProgrammePrefix(id) + inv);
    internal::SetAuditKey(&key, internal::kAuditActorTag, id, inv);
    EXPECT_EQ(key, internal::AuditActorPrefix(id) + inv);
    internal::SetAuditKey(&key, internal::kAuditTypeTag, id, inv);
    EXPECT_EQ(key, internal::AuditTypePrefix(id) + inv);
    EXPECT_EQ(internal::PositionOfInverted(key), 4242u);
  }
}

}  // namespace
}  // namespace proeftuin::views
