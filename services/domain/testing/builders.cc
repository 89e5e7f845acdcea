#include "domain/testing/builders.h"

#include "domain/dates.h"
#include "domain/streams.h"

namespace proeftuin::domain::testkit {
namespace {

template <typename Action>
Action ForProgramme() {
  Action action;
  action.set_programme_id(kPid);
  return action;
}

template <typename Action>
Action ForExperiment(const std::string& eid) {
  Action action;
  action.set_programme_id(kPid);
  action.set_experiment_id(eid);
  return action;
}

v1::EvaluationCriterion Criterion(const std::string& id, const std::string& description) {
  v1::EvaluationCriterion criterion;
  criterion.set_criterion_id(id);
  criterion.set_description(description);
  criterion.set_indicator("aantal");
  criterion.set_norm("voldoende");
  return criterion;
}

}  // namespace

absl::Time TestNow() {
  return absl::FromCivil(absl::CivilSecond(2025, 3, 3, 9, 0, 0), absl::UTCTimeZone());
}

v1::Date D(int year, int month, int day) { return MakeDate(year, month, day); }

v1::Money Eur(int64_t euros) {
  v1::Money money;
  money.set_cents(euros * 100);
  return money;
}

v1::BudgetYearAmount YearEur(int year, int64_t euros) {
  v1::BudgetYearAmount amount;
  amount.set_year(year);
  *amount.mutable_amount() = Eur(euros);
  return amount;
}

v1::DecisionReference CollegeDecision(const std::string& id, const v1::Date& date) {
  v1::DecisionReference decision;
  decision.set_identification(id);
  decision.set_deciding_body(v1::DECIDING_BODY_COLLEGE);
  *decision.mutable_decision_date() = date;
  return decision;
}

v1::CouncilReference TestCouncilReference() {
  v1::CouncilReference ref;
  ref.set_meeting_id("raad-2024-07-02");
  *ref.mutable_meeting_date() = D(2024, 7, 2);
  ref.set_document_id("rv-2024-031");
  ref.set_document_title("Ontwerp experimenteerprogramma");
  return ref;
}

v1::ProgrammeDesign TestProgrammeDesign() {
  v1::ProgrammeDesign design;
  design.set_title("Testprogramma inwonerparticipatie");
  design.set_goal("De ontwikkeling van inwonerparticipatie bevorderen.");
  design.set_legal_basis("Participatieverordening 2023, art. 3 lid 7");
  *design.mutable_period()->mutable_start() = D(2024, 7, 1);
  *design.mutable_period()->mutable_end() = D(2025, 12, 31);
  *design.mutable_evaluation_date() = D(2026, 2, 15);
  *design.mutable_budget()->mutable_total() = Eur(140'000);
  *design.mutable_budget()->add_years() = YearEur(2025, 70'000);
  *design.mutable_budget()->add_years() = YearEur(2026, 70'000);
  design.mutable_budget()->set_source("Kadernota 2024");
  design.add_areas("Voorburg");
  return design;
}

v1::ExperimentDesign TestExperimentDesign(const std::string& title) {
  v1::ExperimentDesign design;
  design.set_title(title);
  design.set_participation_form("Online raadpleging");
  design.set_policy_trajectory("Parkeerbeleid");
  design.set_policy_phase(v1::POLICY_PHASE_DEVELOPMENT);
  design.set_participation_level(v1::PARTICIPATION_LEVEL_CONSULT);
  v1::ExecutionConditions* conditions = design.mutable_conditions();
  conditions->set_design("Digitale peiling met terugkoppeling");
  *conditions->mutable_budget_requested() = Eur(20'000);
  conditions->set_civil_servant_hours(120);
  *conditions->mutable_planning()->mutable_start() = D(2024, 9, 1);
  *conditions->mutable_planning()->mutable_end() = D(2025, 6, 30);
  *design.add_criteria() = Criterion("bereik", "Hoeveel huishoudens deden mee");
  *design.add_criteria() = Criterion("invloed", "Wat deed het beleid met de inbreng");
  return design;
}

v1::Command DraftCmd() {
  auto action = ForProgramme<v1::DraftProgramme>();
  *action.mutable_design() = TestProgrammeDesign();
  return CommandOf(action);
}

v1::Command AmendProgrammeCmd(const v1::ProgrammeDesign& design, const std::string& reason) {
  auto action = ForProgramme<v1::AmendProgramme>();
  *action.mutable_design() = design;
  action.set_reason(reason);
  return CommandOf(action);
}

v1::Command SubmitCmd() {
  auto action = ForProgramme<v1::SubmitProgrammeToCouncil>();
  *action.mutable_council_reference() = TestCouncilReference();
  *action.mutable_submitted_on() = D(2024, 6, 20);
  *action.mutable_response_deadline() = D(2024, 7, 5);
  return CommandOf(action);
}

v1::Command RecordInputCmd(const std::string& input_id) {
  auto action = ForProgramme<v1::RecordCouncilInput>();
  action.set_input_id(input_id);
  action.set_kind(v1::COUNCIL_INPUT_KIND_WISH);
  action.set_text("Betrek ook jongeren.");
  action.set_source_kind(v1::COUNCIL_INPUT_SOURCE_KIND_MINUTES);
  *action.mutable_received_on() = D(2024, 7, 2);
  return CommandOf(action);
}

v1::Command AnswerInputCmd(const std::string& input_id) {
  auto action = ForProgramme<v1::AnswerCouncilInput>();
  action.set_input_id(input_id);
  action.set_disposition(v1::DISPOSITION_ADOPTED);
  action.set_motivation("Overgenomen.");
  *action.mutable_answered_on() = D(2024, 7, 8);
  return CommandOf(action);
}

v1::Command AdoptCmd() {
  auto action = ForProgramme<v1::AdoptProgramme>();
  *action.mutable_decision() = CollegeDecision("B&W-2024-0712", D(2024, 7, 9));
  return CommandOf(action);
}

v1::Command SessionCmd(const std::string& session_id) {
  auto action = ForProgramme<v1::RecordKnowledgeSession>();
  action.set_session_id(session_id);
  action.set_kind(v1::KNOWLEDGE_SESSION_KIND_DIGITAL_CONVERSATION_TABLE);
  action.set_title("Digitale gesprekstafel");
  *action.mutable_held_on() = D(2025, 2, 1);
  action.set_attendee_count(12);
  return CommandOf(action);
}

v1::Command EvaluateProgrammeCmd() {
  auto action = ForProgramme<v1::EvaluateProgramme>();
  action.set_findings("De experimenten leverden bruikbare lessen op.");
  *action.mutable_evaluated_on() = D(2025, 3, 1);
  return CommandOf(action);
}

v1::Command CloseCmd() { return CommandOf(ForProgramme<v1::CloseProgramme>()); }

v1::Command ProposeCmd(const std::string& eid) {
  auto action = ForExperiment<v1::ProposeExperiment>(eid);
  *action.mutable_design() = TestExperimentDesign();
  action.mutable_proposer()->set_kind(v1::PROPOSER_KIND_CIVIL_SERVANT);
  *action.mutable_proposed_on() = D(2024, 5, 28);
  return CommandOf(action);
}

v1::Command AmendExperimentCmd(const std::string& eid, const v1::ExperimentDesign& design,
                               const std::string& reason) {
  auto action = ForExperiment<v1::AmendExperiment>(eid);
  *action.mutable_design() = design;
  action.set_reason(reason);
  return CommandOf(action);
}

v1::Command WithdrawCmd(const std::string& eid, const std::string& reason) {
  auto action = ForExperiment<v1::WithdrawExperiment>(eid);
  action.set_reason(reason);
  return CommandOf(action);
}

v1::Command SelectCmd(const std::string& eid,
                      std::initializer_list<v1::BudgetYearAmount> allocation, bool with_decision) {
  auto action = ForExperiment<v1::SelectExperiment>(eid);
  if (with_decision) *action.mutable_decision() = CollegeDecision("B&W-2024-0801", D(2024, 8, 1));
  for (const v1::BudgetYearAmount& a : allocation) *action.add_allocation() = a;
  return CommandOf(action);
}

v1::Command RejectCmd(const std::string& eid, const std::string& reason) {
  auto action = ForExperiment<v1::RejectExperiment>(eid);
  action.set_reason(reason);
  return CommandOf(action);
}

v1::Command StartCmd(const std::string& eid) {
  auto action = ForExperiment<v1::StartExperiment>(eid);
  *action.mutable_started_on() = D(2024, 9, 2);
  return CommandOf(action);
}

v1::Command ActivityCmd(const std::string& eid, int participants, int seldom_heard) {
  auto action = ForExperiment<v1::RecordActivity>(eid);
  action.set_kind(v1::ACTIVITY_KIND_MEETING);
  action.set_participant_count(participants);
  action.set_seldom_heard_reached_count(seldom_heard);
  *action.mutable_held_on() = D(2024, 10, 1);
  return CommandOf(action);
}

v1::Command SpendCmd(const std::string& eid, int64_t euros, int budget_year) {
  auto action = ForExperiment<v1::RecordExpenditure>(eid);
  *action.mutable_amount() = Eur(euros);
  action.set_budget_year(budget_year);
  action.set_description("Zaalhuur en catering");
  return CommandOf(action);
}

v1::Command ProgressCmd(const std::string& eid, int percent, const std::string& note) {
  auto action = ForExperiment<v1::ReportProgress>(eid);
  action.set_percent_complete(percent);
  action.set_note(note);
  return CommandOf(action);
}

v1::Command StopCmd(const std::string& eid, const std::string& reason) {
  auto action = ForExperiment<v1::StopExperimentEarly>(eid);
  action.set_reason(reason);
  return CommandOf(action);
}

v1::Command CompleteCmd(const std::string& eid) {
  return CommandOf(ForExperiment<v1::CompleteExperiment>(eid));
}

v1::Command NotEvaluableCmd(const std::string& eid, const std::string& reason) {
  auto action = ForExperiment<v1::MarkExperimentNotEvaluable>(eid);
  action.set_reason(reason);
  return CommandOf(action);
}

v1::Command EvaluateExperimentCmd(const std::string& eid) {
  auto action = ForExperiment<v1::EvaluateExperiment>(eid);
  for (const char* id : {"bereik", "invloed"}) {
    v1::CriterionScore* score = action.add_scores();
    score->set_criterion_id(id);
    score->set_score(v1::SCORE_SUFFICIENT);
    score->set_assessor("onderzoeker");
  }
  action.set_conclusion(v1::CONCLUSION_ADAPT);
  return CommandOf(action);
}

v1::Command CorrectCmd(const std::string& eid, uint64_t position, const v1::CorrectedFields& fields,
                       const std::string& reason) {
  v1::RecordCorrection action;
  action.set_programme_id(kPid);
  action.set_experiment_id(eid);
  action.set_corrected_position(position);
  *action.mutable_fields() = fields;
  action.set_reason(reason);
  return CommandOf(action);
}

v1::ProgrammeEvent DraftedEvent() {
  v1::ProgrammeEvent event;
  event.mutable_programme_drafted()->set_programme_id(kPid);
  *event.mutable_programme_drafted()->mutable_design() = TestProgrammeDesign();
  event.mutable_programme_drafted()->set_confidentiality(v1::CONFIDENTIALITY_OPENBAAR);
  return event;
}

v1::ProgrammeEvent SubmittedEvent() {
  v1::ProgrammeEvent event;
  *event.mutable_programme_submitted_to_council()->mutable_council_reference() =
      TestCouncilReference();
  *event.mutable_programme_submitted_to_council()->mutable_submitted_on() = D(2024, 6, 20);
  return event;
}

v1::ProgrammeEvent InputRecordedEvent(const std::string& input_id) {
  v1::ProgrammeEvent event;
  event.mutable_council_input_recorded()->set_input_id(input_id);
  event.mutable_council_input_recorded()->set_kind(v1::COUNCIL_INPUT_KIND_OBJECTION);
  event.mutable_council_input_recorded()->set_text("Te duur.");
  return event;
}

v1::ProgrammeEvent InputAnsweredEvent(const std::string& input_id) {
  v1::ProgrammeEvent event;
  event.mutable_council_input_answered()->set_input_id(input_id);
  event.mutable_council_input_answered()->set_disposition(v1::DISPOSITION_NOT_ADOPTED);
  event.mutable_council_input_answered()->set_motivation("Binnen budget.");
  return event;
}

v1::ProgrammeEvent AdoptedEvent() {
  v1::ProgrammeEvent event;
  *event.mutable_programme_adopted()->mutable_decision() =
      CollegeDecision("B&W-2024-0712", D(2024, 7, 9));
  return event;
}

v1::ProgrammeEvent AllocatedEvent(const std::string& eid,
                                  std::initializer_list<v1::BudgetYearAmount> allocation) {
  v1::ProgrammeEvent event;
  event.mutable_budget_allocated()->set_experiment_id(eid);
  for (const auto& a : allocation) *event.mutable_budget_allocated()->add_allocation() = a;
  return event;
}

v1::ProgrammeEvent ProgrammeEvaluatedEvent() {
  v1::ProgrammeEvent event;
  event.mutable_programme_evaluated()->set_findings("Klaar.");
  return event;
}

v1::ProgrammeEvent ClosedEvent() {
  v1::ProgrammeEvent event;
  *event.mutable_programme_closed()->mutable_closed_on() = D(2025, 3, 1);
  return event;
}

v1::ExperimentEvent ProposedEvent(const std::string& eid, const v1::ExperimentDesign& design) {
  v1::ExperimentEvent event;
  event.mutable_experiment_proposed()->set_programme_id(kPid);
  event.mutable_experiment_proposed()->set_experiment_id(eid);
  *event.mutable_experiment_proposed()->mutable_design() = design;
  event.mutable_experiment_proposed()->mutable_proposer()->set_kind(
      v1::PROPOSER_KIND_CIVIL_SERVANT);
  event.mutable_experiment_proposed()->set_confidentiality(v1::CONFIDENTIALITY_OPENBAAR);
  return event;
}

v1::ExperimentEvent SelectedEvent(std::initializer_list<v1::BudgetYearAmount> allocation) {
  v1::ExperimentEvent event;
  for (const auto& a : allocation) *event.mutable_experiment_selected()->add_allocation() = a;
  return event;
}

v1::ExperimentEvent StartedEvent() {
  v1::ExperimentEvent event;
  *event.mutable_experiment_started()->mutable_started_on() = D(2024, 9, 2);
  return event;
}

v1::ExperimentEvent ExpenditureEvent(int64_t euros, int budget_year) {
  v1::ExperimentEvent event;
  *event.mutable_expenditure_recorded()->mutable_amount() = Eur(euros);
  event.mutable_expenditure_recorded()->set_budget_year(budget_year);
  event.mutable_expenditure_recorded()->set_description("Drukwerk");
  return event;
}

v1::ExperimentEvent CompletedEvent() {
  v1::ExperimentEvent event;
  *event.mutable_experiment_completed()->mutable_completed_on() = D(2025, 2, 28);
  return event;
}

v1::ExperimentEvent EvaluatedEvent() {
  v1::ExperimentEvent event;
  event.mutable_experiment_evaluated()->set_conclusion(v1::CONCLUSION_CONTINUE);
  return event;
}

}  // namespace proeftuin::domain::testkit
