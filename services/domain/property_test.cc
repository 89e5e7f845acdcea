// Property test: seeded random command sequences (thousands of steps) never produce a state
// that breaks a rule, every error names a rule, and Evolve folds every emitted event (a rebuild
// from the stored payloads equals the live state byte for byte).
#include <map>
#include <random>
#include <set>

#include "domain/dates.h"
#include "domain/testing/support.h"

namespace proeftuin::domain::testkit {
namespace {

constexpr int kSeeds = 24;
constexpr int kStepsPerSeed = 400;

// Random commands, mostly valid, against the programme kPid and six experiment ids.
class Generator {
 public:
  Generator(uint64_t seed, const InMemoryLog& log) : rng_(seed), log_(log) {}

  absl::Time Advance() {
    now_ += absl::Hours(Pick(0, 96));
    return now_;
  }
  v1::Command Next();

 private:
  int Pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(int percent) { return Pick(1, 100) <= percent; }
  std::string Eid() { return "e" + std::to_string(Pick(0, 5)); }
  std::string Reason() { return Chance(90) ? "reden" : ""; }
  v1::DecisionReference Decision() { return CollegeDecision("B&W", DateOfUtc(now_)); }
  v1::Command ProgrammeCommand(int kind);
  v1::Command LifecycleCommand(int kind, const std::string& eid);
  v1::Command RunCommand(int kind, const std::string& eid);
  v1::Command Correction();

