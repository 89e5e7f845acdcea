// The audit trail (AuditService) over the example programme: filters, pagination, newest first,
// waiting for a minimum position, states before and after an entry, clearance.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/principals.h"
#include "domain/testing/builders.h"
#include "views/testing/views_testing.h"
#include "views/views.h"

namespace proeftuin::views {
namespace {

using eventstore::RecordedEvent;

using testing::kLv;
constexpr char kSecret[] = "geheim-programma";
using testing::kAll;
using testing::kPublic;

int64_t Us(int y, int m, int d) {
  return absl::ToUnixMicros(absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone()));
}

class AuditTrail : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store_ = new testing::ViewsStore();
    testing::RunExample(*store_);
    store_->SetNow(absl::FromUnixMicros(Us(2027, 4, 2)));
    v1::Command draft = domain::testkit::DraftCmd();  // a confidential programme
    testing::Retarget(&draft, kSecret);
    draft.mutable_draft_programme()->set_confidentiality(v1::CONFIDENTIALITY_VERTROUWELIJK);
    ASSERT_TRUE(store_->Run(draft).ok());
    v1::PrincipalEvent created;  // a principal stream, as AdminService writes it
    created.mutable_created()->set_principal_id("griffie-lv");
    created.mutable_created()->set_display_name("Griffie Leidschendam-Voorburg");
    created.mutable_created()->set_role(v1::ROLE_COUNCIL_CLERK);
    eventstore::NewEvent e = eventstore::testing::Event(created.SerializeAsString(),
                                                        app::PrincipalEventType(created));
    e.confidentiality = v1::CONFIDENTIALITY_INTERN;
    ASSERT_TRUE(store_->store()
                    .Append(eventstore::testing::OneStream("principal-1", "principal-griffie-lv",
                                                           eventstore::ExpectedVersion::NoStream(), {e}))
                    .ok());
    store_->CatchUp();
    log_ = new std::vector<RecordedEvent>(eventstore::testing::ReadEverything(store_->store()));
  }
  static void TearDownTestSuite() {
    delete store_;
    delete log_;
  }

  absl::StatusOr<v1::ListAuditEntriesResponse> List(const v1::ListAuditEntriesRequest& r,
                                                    v1::Confidentiality clearance = kAll) {
    return ListAuditEntries(store_->store(), r, clearance, absl::Now() + absl::Seconds(10));
  }
  // Every page of a query; checks newest first across pages.
  std::vector<v1::AuditEntry> ListAll(v1::ListAuditEntriesRequest r, v1::Confidentiality c = kAll) {
    std::vector<v1::AuditEntry> all;
    for (int pages = 0; pages < 1000; ++pages) {
      auto page = List(r, c);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const auto& e : page->entries()) {
        if (!all.empty()) {
          EXPECT_LT(e.position(), all.back().position());
        }
        all.push_back(e);
      }
      if (page->next_page_token().empty()) break;
      r.set_page_token(page->next_page_token());
    }
    return all;
  }
  static size_t Expected(const std::function<bool(const RecordedEvent&)>& keep) {
    return std::count_if(log_->begin(), log_->end(), keep);
  }

  static testing::ViewsStore* store_;
  static std::vector<RecordedEvent>* log_;
};

testing::ViewsStore* AuditTrail::store_ = nullptr;
std::vector<RecordedEvent>* AuditTrail::log_ = nullptr;

TEST_F(AuditTrail, ListsEveryEventNewestFirstOverPages) {
  v1::ListAuditEntriesRequest r;
  r.set_page_size(7);
  auto first = List(r);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->entries_size(), 7);
  EXPECT_EQ(first->entries(0).position(), log_->back().position());
  EXPECT_EQ(first->as_of_position(), log_->back().position());
  const std::vector<v1::AuditEntry> all = ListAll(r);
  EXPECT_EQ(all.size(), log_->size());
  EXPECT_EQ(all.back().position(), 1u);
}

