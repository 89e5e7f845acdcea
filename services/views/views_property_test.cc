// Property test: long random histories of three chained programmes, run through the real
// application path (CommandHandler, RocksStore) with random grouping into commits (batches of
// concurrent commands share commit groups; conflicts are retried by the handler). Then:
//   - every projection rebuilt from the log equals the live one byte for byte, and so does
//     every view assembled from it;
//   - the views agree with the deciders' fold where both compute a figure (the views apply
//     corrections to the events themselves, the deciders to their totals).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>
#include <random>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "app/decider_projection.h"
#include "domain/dates.h"
#include "domain/testing/builders.h"
#include "src/projections.h"
#include "views/testing/views_testing.h"
#include "views/views.h"

namespace proeftuin::views {
namespace {

namespace tk = domain::testkit;

constexpr int kSeeds = 3;
constexpr int kCommandsPerSeed = 1500;
using testing::kAll;
const char* const kProgrammes[] = {"pa", "pb", "pc"};

// Commands for three programmes: mostly ones that fit the current state (read from the store,
// as a user would), some random ones that the domain refuses.
class Generator {
 public:
  Generator(uint64_t seed, testing::ViewsStore& store) : rng_(seed), store_(store) {}
  v1::Command Next();

 private:
  int Pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(int percent) { return Pick(1, 100) <= percent; }
  std::string Eid() { return "e" + std::to_string(Pick(0, 4)); }
  // Dated today: an adoption may not be dated before the submission.
  v1::DecisionReference Decision() {
    return tk::CollegeDecision("B&W-" + std::to_string(Pick(1, 999)),
                               domain::DateOfUtc(store_.now()));
  }
  v1::Command ForProgramme(const std::string& pid, const v1::ProgrammeState* p);
  v1::Command ForExperiment(const v1::ProgrammeState& p, const std::string& eid,
                            const v1::ExperimentState* e);
  v1::Command Running(const std::string& eid);
  v1::Command Draft(const std::string& pid);
  v1::Command Amend(const std::string& pid);
  v1::Command Session();
  v1::Command Select(const std::string& eid);
  v1::Command Correction(const std::string& pid);
  v1::CorrectedFields FieldsFor(const std::string& type);

