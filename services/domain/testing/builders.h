// Builders of commands and events for the domain's tests: a small test programme ("lv-test",
// EUR 140,000 over budget years 2025 and 2026, period 2024-07-01..2025-12-31) and experiments
// ready for selection. Every builder returns a valid value; tests change one field to break a
// rule.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/time/time.h"
#include "proeftuin/v1/commands.pb.h"
#include "proeftuin/v1/experiment_events.pb.h"
#include "proeftuin/v1/programme_events.pb.h"

namespace proeftuin::domain::testkit {

inline constexpr char kPid[] = "lv-test";

// 2025-03-03 09:00 UTC: after adoption, while experiments run.
absl::Time TestNow();
v1::Date D(int year, int month, int day);
v1::Money Eur(int64_t euros);
v1::BudgetYearAmount YearEur(int year, int64_t euros);
v1::DecisionReference CollegeDecision(const std::string& id, const v1::Date& date);
v1::CouncilReference TestCouncilReference();

v1::ProgrammeDesign TestProgrammeDesign();
// Ready for selection: two criteria ("bereik", "invloed"), level consult, planning
// 2024-09-01..2025-06-30 inside the test period.
v1::ExperimentDesign TestExperimentDesign(const std::string& title = "Testexperiment");

// Programme commands on kPid.
v1::Command DraftCmd();
v1::Command AmendProgrammeCmd(const v1::ProgrammeDesign& design, const std::string& reason);
v1::Command SubmitCmd();
v1::Command RecordInputCmd(const std::string& input_id);
v1::Command AnswerInputCmd(const std::string& input_id);
v1::Command AdoptCmd();
v1::Command SessionCmd(const std::string& session_id);
v1::Command EvaluateProgrammeCmd();
v1::Command CloseCmd();

// Experiment commands on kPid.
v1::Command ProposeCmd(const std::string& eid);
v1::Command AmendExperimentCmd(const std::string& eid, const v1::ExperimentDesign& design,
                               const std::string& reason);
v1::Command WithdrawCmd(const std::string& eid, const std::string& reason);
v1::Command SelectCmd(const std::string& eid,
                      std::initializer_list<v1::BudgetYearAmount> allocation,
                      bool with_decision = true);
v1::Command RejectCmd(const std::string& eid, const std::string& reason);
v1::Command StartCmd(const std::string& eid);
v1::Command ActivityCmd(const std::string& eid, int participants, int seldom_heard);
v1::Command SpendCmd(const std::string& eid, int64_t euros, int budget_year);
v1::Command ProgressCmd(const std::string& eid, int percent, const std::string& note);
v1::Command StopCmd(const std::string& eid, const std::string& reason);
v1::Command CompleteCmd(const std::string& eid);
v1::Command NotEvaluableCmd(const std::string& eid, const std::string& reason);
// Scores every criterion of TestExperimentDesign.
v1::Command EvaluateExperimentCmd(const std::string& eid);
// eid empty = a correction on the programme stream.
v1::Command CorrectCmd(const std::string& eid, uint64_t position, const v1::CorrectedFields& fields,
                       const std::string& reason);

// Events (the "Given" of a test).
v1::ProgrammeEvent DraftedEvent();
v1::ProgrammeEvent SubmittedEvent();
v1::ProgrammeEvent InputRecordedEvent(const std::string& input_id);
v1::ProgrammeEvent InputAnsweredEvent(const std::string& input_id);
v1::ProgrammeEvent AdoptedEvent();
v1::ProgrammeEvent AllocatedEvent(const std::string& eid,
                                  std::initializer_list<v1::BudgetYearAmount> allocation);
v1::ProgrammeEvent ProgrammeEvaluatedEvent();
v1::ProgrammeEvent ClosedEvent();
v1::ExperimentEvent ProposedEvent(const std::string& eid,
                                  const v1::ExperimentDesign& design = TestExperimentDesign());
v1::ExperimentEvent SelectedEvent(std::initializer_list<v1::BudgetYearAmount> allocation);
v1::ExperimentEvent StartedEvent();
v1::ExperimentEvent ExpenditureEvent(int64_t euros, int budget_year);
v1::ExperimentEvent CompletedEvent();
v1::ExperimentEvent EvaluatedEvent();

}  // namespace proeftuin::domain::testkit
