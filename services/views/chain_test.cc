// A programme's chain: predecessors, successors, the lessons carried over, clearance, cycles.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "domain/streams.h"
#include "domain/testing/builders.h"
#include "views/testing/views_testing.h"
#include "views/views.h"

namespace proeftuin::views {
namespace {

using ::testing::ElementsAre;
using domain::testkit::AmendProgrammeCmd;
using domain::testkit::DraftCmd;
using domain::testkit::TestProgrammeDesign;

using testing::kAll;
using testing::kPublic;

v1::Command Draft(const std::string& id, const std::string& predecessor,
                  v1::Confidentiality level = kPublic) {
  v1::Command c = DraftCmd();
  testing::Retarget(&c, id);
  c.mutable_draft_programme()->mutable_design()->set_predecessor_programme_id(predecessor);
  c.mutable_draft_programme()->mutable_design()->set_lessons_carried_over("Lessen van " + predecessor);
  c.mutable_draft_programme()->set_confidentiality(level);
  return c;
}

v1::Command NewPredecessor(const std::string& id, const std::string& predecessor) {
  v1::ProgrammeDesign design = TestProgrammeDesign();
  design.set_predecessor_programme_id(predecessor);
  v1::Command c = AmendProgrammeCmd(design, "Voorganger gecorrigeerd");
  testing::Retarget(&c, id);
  return c;
}

std::vector<std::string> Ids(const v1::ProgrammeChain& chain) {
  std::vector<std::string> ids;
  for (const auto& l : chain.links()) ids.push_back(l.programme_id());
  return ids;
}

class Chain : public ::testing::Test {
 protected:
  void SetUp() override { store_.SetNow(domain::testkit::TestNow()); }
  void Run(const v1::Command& c) {
    auto r = store_.Run(c);
    ASSERT_TRUE(r.ok()) << r.status();
  }
  v1::ProgrammeChain Get(const std::string& id, v1::Confidentiality clearance = kAll) {
    auto view = store_.store().OpenReadView();
    EXPECT_TRUE(view.ok());
    auto chain = GetProgrammeChain(**view, id, clearance);
    EXPECT_TRUE(chain.ok()) << chain.status();
    return chain.ok() ? *chain : v1::ProgrammeChain();
  }
  testing::ViewsStore store_;
};

TEST_F(Chain, LinksPredecessorsAndSuccessorsOldestFirst) {
  Run(Draft("p-2020", "oud-programma"));
  Run(Draft("p-2022", "p-2020"));
  Run(Draft("p-2024", "p-2022"));
  Run(Draft("p-2022-bis", "p-2020"));
  const v1::ProgrammeChain chain = Get("p-2022");
  EXPECT_THAT(Ids(chain), ElementsAre("oud-programma", "p-2020", "p-2022", "p-2024"));
  EXPECT_FALSE(chain.links(0).known());
  EXPECT_THAT(chain.links(1).successor_programme_ids(), ElementsAre("p-2022", "p-2022-bis"));
  EXPECT_EQ(chain.links(2).lessons_carried_over(), "Lessen van p-2020");
  EXPECT_EQ(chain.links(3).predecessor_programme_id(), "p-2022");
  EXPECT_THAT(Ids(Get("p-2020")), ElementsAre("oud-programma", "p-2020", "p-2022", "p-2022-bis", "p-2024"));
}

TEST_F(Chain, FollowsAnAmendedPredecessor) {
  Run(Draft("p-2020", ""));
  Run(Draft("p-2022", "p-2020"));
  Run(Draft("p-2024", "p-2022"));
  Run(NewPredecessor("p-2024", "p-2020"));
  EXPECT_THAT(Ids(Get("p-2022")), ElementsAre("p-2020", "p-2022"));
  EXPECT_THAT(Get("p-2020").links(0).successor_programme_ids(), ElementsAre("p-2022", "p-2024"));
  Run(NewPredecessor("p-2024", ""));
  EXPECT_THAT(Ids(Get("p-2024")), ElementsAre("p-2024"));
}

// Commands cannot close a cycle (PT-PREDECESSOR-LOOP), but a store written before that rule may
// hold one: the chain stops at it.
TEST_F(Chain, StopsAtACycle) {
  Run(Draft("p-a", "p-b"));
  auto refused = store_.Run(Draft("p-b", "p-a"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message().rfind("PT-PREDECESSOR-LOOP", 0), 0u) << refused.status();
  v1::ProgrammeEvent drafted;  // what the refused draft would have written
  drafted.mutable_programme_drafted()->set_programme_id("p-b");
  *drafted.mutable_programme_drafted()->mutable_design() = TestProgrammeDesign();
  drafted.mutable_programme_drafted()->mutable_design()->set_predecessor_programme_id("p-a");
  drafted.mutable_programme_drafted()->set_confidentiality(v1::CONFIDENTIALITY_OPENBAAR);
  eventstore::NewEvent event;
  event.type = std::string(domain::EventTypeName(drafted));
  event.payload = drafted.SerializeAsString();
  eventstore::AppendRequest written_before_the_rule;
  written_before_the_rule.request_id = "cycle-written-before-the-rule";
  written_before_the_rule.fingerprint = "cycle";
  written_before_the_rule.appends.push_back(
      {domain::ProgrammeStream("p-b"), eventstore::ExpectedVersion::NoStream(), {event}});
  auto appended = store_.store().Append(std::move(written_before_the_rule));
  ASSERT_TRUE(appended.ok()) << appended.status();
  EXPECT_THAT(Ids(Get("p-a")), ElementsAre("p-b", "p-a"));
}

TEST_F(Chain, LeavesOutProgrammesAboveClearance) {
  Run(Draft("p-2020", ""));
  Run(Draft("p-geheim", "p-2020", v1::CONFIDENTIALITY_GEHEIM));
  EXPECT_THAT(Ids(Get("p-2020", kPublic)), ElementsAre("p-2020"));
  EXPECT_TRUE(Get("p-2020", kPublic).links(0).successor_programme_ids().empty());
  EXPECT_THAT(Ids(Get("p-2020", kAll)), ElementsAre("p-2020", "p-geheim"));
  auto view = store_.store().OpenReadView();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(GetProgrammeChain(**view, "p-geheim", kPublic).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(GetProgrammeChain(**view, "onbekend", kAll).status().code(), absl::StatusCode::kNotFound);
}

TEST(ChainOfTheExample, CarriesTheEvaluationAndTheExperimentsLessonsOver) {
  testing::ViewsStore store;
  testing::RunExample(store);
  store.SetNow(absl::FromCivil(absl::CivilDay(2027, 4, 15), absl::UTCTimeZone()));
  ASSERT_TRUE(store.Run(Draft("lv-2027-2029", "lv-2024-2027")).ok());
  auto view = store.store().OpenReadView();
  ASSERT_TRUE(view.ok());
  auto chain = GetProgrammeChain(**view, "lv-2027-2029", kPublic);
  ASSERT_TRUE(chain.ok()) << chain.status();
  ASSERT_EQ(chain->links_size(), 2);
  const v1::ChainLink& first = chain->links(0);
  EXPECT_EQ(first.status(), v1::PROGRAMME_STATUS_CLOSED);
  EXPECT_THAT(first.evaluation().recommendations(), ::testing::SizeIs(2));
  ASSERT_EQ(first.experiment_lessons_size(), 5);
  for (const auto& l : first.experiment_lessons()) EXPECT_FALSE(l.lessons().empty()) << l.experiment_id();
  EXPECT_THAT(first.successor_programme_ids(), ElementsAre("lv-2027-2029"));
  EXPECT_EQ(chain->links(1).lessons_carried_over(), "Lessen van lv-2024-2027");
}

}  // namespace
}  // namespace proeftuin::views