  std::mt19937_64 rng_;
  testing::ViewsStore& store_;
};

v1::Command Generator::Next() {
  const std::string pid = kProgrammes[Pick(0, 2)];
  auto view = store_.store().OpenReadView();
  std::optional<v1::ProgrammeState> p;
  if (view.ok()) p = app::LoadProgramme(**view, pid).value_or(std::nullopt);
  v1::Command c;
  const int roll = Pick(1, 100);
  if (!p.has_value() || roll <= 20) {
    c = ForProgramme(pid, p ? &*p : nullptr);
  } else if (roll <= 85) {
    const std::string eid = Eid();
    std::optional<v1::ExperimentState> e = app::LoadExperiment(**view, pid, eid).value_or(std::nullopt);
    c = ForExperiment(*p, eid, e ? &*e : nullptr);
  } else {
    c = Correction(pid);
  }
  testing::Retarget(&c, pid);
  return c;
}

v1::Command Generator::Draft(const std::string& pid) {
  v1::Command c = tk::DraftCmd();
  auto* d = c.mutable_draft_programme()->mutable_design();
  d->set_predecessor_programme_id(pid == "pa" ? "" : "pa");
  d->set_lessons_carried_over("lessen");
  if (Chance(20)) c.mutable_draft_programme()->set_confidentiality(v1::CONFIDENTIALITY_INTERN);
  return c;
}

v1::Command Generator::Amend(const std::string& pid) {
  v1::ProgrammeDesign d = tk::TestProgrammeDesign();
  d.mutable_period()->mutable_end()->set_year(2025 + Pick(0, 1));
  d.set_predecessor_programme_id(pid == "pc" && Chance(50) ? "pb" : pid == "pa" ? "" : "pa");
  if (Chance(30)) {  // a cut or a raise, split evenly
    const int64_t year = Pick(1, 8) * 1'000'000;
    d.mutable_budget()->mutable_total()->set_cents(2 * year);
    for (auto& y : *d.mutable_budget()->mutable_years()) y.mutable_amount()->set_cents(year);
  }
  return tk::AmendProgrammeCmd(d, "wijziging");
}

v1::Command Generator::Session() {
  v1::Command c = tk::SessionCmd("");
  v1::RecordKnowledgeSession* s = c.mutable_record_knowledge_session();
  s->clear_held_on();
  s->set_attendee_count(Pick(0, 60));
  s->add_seldom_heard_groups_reached(Chance(50) ? "jongeren" : "mantelzorgers");
  if (Chance(30)) s->add_experiment_ids(Eid());
  return c;
}

v1::Command Generator::ForProgramme(const std::string& pid, const v1::ProgrammeState* p) {
  if (p == nullptr) return Draft(pid);
  std::string open;
  for (const auto& input : p->council_inputs()) {
    if (!input.answered()) open = input.input_id();
  }
  v1::Command c;
  if (p->status() == v1::PROGRAMME_STATUS_SUBMITTED_TO_COUNCIL && Chance(70)) {
    if (!open.empty() && Chance(70)) {
      c = tk::AnswerInputCmd(open);
      c.mutable_answer_council_input()->clear_answered_on();
      if (Chance(50)) *c.mutable_answer_council_input()->mutable_decision() = Decision();
      return c;
    }
    if (Chance(60)) {
      c = tk::RecordInputCmd("");
      c.mutable_record_council_input()->clear_received_on();
      if (Chance(40)) c.mutable_record_council_input()->set_concerns_experiment_id(Eid());
      return c;
    }
    c = tk::AdoptCmd();
    *c.mutable_adopt_programme()->mutable_decision() = Decision();
    return c;
  }
  const int roll = Pick(1, 100);
  if (roll <= 35) return Session();
  if (roll <= 60) return Amend(pid);
  if (p->status() == v1::PROGRAMME_STATUS_DRAFTED) {
    c = tk::SubmitCmd();
    c.mutable_submit_programme_to_council()->clear_submitted_on();
    c.mutable_submit_programme_to_council()->clear_response_deadline();
    // The council meeting on the proposal is the day it is sent: the college may adopt from then
    // on (PT-DATE-ORDER), as the histories need.
    *c.mutable_submit_programme_to_council()->mutable_council_reference()->mutable_meeting_date() =
        domain::DateOfUtc(store_.now());
    return c;
  }
  if (roll <= 98) return Session();
  if (roll == 99) {  // refused while experiments are open (rule 7)
    c = tk::EvaluateProgrammeCmd();
    c.mutable_evaluate_programme()->clear_evaluated_on();
    return c;
  }
  return tk::CloseCmd();
}

v1::Command Generator::Select(const std::string& eid) {
  v1::Command c = tk::SelectCmd(eid, {tk::YearEur(2025, Pick(0, 25'000))});
  if (Chance(50)) {
    *c.mutable_select_experiment()->add_allocation() = tk::YearEur(2026, Pick(0, 15'000));
  }
  *c.mutable_select_experiment()->mutable_decision() = Decision();
  return c;
}

v1::Command Generator::Running(const std::string& eid) {
  const int roll = Pick(1, 100);
  if (roll <= 35) {
    v1::Command c = tk::ActivityCmd(eid, Pick(0, 200), Pick(0, 20));
    c.mutable_record_activity()->clear_held_on();
    c.mutable_record_activity()->add_seldom_heard_groups(Chance(50) ? "nieuwkomers" : "ouderen");
    return c;
  }
  if (roll <= 75) return tk::SpendCmd(eid, Pick(0, 9'000), 2025 + Pick(0, 1));
  if (roll <= 90) return tk::ProgressCmd(eid, Pick(0, 10) * 10, "voortgang");
  if (roll <= 96) return tk::CompleteCmd(eid);
  if (roll <= 98) return tk::StopCmd(eid, "gestopt");
  return tk::NotEvaluableCmd(eid, "te weinig respons");
}

v1::Command Generator::ForExperiment(const v1::ProgrammeState& p, const std::string& eid,
                                     const v1::ExperimentState* e) {
  const v1::ExperimentStatus status = e ? e->status() : v1::EXPERIMENT_STATUS_UNSPECIFIED;
  if (status == v1::EXPERIMENT_STATUS_UNSPECIFIED || Chance(5)) {
    v1::Command c = tk::ProposeCmd(eid);
    c.mutable_propose_experiment()->clear_proposed_on();
    if (Chance(15)) c.mutable_propose_experiment()->set_confidentiality(v1::CONFIDENTIALITY_VERTROUWELIJK);
    if (Chance(10)) c.mutable_propose_experiment()->mutable_design()->clear_criteria();
    return c;
  }
  const int roll = Pick(1, 100);
  switch (status) {
    case v1::EXPERIMENT_STATUS_PROPOSED:
      if (roll <= 70) return Select(eid);
      if (roll <= 85) {
        v1::ExperimentDesign d = tk::TestExperimentDesign();
        d.mutable_conditions()->set_civil_servant_hours(Pick(0, 500));
        return tk::AmendExperimentCmd(eid, d, "aanpassing");
      }
      if (roll <= 95) {
        v1::Command c = tk::RejectCmd(eid, "past niet");
        *c.mutable_reject_experiment()->mutable_decision() = Decision();
        return c;
      }
      return tk::WithdrawCmd(eid, "teruggetrokken");
    case v1::EXPERIMENT_STATUS_SELECTED:
      if (roll <= 90 && p.status() >= v1::PROGRAMME_STATUS_ADOPTED) {
        v1::Command c = tk::StartCmd(eid);
        c.mutable_start_experiment()->clear_started_on();
        return c;
      }
      return roll <= 95 ? tk::WithdrawCmd(eid, "teruggetrokken") : tk::NotEvaluableCmd(eid, "vervallen");
    case v1::EXPERIMENT_STATUS_STARTED:
      return Running(eid);
    case v1::EXPERIMENT_STATUS_COMPLETED:
    case v1::EXPERIMENT_STATUS_STOPPED_EARLY:
      return roll <= 50 ? tk::EvaluateExperimentCmd(eid) : tk::SpendCmd(eid, Pick(0, 3'000), 2026);
    default:  // ended: late invoices for those that ran
      return e->started() ? tk::SpendCmd(eid, Pick(0, 2'000), 2025) : Correction(p.programme_id());
  }
}

v1::CorrectedFields Generator::FieldsFor(const std::string& type) {
  v1::CorrectedFields f;
  auto is = [&type](const google::protobuf::Descriptor* d) { return type == d->full_name(); };
  if (is(v1::ExpenditureRecorded::descriptor())) {
    if (Chance(70)) *f.mutable_amount() = tk::Eur(Pick(0, 5'000));
    if (Chance(40)) f.set_budget_year(2025 + Pick(0, 1));
  } else if (is(v1::ActivityRecorded::descriptor()) || is(v1::KnowledgeSessionHeld::descriptor())) {
    f.set_count(Pick(25, 300));
    if (is(v1::ActivityRecorded::descriptor()) && Chance(50)) f.set_seldom_heard_count(Pick(0, 20));
  } else if (is(v1::ProgrammeAdopted::descriptor()) || is(v1::ExperimentSelected::descriptor()) ||
             is(v1::ExperimentRejected::descriptor()) || is(v1::CouncilInputAnswered::descriptor())) {
    *f.mutable_decision() = Decision();
  } else if (is(v1::ProgrammeSubmittedToCouncil::descriptor()) || is(v1::CouncilInputRecorded::descriptor())) {
    *f.mutable_council_reference() = tk::TestCouncilReference();
  }
  if (f.ByteSizeLong() == 0 || Chance(30)) {
    if (Chance(50)) f.set_text("gecorrigeerde tekst"); else *f.mutable_occurred_on() = tk::D(2024, 6, 1);
  }
  return f;
}

v1::Command Generator::Correction(const std::string& pid) {
  const std::string eid = Chance(70) ? Eid() : "";
  auto view = store_.store().OpenReadView();
  std::vector<v1::CorrectableEvent> targets;
  if (view.ok() && !eid.empty()) {
    auto e = app::LoadExperiment(**view, pid, eid);
    if (e.ok() && e->has_value()) targets.assign((*e)->correctable_events().begin(), (*e)->correctable_events().end());
  } else if (view.ok()) {
    auto p = app::LoadProgramme(**view, pid);
    if (p.ok() && p->has_value()) targets.assign((*p)->correctable_events().begin(), (*p)->correctable_events().end());
  }
  if (targets.empty()) return tk::CorrectCmd(eid, 1, FieldsFor(""), "correctie");
  const v1::CorrectableEvent& t = targets[Pick(0, static_cast<int>(targets.size()) - 1)];
  return tk::CorrectCmd(eid, t.position(), FieldsFor(t.event_type()), "correctie");
}

// Every view of every object, serialized (deterministically: the views hold no maps).
std::map<std::string, std::string> AllViews(testing::ViewsStore& store) {
  std::map<std::string, std::string> out;
  auto view = store.store().OpenReadView();
  EXPECT_TRUE(view.ok());
  const absl::Time now = absl::FromCivil(absl::CivilDay(2025, 6, 1), absl::UTCTimeZone());
  for (const char* pid : kProgrammes) {
    if (auto v = GetProgrammeView(**view, pid, kAll, now); v.ok()) out[std::string("p/") + pid] = v->SerializeAsString();
    if (auto v = BuildProgressReport(**view, pid, kAll, now); v.ok()) out[std::string("r/") + pid] = v->SerializeAsString();
    if (auto v = GetProgrammeChain(**view, pid, kAll); v.ok()) out[std::string("c/") + pid] = v->SerializeAsString();
    for (int i = 0; i < 5; ++i) {
      const std::string eid = "e" + std::to_string(i);
      if (auto v = GetExperimentView(**view, pid, eid, kAll, now); v.ok()) out["e/" + std::string(pid) + eid] = v->SerializeAsString();
    }
  }
  return out;
}

// Figures both the deciders' fold and the views compute must agree.
void CheckAgainstTheDeciders(testing::ViewsStore& store, int* corrected) {
  auto view = store.store().OpenReadView();
  ASSERT_TRUE(view.ok());
  for (const char* pid : kProgrammes) {
    auto states = app::LoadExperiments(**view, pid);
    ASSERT_TRUE(states.ok());
    for (const v1::ExperimentState& s : *states) {
      auto v = GetExperimentView(**view, pid, s.experiment_id(), kAll, absl::Now());
      ASSERT_TRUE(v.ok()) << v.status();
      int64_t spent = 0, participants = 0, seldom = 0;
      for (const auto& x : v->expenditures()) spent += x.expenditure().amount().cents();
      for (const auto& a : v->activities()) {
        participants += a.activity().participant_count();
        seldom += a.activity().seldom_heard_reached_count();
      }
      EXPECT_EQ(spent, s.spent().cents()) << pid << "." << s.experiment_id();
      EXPECT_EQ(participants, s.participant_count()) << pid << "." << s.experiment_id();
      EXPECT_EQ(seldom, s.seldom_heard_reached_count()) << pid << "." << s.experiment_id();
      EXPECT_EQ(v->history_size(), static_cast<int>(s.stream_version()) + 1);
      EXPECT_EQ(v->corrections_size(), s.correction_count());
      *corrected += s.correction_count();
    }
  }
}

// The threads of every rebuild for as long as it lives (the store's test hook, not the
// environment: setenv while the store's threads run would race with them).
struct RebuildThreadsForTest {
  explicit RebuildThreadsForTest(unsigned threads) { eventstore::rebuild_threads_for_test = threads; }
  ~RebuildThreadsForTest() { eventstore::rebuild_threads_for_test = 0; }
};

TEST(ViewsProperty, RebuildEqualsLiveWhateverTheGroupingOfCommits) {
  int total_corrections = 0;
  std::set<std::string> types;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    testing::ViewsStore store;
    Generator generator(seed, store);
    std::mt19937_64 rng(seed * 7919);
    absl::Mutex mu;
    std::map<std::string, int> outcomes;
    absl::Time now = absl::FromCivil(absl::CivilSecond(2024, 6, 1, 9, 0, 0), absl::UTCTimeZone());
    for (int sent = 0; sent < kCommandsPerSeed;) {
      const int batch = std::uniform_int_distribution<int>(1, 12)(rng);
      now += absl::Hours(std::uniform_int_distribution<int>(0, 30)(rng));
      store.SetNow(now);
      absl::BlockingCounter done(batch);
      // The batch is generated from the state the previous one left, before any of it runs:
      // what the generator reads must not depend on how far the batch got (on a loaded machine
      // it got less far, and the histories covered fewer event types).
      std::vector<v1::Command> commands;
      for (int i = 0; i < batch; ++i) commands.push_back(generator.Next());
      for (const v1::Command& command : commands) {
        ++sent;
        store.RunAsync(command, "tester",
                       [&](absl::StatusOr<eventstore::AppendResult> r) {
                         {
                           absl::MutexLock l(&mu);
                           ++outcomes[r.ok() ? "ok" : std::string(r.status().message()).substr(0, 24)];
                         }
                         done.DecrementCount();
                       });
      }
      done.Wait();
    }
    const eventstore::StoreStats stats = store.store().Stats();
    EXPECT_GT(stats.events_appended, 900u) << "seed " << seed << ": " << ::testing::PrintToString(outcomes);
    EXPECT_LT(stats.groups_committed, stats.appends) << "no commit group held two appends";
    std::printf("seed %d: %llu events in %llu appends, %llu commit groups; outcomes %s\n", seed,
                static_cast<unsigned long long>(stats.events_appended),
                static_cast<unsigned long long>(stats.appends),
                static_cast<unsigned long long>(stats.groups_committed),
                ::testing::PrintToString(outcomes).c_str());
    store.CatchUp();
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> live;
    for (const std::string& p : testing::AllProjections()) live[p] = store.Rows(p);
    const std::map<std::string, std::string> views = AllViews(store);
    EXPECT_GT(views.size(), 10u);
    // On one thread, and with the deciders' state split by programme over three: a rebuild
    // uses them for a replay of at least 1,024 positions (kParallelReplayFrom,
    // eventstore/src/projections.h).
    ASSERT_GE(store.store().LastPosition(), 1024u) << "seed " << seed << ": too short to split";
    for (unsigned threads : {1u, 3u}) {
      const RebuildThreadsForTest use(threads);
      for (const std::string& p : testing::AllProjections()) {
        ASSERT_TRUE(store.store().Rebuild(p, nullptr).ok()) << p;
        EXPECT_TRUE(store.Rows(p) == live[p])
            << "seed " << seed << ": " << p << " differs after a rebuild on " << threads << " threads";
      }
    }
    EXPECT_TRUE(AllViews(store) == views) << "seed " << seed;
    CheckAgainstTheDeciders(store, &total_corrections);
    for (const auto& e : eventstore::testing::ReadEverything(store.store())) types.insert(e.header.type());
  }
  EXPECT_GT(total_corrections, 30);
  EXPECT_GE(types.size(), 24u) << ::testing::PrintToString(types);  // of 25 event types
}

}  // namespace
}  // namespace proeftuin::views