TEST_F(AuditTrail, FiltersByProgrammeIdOrByOneStream) {
  v1::ListAuditEntriesRequest r;
  r.set_object(kLv);
  const auto programme = ListAll(r);
  EXPECT_EQ(programme.size(), Expected([](const RecordedEvent& e) {
              return e.header.stream() == "programme-lv-2024-2027" ||
                     e.header.stream().rfind("experiment-lv-2024-2027.", 0) == 0;
            }));
  const std::string parking = "experiment-lv-2024-2027.parkeren-rond-de-mall";
  r.set_object(parking);
  const auto stream = ListAll(r);
  EXPECT_EQ(stream.size(), Expected([&](const RecordedEvent& e) { return e.header.stream() == parking; }));
  for (const auto& e : stream) EXPECT_EQ(e.stream(), parking);
  EXPECT_GT(programme.size(), stream.size());
}

TEST_F(AuditTrail, FiltersByActorAndEventTypeTogether) {
  v1::ListAuditEntriesRequest r;
  r.set_actor("griffie");
  EXPECT_EQ(ListAll(r).size(),
            Expected([](const RecordedEvent& e) { return e.header.actor().principal_id() == "griffie"; }));
  r.set_actor("programme_manager");
  r.set_event_type("proeftuin.v1.ExpenditureRecorded");
  const auto spent = ListAll(r);
  EXPECT_EQ(spent.size(), 10u);
  for (const auto& e : spent) {
    EXPECT_EQ(e.event_type(), "proeftuin.v1.ExpenditureRecorded");
    EXPECT_EQ(e.actor().principal_id(), "programme_manager");
  }
  r.clear_actor();
  r.set_object(kLv);
  EXPECT_EQ(ListAll(r).size(), 10u);
}

TEST_F(AuditTrail, EventTypeMayBeShortAndAnUnknownOneIsRefused) {
  v1::ListAuditEntriesRequest r;
  r.set_event_type("ExpenditureRecorded");
  const auto spent = ListAll(r);
  ASSERT_EQ(spent.size(), 10u);
  EXPECT_EQ(spent[0].event_type(), "proeftuin.v1.ExpenditureRecorded");
  r.set_event_type("ExpenditureRecordedd");
  auto typo = List(r);
  ASSERT_EQ(typo.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(typo.status().message()), ::testing::HasSubstr("event_type"));
}

TEST_F(AuditTrail, FiltersByRecordedTime) {
  v1::ListAuditEntriesRequest r;
  r.set_from_us(Us(2024, 11, 1));
  r.set_to_us(Us(2025, 1, 1));
  r.set_page_size(3);
  const auto entries = ListAll(r);
  EXPECT_EQ(entries.size(), Expected([&](const RecordedEvent& e) {
              return e.header.recorded_at_us() >= r.from_us() && e.header.recorded_at_us() < r.to_us();
            }));
  EXPECT_GT(entries.size(), 5u);
  for (const auto& e : entries) {
    EXPECT_GE(e.recorded_at_us(), r.from_us());
    EXPECT_LT(e.recorded_at_us(), r.to_us());
  }
}

TEST(AuditTrailWait, WaitsUntilTheIndexReachesTheMinimumPosition) {
  testing::ViewsStore store;
  store.SetNow(domain::testkit::TestNow());
  ASSERT_TRUE(store.Run(domain::testkit::DraftCmd()).ok());
  for (int i = 0; i < 20; ++i) {
    auto written = store.Run(domain::testkit::SessionCmd(""));
    ASSERT_TRUE(written.ok()) << written.status();
    v1::ListAuditEntriesRequest r;
    r.set_min_position(written->last_position);
    r.set_page_size(1);
    auto page = ListAuditEntries(store.store(), r, kAll, absl::Now() + absl::Seconds(10));
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->entries_size(), 1);
    EXPECT_EQ(page->entries(0).position(), written->last_position);
    EXPECT_GE(page->as_of_position(), written->last_position);
  }
  // A position past the log's end, which nothing can have returned, is refused at once, naming
  // the field, rather than held until the deadline.
  v1::ListAuditEntriesRequest r;
  r.set_min_position(store.store().LastPosition() + 1000);
  const absl::Time asked = absl::Now();
  auto late = ListAuditEntries(store.store(), r, kAll, asked + absl::Seconds(30));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kOutOfRange) << late.status();
  EXPECT_NE(late.status().message().find("min_position: "), absl::string_view::npos);
  EXPECT_LT(absl::Now() - asked, absl::Seconds(20));
}