  std::mt19937_64 rng_;
  const InMemoryLog& log_;
  absl::Time now_ = absl::FromCivil(absl::CivilSecond(2024, 6, 1, 9, 0, 0), absl::UTCTimeZone());
};

v1::Command Generator::Next() {
  // Weights of the command kinds below (0-7 programme, 8-13 lifecycle, 14-22 run, 23 correction).
  static constexpr int kWeights[] = {2, 2, 2, 2, 4, 3, 1, 1, 4, 2, 1, 5,
                                     1, 5, 3, 3, 2, 2, 1, 3, 1, 1, 4, 3};
  std::discrete_distribution<int> pick(std::begin(kWeights), std::end(kWeights));
  const int kind = pick(rng_);
  if (kind < 8) return ProgrammeCommand(kind);
  if (kind < 14) return LifecycleCommand(kind, Eid());
  if (kind < 23) return RunCommand(kind, Eid());
  return Correction();
}

v1::Command Generator::ProgrammeCommand(int kind) {
  v1::Command c;
  const v1::ProgrammeState* p = log_.Programme(kPid);
  switch (kind) {
    case 0:
      return Chance(30) ? DraftCmd() : SessionCmd("");
    case 1: {
      v1::ProgrammeDesign design = p ? p->design() : TestProgrammeDesign();
      design.mutable_period()->mutable_end()->set_year(2025 + Pick(0, 2));
      if (Chance(20)) {  // a cut or a raise, split evenly over both years
        const int64_t year_cents = Pick(1, 9) * 1'000'000;
        design.mutable_budget()->mutable_total()->set_cents(2 * year_cents);
        for (auto& y : *design.mutable_budget()->mutable_years()) {
          y.mutable_amount()->set_cents(year_cents);
        }
      }
      return AmendProgrammeCmd(design, Reason());
    }
    case 2: {
      c = SubmitCmd();
      c.mutable_submit_programme_to_council()->clear_submitted_on();
      c.mutable_submit_programme_to_council()->clear_response_deadline();
      return c;
    }
    case 3: {
      c = RecordInputCmd("");
      c.mutable_record_council_input()->clear_received_on();
      if (Chance(30)) c.mutable_record_council_input()->set_concerns_experiment_id(Eid());
      return c;
    }
    case 4: {
      std::string input_id = "wb-1";
      for (const auto& input : p ? p->council_inputs() : decltype(p->council_inputs()){}) {
        if (!input.answered()) input_id = input.input_id();
      }
      c = AnswerInputCmd(input_id);
      c.mutable_answer_council_input()->clear_answered_on();
      return c;
    }
    case 5: {
      c = AdoptCmd();
      *c.mutable_adopt_programme()->mutable_decision() = Decision();
      return c;
    }
    case 6: {
      c = EvaluateProgrammeCmd();
      c.mutable_evaluate_programme()->clear_evaluated_on();
      return c;
    }
    default:
      return CloseCmd();
  }
}

v1::Command Generator::LifecycleCommand(int kind, const std::string& eid) {
  switch (kind) {
    case 8: {
      v1::Command c = ProposeCmd(eid);
      v1::ProposeExperiment* p = c.mutable_propose_experiment();
      p->clear_proposed_on();
      if (Chance(15)) p->mutable_design()->clear_criteria();
      if (Chance(15)) p->mutable_design()->clear_participation_level();
      if (Chance(15))
        p->mutable_design()->mutable_conditions()->mutable_planning()->mutable_end()->set_year(
            2027);
      if (Chance(20)) p->set_confidentiality(v1::CONFIDENTIALITY_VERTROUWELIJK);
      return c;
    }
    case 9: {
      const v1::ExperimentState* e = log_.Experiment(kPid, eid);
      v1::ExperimentDesign design = e ? e->design() : TestExperimentDesign();
      if (Chance(50)) design.mutable_conditions()->set_civil_servant_hours(Pick(0, 500));
      if (Chance(20)) design.set_title("Anders");
      return AmendExperimentCmd(eid, design, Reason());
    }
    case 10:
      return WithdrawCmd(eid, Reason());
    case 11: {
      v1::Command c = SelectCmd(eid, {}, Chance(70));
      for (int i = Pick(0, 2); i > 0; --i) {
        *c.mutable_select_experiment()->add_allocation() =
            YearEur(Chance(90) ? 2024 + i : 2027, Pick(0, 30'000));
      }
      if (c.select_experiment().has_decision())
        *c.mutable_select_experiment()->mutable_decision() = Decision();
      return c;
    }
    case 12: {
      v1::Command c = RejectCmd(eid, Reason());
      if (Chance(60)) *c.mutable_reject_experiment()->mutable_decision() = Decision();
      return c;
    }
    default: {
      v1::Command c = StartCmd(eid);
      c.mutable_start_experiment()->clear_started_on();
      return c;
    }
  }
}

v1::Command Generator::RunCommand(int kind, const std::string& eid) {
  switch (kind) {
    case 14: {
      v1::Command c = ActivityCmd(eid, Pick(0, 200), Pick(0, 30));
      c.mutable_record_activity()->clear_held_on();
      return c;
    }
    case 15:
    case 16:
      return SpendCmd(eid, Pick(0, 9'000), 2024 + Pick(0, 3));
    case 17:
      return ProgressCmd(eid, Pick(0, 2) * 50, "");
    case 18:
      return StopCmd(eid, Reason());
    case 19:
    case 20:
      return CompleteCmd(eid);
    case 21:
      return NotEvaluableCmd(eid, Reason());
    default: {
      v1::Command c = EvaluateExperimentCmd(eid);
      if (Chance(10)) c.mutable_evaluate_experiment()->mutable_scores()->RemoveLast();
      return c;
    }
  }
}

v1::Command Generator::Correction() {
  v1::CorrectedFields fields;
  switch (Pick(0, 3)) {
    case 0:
      *fields.mutable_amount() = Eur(Pick(0, 5'000));
      break;
    case 1:
      fields.set_budget_year(2025 + Pick(0, 1));
      break;
    case 2:
      fields.set_count(Pick(0, 300));
      break;
    default:
      *fields.mutable_decision() = Decision();
      break;
  }
  const std::string eid = Chance(60) ? Eid() : "";
  const v1::ExperimentState* e = eid.empty() ? nullptr : log_.Experiment(kPid, eid);
  const v1::ProgrammeState* p = log_.Programme(kPid);
  const auto* targets = e ? &e->correctable_events() : p ? &p->correctable_events() : nullptr;
  uint64_t position = Pick(1, static_cast<int>(log_.last_position()) + 1);
  if (targets != nullptr && !targets->empty() && Chance(80)) {
    position = (*targets)[Pick(0, targets->size() - 1)].position();
  }
  return CorrectCmd(eid, position, fields, Reason());
}

// What the states looked like before a command, to judge the events it emitted.
struct Before {
  std::optional<v1::ProgrammeState> programme;
  std::map<std::string, v1::ExperimentState> experiments;
};

Before Snapshot(const InMemoryLog& log) {
  Before before;
  if (const v1::ProgrammeState* p = log.Programme(kPid)) before.programme = *p;
  for (const v1::ExperimentState* e : log.ExperimentsOf(kPid)) {
    before.experiments[e->experiment_id()] = *e;
  }
  return before;
}

bool IsDone(v1::ExperimentStatus s) {
  return s == v1::EXPERIMENT_STATUS_EVALUATED || s == v1::EXPERIMENT_STATUS_WITHDRAWN ||
         s == v1::EXPERIMENT_STATUS_NOT_EVALUABLE;
}

// Rules that must hold for the events of one successful decision.
void CheckExperimentEvents(const Executed& executed, const Before& before, const InMemoryLog& log) {
  const std::optional<StreamIds> ids = ParseStream(executed.decision.experiment_stream);
  if (!ids) return;
  const auto it = before.experiments.find(ids->experiment_id);
  const v1::ExperimentState* was = it == before.experiments.end() ? nullptr : &it->second;
  for (const DecidedExperimentEvent& d : executed.decision.experiment_events) {
    const v1::ExperimentEvent& e = d.event;
    if (was != nullptr && was->status() == v1::EXPERIMENT_STATUS_EVALUATED) {
      EXPECT_TRUE(e.has_expenditure_recorded() || e.has_correction_recorded())
          << e.ShortDebugString();
    }
    if (e.has_experiment_started()) {
      EXPECT_EQ(before.programme->status(), v1::PROGRAMME_STATUS_ADOPTED);
      EXPECT_EQ(was->status(), v1::EXPERIMENT_STATUS_SELECTED);
      // PT-DATE-ORDER: not before the adoption decision.
      EXPECT_GE(CompareDates(e.experiment_started().started_on(),
                             before.programme->adoption().decision_date()),
                0);
    }
    if (e.has_expenditure_recorded()) {
      EXPECT_TRUE(was->started());
      EXPECT_TRUE(HasBudgetYear(*before.programme, e.expenditure_recorded().budget_year()));
      EXPECT_GE(CompareDates(e.expenditure_recorded().spent_on(), was->started_on()), 0);
    }
    if (e.has_activity_recorded()) {
      EXPECT_GE(CompareDates(e.activity_recorded().held_on(), was->started_on()), 0);
    }
    if (e.has_experiment_selected()) {
      EXPECT_FALSE(was->design().criteria().empty());
      const v1::Period& period = before.programme->design().period();
      EXPECT_TRUE(
          IsWithin(was->design().conditions().planning().end(), period.start(), period.end()));
    }
    if (e.has_experiment_evaluated()) {
      EXPECT_TRUE(was->status() == v1::EXPERIMENT_STATUS_COMPLETED ||
                  was->status() == v1::EXPERIMENT_STATUS_STOPPED_EARLY);
      EXPECT_EQ(e.experiment_evaluated().scores_size(), was->design().criteria_size());
    }
    const bool needs_reason = e.has_experiment_rejected() || e.has_experiment_withdrawn() ||
                              e.has_experiment_stopped_early() || e.has_correction_recorded() ||
                              e.has_experiment_marked_not_evaluable();
    if (needs_reason) {
      EXPECT_FALSE(d.reason.empty()) << e.ShortDebugString();
    }
  }
  (void)log;
}

void CheckProgrammeEvents(const Executed& executed, const Before& before, const InMemoryLog& log) {
  const v1::ProgrammeState& now = *log.Programme(kPid);
  for (const DecidedProgrammeEvent& d : executed.decision.programme_events) {
    const v1::ProgrammeEvent& e = d.event;
    if (e.has_budget_allocated()) {  // rule 3, in total and in every year allocated
      const v1::Budget& budget = now.design().budget();
      EXPECT_LE(AllocatedCents(now), budget.total().cents());
      for (const v1::BudgetYearAmount& y : e.budget_allocated().allocation()) {
        EXPECT_LE(AllocatedCentsInYear(now, y.year()), CentsInYear(budget.years(), y.year()));
      }
    }
    if (e.has_programme_adopted()) {
      EXPECT_EQ(before.programme->status(), v1::PROGRAMME_STATUS_SUBMITTED_TO_COUNCIL);
      for (const auto& input : before.programme->council_inputs()) {
        EXPECT_TRUE(input.answered());
      }
    }
    if (e.has_programme_evaluated()) {
      for (const auto& [id, experiment] : before.experiments) {
        if (experiment.was_selected()) {
          EXPECT_TRUE(IsDone(experiment.status())) << id;
        }
      }
    }
    if (e.has_programme_amended()) {
      EXPECT_FALSE(d.reason.empty());
    }
  }
}

void CheckDecision(const Executed& executed, const Before& before, const InMemoryLog& log) {
  if (before.programme && before.programme->status() == v1::PROGRAMME_STATUS_CLOSED) {
    for (const LoggedEvent& e : executed.events) {
      EXPECT_EQ(e.type, T(v1::CorrectionRecorded::descriptor()));
    }
  }
  for (const LoggedEvent& e : executed.events) {
    EXPECT_FALSE(e.type.empty());
    EXPECT_NE(e.confidentiality, v1::CONFIDENTIALITY_UNSPECIFIED);
    EXPECT_TRUE(IsValid(e.occurred_on)) << e.type;
  }
  CheckExperimentEvents(executed, before, log);
  CheckProgrammeEvents(executed, before, log);
}

// Rules that hold for the whole state after every step.
void CheckStates(const InMemoryLog& log, bool budget_was_changed) {
  const v1::ProgrammeState* programme = log.Programme(kPid);
  if (programme == nullptr) return;
  if (!budget_was_changed) {
    EXPECT_FALSE(IsOverAllocated(*programme));
  }
  const bool adopted = programme->status() >= v1::PROGRAMME_STATUS_ADOPTED;
  for (const v1::ExperimentState* e : log.ExperimentsOf(kPid)) {
    if (e->started()) {
      EXPECT_TRUE(adopted) << e->experiment_id();
    }
    if (e->status() == v1::EXPERIMENT_STATUS_SELECTED) {
      EXPECT_TRUE(e->was_selected());
    }
  }
}

TEST(DomainProperty, RandomCommandSequencesNeverBreakARule) {
  std::map<std::string, int> emitted;
  std::map<std::string, int> refused;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    InMemoryLog log;
    Generator generator(static_cast<uint64_t>(seed), log);
    bool budget_changed = false;
    for (int step = 0; step < kStepsPerSeed; ++step) {
      const v1::Command command = step == 0 ? DraftCmd() : generator.Next();
      const absl::Time now = generator.Advance();
      const Before before = Snapshot(log);
      const uint64_t last = log.last_position();
      absl::StatusOr<Executed> result = log.Execute(command, now);
      if (!result.ok()) {
        const std::string rule = RuleIdOf(result.status());
        EXPECT_FALSE(rule.empty()) << result.status();
        EXPECT_EQ(log.last_position(), last);
        ++refused[rule];
        continue;
      }
      // Only a budget cut may leave the programme over-allocated (flagged, not refused).
      if (command.has_amend_programme() && before.programme &&
          log.Programme(kPid)->design().budget().SerializeAsString() !=
              before.programme->design().budget().SerializeAsString()) {
        budget_changed = true;
      }
      for (const LoggedEvent& e : result->events) ++emitted[e.type];
      CheckDecision(*result, before, log);
      CheckStates(log, budget_changed);
      if (::testing::Test::HasFailure()) FAIL() << "seed " << seed << " step " << step;
    }
    EXPECT_EQ(log.FirstStreamNotRebuilt(), "") << "seed " << seed;
  }
  // The sequences reach every event type and many rules, or the test proves little.
  std::set<std::string> all_types;
  for (const google::protobuf::Descriptor* wrapper :
       {v1::ProgrammeEvent::descriptor(), v1::ExperimentEvent::descriptor()}) {
    for (int i = 0; i < wrapper->field_count(); ++i) {
      all_types.insert(wrapper->field(i)->message_type()->full_name());
    }
  }
  for (const std::string& type : all_types) EXPECT_GT(emitted[type], 0) << type;
  EXPECT_GE(refused.size(), 30u) << ::testing::PrintToString(refused);
}

}  // namespace
}  // namespace proeftuin::domain::testkit