// An entry the reader may see does not name an experiment it may not see: council input and a
// knowledge session about a confidential experiment keep their text, not its id; the
// programme's state before and after an entry drops its allocation.
TEST(AuditTrailClearance, ProgrammeEntriesNameNoHiddenExperiment) {
  namespace tk = domain::testkit;
  testing::ViewsStore store;
  store.SetNow(tk::TestNow());
  auto run = [&store](const v1::Command& c, const std::string& role) {
    auto r = store.Run(c, role);
    EXPECT_TRUE(r.ok()) << c.ShortDebugString() << ": " << r.status();
    return r.ok() ? r->last_position : 0;
  };
  run(tk::DraftCmd(), "programme_manager");
  v1::Command secret = tk::ProposeCmd("e2");
  secret.mutable_propose_experiment()->set_confidentiality(v1::CONFIDENTIALITY_VERTROUWELIJK);
  run(secret, "programme_manager");
  run(tk::SelectCmd("e2", {tk::YearEur(2025, 20'000)}), "college");
  run(tk::SubmitCmd(), "council_clerk");
  v1::Command input = tk::RecordInputCmd("wb-1");
  input.mutable_record_council_input()->set_concerns_experiment_id("e2");
  const uint64_t input_at = run(input, "council_clerk");
  v1::Command session = tk::SessionCmd("ks-1");
  session.mutable_record_knowledge_session()->add_experiment_ids("e2");
  const uint64_t session_at = run(session, "programme_manager");
  store.CatchUp();

  v1::ListAuditEntriesRequest r;
  r.set_object(tk::kPid);
  r.set_page_size(500);
  auto all = ListAuditEntries(store.store(), r, kAll, absl::Now() + absl::Seconds(10));
  auto seen = ListAuditEntries(store.store(), r, kPublic, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_TRUE(seen.ok()) << seen.status();
  int naming = 0;
  for (const v1::AuditEntry& e : all->entries()) {
    naming += e.event_json().find("\"e2\"") != std::string::npos &&
              (e.position() == input_at || e.position() == session_at);
  }
  EXPECT_EQ(naming, 2);
  int listed = 0;
  for (const v1::AuditEntry& e : seen->entries()) {
    listed += e.position() == input_at || e.position() == session_at;
    EXPECT_EQ(e.event_json().find("\"e2\""), std::string::npos) << e.event_json();
  }
  EXPECT_EQ(listed, 2);
  v1::GetAuditEntryRequest g;
  g.set_position(input_at);
  auto one = GetAuditEntry(store.store(), g, kPublic);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->entry().event_json().find("\"e2\""), std::string::npos);
  ASSERT_TRUE(one->after().has_programme());
  EXPECT_EQ(one->after().programme().allocations_size(), 0);
  for (const auto& i : one->after().programme().council_inputs()) EXPECT_EQ(i.experiment_id(), "");
  auto full = GetAuditEntry(store.store(), g, kAll);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->after().programme().allocations_size(), 1);
}

// An experiment raised above the reader's clearance after some of its events were recorded at
// a lower level: the trail leaves all of its entries out, as the views do, and GetAuditEntry
// answers NOT_FOUND for them.
TEST(AuditTrailClearance, AnExperimentRaisedAboveTheClearanceDisappearsFromTheTrail) {
  namespace tk = domain::testkit;
  testing::ViewsStore store;
  store.SetNow(tk::TestNow());
  ASSERT_TRUE(store.Run(tk::DraftCmd()).ok());
  auto proposed = store.Run(tk::ProposeCmd("e2"));
  ASSERT_TRUE(proposed.ok()) << proposed.status();
  auto selected = store.Run(tk::SelectCmd("e2", {tk::YearEur(2025, 20'000)}), "college");
  ASSERT_TRUE(selected.ok()) << selected.status();
  v1::Command raise = tk::AmendExperimentCmd("e2", tk::ProposeCmd("e2").propose_experiment().design(),
                                             "Gevoelige gegevens");
  raise.mutable_amend_experiment()->set_confidentiality(v1::CONFIDENTIALITY_GEHEIM);
  auto raised = store.Run(raise);
  ASSERT_TRUE(raised.ok()) << raised.status();
  store.CatchUp();
  const std::string stream = std::string("experiment-") + tk::kPid + ".e2";
  for (const std::string& object : {std::string(tk::kPid), stream, std::string()}) {
    v1::ListAuditEntriesRequest r;
    r.set_object(object);
    r.set_page_size(500);
    auto seen = ListAuditEntries(store.store(), r, kPublic, absl::Now() + absl::Seconds(10));
    ASSERT_TRUE(seen.ok()) << seen.status();
    for (const v1::AuditEntry& e : seen->entries()) {
      EXPECT_NE(e.stream(), stream) << object;
      EXPECT_NE(e.event_type(), "proeftuin.v1.BudgetAllocated") << object;  // e2's allocation
    }
    auto all = ListAuditEntries(store.store(), r, kAll, absl::Now() + absl::Seconds(10));
    ASSERT_TRUE(all.ok()) << all.status();
    int of_e2 = 0;
    for (const v1::AuditEntry& e : all->entries()) {
      of_e2 += e.stream() == stream || e.event_type() == "proeftuin.v1.BudgetAllocated";
    }
    EXPECT_EQ(of_e2, object == stream ? 3 : 4) << object;  // proposed, selected, amended; allocated
  }
  for (uint64_t position : {proposed->last_position, selected->first_position, selected->last_position}) {
    v1::GetAuditEntryRequest g;
    g.set_position(position);
    EXPECT_EQ(GetAuditEntry(store.store(), g, kPublic).status().code(), absl::StatusCode::kNotFound)
        << position;
    EXPECT_TRUE(GetAuditEntry(store.store(), g, kAll).ok()) << position;
  }
}

// A programme raised above the reader's clearance after it was drafted: none of its entries
// (nor its experiments') is listed or fetched any more.
TEST(AuditTrailClearance, AProgrammeRaisedAboveTheClearanceDisappearsFromTheTrail) {
  namespace tk = domain::testkit;
  testing::ViewsStore store;
  store.SetNow(tk::TestNow());
  auto drafted = store.Run(tk::DraftCmd());
  ASSERT_TRUE(drafted.ok()) << drafted.status();
  auto proposed = store.Run(tk::ProposeCmd("e1"));
  ASSERT_TRUE(proposed.ok()) << proposed.status();
  v1::Command raise = tk::AmendProgrammeCmd(tk::TestProgrammeDesign(), "Vertrouwelijk geworden");
  raise.mutable_amend_programme()->set_confidentiality(v1::CONFIDENTIALITY_GEHEIM);
  ASSERT_TRUE(store.Run(raise).ok());
  store.CatchUp();
  for (const std::string& object : {std::string(tk::kPid), std::string("programme-") + tk::kPid,
                                    std::string("experiment-") + tk::kPid + ".e1", std::string()}) {
    v1::ListAuditEntriesRequest r;
    r.set_object(object);
    r.set_page_size(500);
    auto seen = ListAuditEntries(store.store(), r, kPublic, absl::Now() + absl::Seconds(10));
    ASSERT_TRUE(seen.ok()) << seen.status();
    EXPECT_EQ(seen->entries_size(), 0) << object << ": " << seen->ShortDebugString();
    auto all = ListAuditEntries(store.store(), r, kAll, absl::Now() + absl::Seconds(10));
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_GE(all->entries_size(), 1) << object;
  }
  for (uint64_t position : {drafted->last_position, proposed->last_position}) {
    v1::GetAuditEntryRequest g;
    g.set_position(position);
    EXPECT_EQ(GetAuditEntry(store.store(), g, kPublic).status().code(), absl::StatusCode::kNotFound);
  }
}

TEST_F(AuditTrail, LeavesOutEntriesAboveTheReadersClearance) {
  v1::ListAuditEntriesRequest r;
  r.set_object(kSecret);
  EXPECT_EQ(ListAll(r, kPublic).size(), 0u);
  EXPECT_EQ(ListAll(r, v1::CONFIDENTIALITY_VERTROUWELIJK).size(), 1u);
  const uint64_t secret = ListAll(r, kAll).at(0).position();
  v1::GetAuditEntryRequest g;
  g.set_position(secret);
  EXPECT_EQ(GetAuditEntry(store_->store(), g, kPublic).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(GetAuditEntry(store_->store(), g, kAll).ok());
  r.clear_object();
  EXPECT_EQ(ListAll(r, kPublic).size() + 2, ListAll(r, kAll).size());  // + the principal (intern)
}

TEST_F(AuditTrail, ShowsTheStateBeforeAndAfterAnEntry) {
  v1::ListAuditEntriesRequest r;
  r.set_event_type("proeftuin.v1.CorrectionRecorded");
  const auto corrections = ListAll(r);
  ASSERT_EQ(corrections.size(), 1u);
  v1::GetAuditEntryRequest g;
  g.set_position(corrections[0].position());
  auto entry = GetAuditEntry(store_->store(), g, kAll);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->before().experiment().spent().cents() - entry->after().experiment().spent().cents(),
            (4'500 - 450) * 100);
  EXPECT_EQ(entry->after().experiment().correction_count(), 1);
  g.set_position(1);
  auto first = GetAuditEntry(store_->store(), g, kAll);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->before().state_case(), v1::ObjectState::STATE_NOT_SET);
  EXPECT_EQ(first->after().programme().status(), v1::PROGRAMME_STATUS_DRAFTED);
  g.set_position(log_->back().position());
  auto principal = GetAuditEntry(store_->store(), g, kAll);
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->after().principal().display_name(), "Griffie Leidschendam-Voorburg");
}

TEST_F(AuditTrail, EntriesCarryTheEventAsJsonWithoutPersonalData) {
  v1::ListAuditEntriesRequest r;
  r.set_event_type("proeftuin.v1.KnowledgeSessionHeld");
  const auto sessions = ListAll(r);
  ASSERT_EQ(sessions.size(), 4u);
  bool table = false;
  for (const auto& e : sessions) {
    EXPECT_EQ(e.hash().size(), 64u);
    EXPECT_THAT(e.event_json(), ::testing::HasSubstr("knowledge_session_held"));
    EXPECT_THAT(e.event_json(), ::testing::Not(::testing::HasSubstr("Jansen")));
    table |= e.event_json().find("Digitale gesprekstafel") != std::string::npos;
  }
  EXPECT_TRUE(table);
}

TEST_F(AuditTrail, RefusesMalformedRequests) {
  v1::ListAuditEntriesRequest r;
  r.set_page_token("garbage");
  EXPECT_EQ(List(r).status().code(), absl::StatusCode::kInvalidArgument);
  r.clear_page_token();
  r.set_page_size(2);
  auto page = List(r);
  ASSERT_TRUE(page.ok());
  r.set_page_token(page->next_page_token());
  r.set_actor("college");  // another query
  EXPECT_EQ(List(r).status().code(), absl::StatusCode::kInvalidArgument);
  v1::ListAuditEntriesRequest times;
  times.set_from_us(Us(2025, 1, 1));
  times.set_to_us(Us(2024, 1, 1));
  EXPECT_EQ(List(times).status().code(), absl::StatusCode::kInvalidArgument);
  v1::ListAuditEntriesRequest negative;
  negative.set_page_size(-1);
  EXPECT_EQ(List(negative).status().code(), absl::StatusCode::kInvalidArgument);
  v1::GetAuditEntryRequest g;
  EXPECT_EQ(GetAuditEntry(store_->store(), g, kAll).status().code(), absl::StatusCode::kInvalidArgument);
  g.set_position(store_->store().LastPosition() + 1);
  EXPECT_EQ(GetAuditEntry(store_->store(), g, kAll).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace proeftuin::views
