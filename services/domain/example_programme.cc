// The example programme (DOMAIN.md), part 1: drafting, proposals, the college's selection, the
// council's wishes and objections, adoption and the period extension. Decision numbers, council
// references and texts are invented (demo data).
#include "domain/example_programme.h"

#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/internal/example_data.h"
#include "domain/rules.h"
#include "domain/streams.h"

namespace proeftuin::domain {
namespace example {
namespace {

constexpr char kPm[] = "programme_manager";
constexpr char kCollege[] = "college";
constexpr char kGriffie[] = "griffie";

v1::DraftProgramme Draft() {
  v1::DraftProgramme draft;
  draft.set_programme_id(kExampleProgrammeId);
  v1::ProgrammeDesign* d = draft.mutable_design();
  d->set_title("Experimenteerprogramma inwonerparticipatie 2024-2027");
  d->set_goal(
      "De ontwikkeling van inwonerparticipatie bevorderen, door het periodiek experimenteren met "
      "nieuwe vormen van inwonerparticipatie door de gemeente.");
  d->set_legal_basis("Participatieverordening Leidschendam-Voorburg 2023, art. 3 lid 7");
  *d->mutable_period()->mutable_start() = Day(2024, 7, 1);
  *d->mutable_period()->mutable_end() = Day(2025, 12, 31);
  *d->mutable_evaluation_date() = Day(2026, 2, 15);  // before the elections of March 2026
  v1::Budget* budget = d->mutable_budget();
  *budget->mutable_total() = Euro(140'000);
  *budget->add_years() = InYear(2025, 70'000);
  *budget->add_years() = InYear(2026, 70'000);
  budget->set_source("Kadernota 2024 (eenmalig)");
  for (const char* area : {"Leidschendam", "Voorburg", "Voorburg-Noord", "Stompwijk"}) {
    d->add_areas(area);
  }
  d->set_knowledge_exchange_plan(
      "(Digitale) gesprekstafels en bijeenkomsten met bestuur, organisatie en inwoners, o.a. de "
      "adviesraden sociaal domein en Stompwijk, wijkoverleggen, de burgerkrachtcentrale en het "
      "platform lokale democratie, en inwoners die weinig gehoord worden.");
  d->set_communication_plan("Intern via de organisatievisie; extern via lv.nl en wijkoverleggen.");
  return draft;
}

v1::SubmitProgrammeToCouncil Submission(const v1::Date& submitted_on) {
  v1::SubmitProgrammeToCouncil submit;
  submit.set_programme_id(kExampleProgrammeId);
  v1::CouncilReference* ref = submit.mutable_council_reference();
  ref->set_meeting_id("raad-2024-07-02");
  *ref->mutable_meeting_date() = Day(2024, 7, 2);
  ref->set_agenda_item("9");
  ref->set_document_id("RV-2024-031");
  ref->set_document_title("Ontwerp experimenteerprogramma inwonerparticipatie (demo)");
  ref->set_document_url("https://lv.bestuurlijkeinformatie.nl/");
  *submit.mutable_submitted_on() = submitted_on;
  *submit.mutable_response_deadline() = Day(2024, 7, 2);
  return submit;
}

v1::RecordCouncilInput Input(const v1::Date& received_on, v1::CouncilInputKind kind,
                             const char* text, const char* about) {
  v1::RecordCouncilInput input;
  input.set_programme_id(kExampleProgrammeId);
  input.set_kind(kind);
  input.set_text(text);
  input.set_source_kind(v1::COUNCIL_INPUT_SOURCE_KIND_MINUTES);
  input.set_source_reference("Besluitenlijst raad 2 juli 2024, agendapunt 9 (demo)");
  input.set_concerns_experiment_id(about);
  *input.mutable_received_on() = received_on;
  return input;
}

v1::AnswerCouncilInput Answer(const v1::Date& answered_on, const char* input_id,
                              v1::Disposition disposition, const char* motivation) {
  v1::AnswerCouncilInput answer;
  answer.set_programme_id(kExampleProgrammeId);
  answer.set_input_id(input_id);
  answer.set_disposition(disposition);
  answer.set_motivation(motivation);
  *answer.mutable_answered_on() = answered_on;
  return answer;
}

v1::SelectExperiment Select(const char* id, std::vector<v1::BudgetYearAmount> allocation,
                            const v1::DecisionReference& decision) {
  v1::SelectExperiment select;
  select.set_programme_id(kExampleProgrammeId);
  select.set_experiment_id(id);
  *select.mutable_decision() = decision;
  for (const v1::BudgetYearAmount& a : allocation) *select.add_allocation() = a;
  return select;
}

void AddCouncil(StepList& s) {
  s.On(2024, 6, 20);
  s.Add("submit-to-council", kGriffie, Submission(s.today()),
        "The design programme goes to the council.");
  s.On(2024, 7, 2);
  s.Add("wish-youth", kGriffie,
        Input(s.today(), v1::COUNCIL_INPUT_KIND_WISH,
              "Betrek jongeren en inwoners van Stompwijk nadrukkelijk bij de experimenten.", ""),
        "Council wish wb-1.");
  s.Add("objection-platform", kGriffie,
        Input(s.today(), v1::COUNCIL_INPUT_KIND_OBJECTION,
              "Bedenking: het digitale platform mag niet duurder worden dan begroot en moet "
              "toegankelijk zijn voor inwoners zonder digitale vaardigheden.",
              kPlatform),
        "Council objection wb-2 about the platform.");
  s.Add("wish-parking", kGriffie,
        Input(s.today(), v1::COUNCIL_INPUT_KIND_WISH, "Raadpleeg ook de ondernemers rond de Mall.",
              kParking),
        "Council wish wb-3 about the parking consultation.");
  s.On(2024, 7, 8);
  s.Add("answer-wb-1", kCollege,
        Answer(s.today(), "wb-1", v1::DISPOSITION_ADOPTED,
               "Het jongerenpanel Stompwijk is opgenomen."),
        "The college adopts wish wb-1.");
  s.Add("answer-wb-2", kCollege,
        Answer(s.today(), "wb-2", v1::DISPOSITION_PARTLY_ADOPTED,
               "Het budget blijft gelijk; een papieren variant wordt niet toegezegd."),
        "The college partly adopts objection wb-2.");
  s.Add("answer-wb-3", kCollege,
        Answer(s.today(), "wb-3", v1::DISPOSITION_ADOPTED, "Ondernemers worden apart uitgenodigd."),
        "The college adopts wish wb-3.");
}

void AddAdoption(StepList& s) {
  s.On(2024, 7, 9);
  v1::AdoptProgramme adopt;
  adopt.set_programme_id(kExampleProgrammeId);
  *adopt.mutable_decision() =
      College("B&W 24.0512", Day(2024, 7, 9), "Vaststelling experimenteerprogramma (demo)");
  s.Add("adopt", kCollege, adopt, "The college adopts the programme.");
  s.On(2024, 7, 10);
  v1::AmendProgramme amend;
  amend.set_programme_id(kExampleProgrammeId);
  *amend.mutable_design() = Draft().design();
  *amend.mutable_design()->mutable_period()->mutable_end() = Day(2027, 3, 31);
  *amend.mutable_design()->mutable_evaluation_date() = Day(2027, 2, 15);
  amend.set_reason(
      "Zoals aangekondigd op lv.nl (9 juli 2024): de gemeente experimenteert tot en met begin "
      "2027 en evalueert begin 2027, zodat ook langer lopende experimenten zoals het uitdaagrecht "
      "geevalueerd kunnen worden.");
  s.Add("extend-period", kPm, amend, "The period is extended to early 2027, with the reason.");
}

}  // namespace

void AddPreparation(StepList& s) {
  s.On(2024, 6, 3);
  s.Add("draft", kPm, Draft(), "The programme manager drafts the programme.");
  v1::RecordKnowledgeSession informal;
  informal.set_programme_id(kExampleProgrammeId);
  informal.set_kind(v1::KNOWLEDGE_SESSION_KIND_MEETING);
  informal.set_title("Informele collegesessie over potentiele projecten");
  *informal.mutable_held_on() = Day(2024, 5, 28);
  informal.set_attendee_count(9);
  informal.set_summary("Het college verkende mogelijke experimenten (demo).");
  s.Add("session-college", kPm, informal, "The informal college session of 28 May, recorded.");
  s.On(2024, 6, 10);
  for (const v1::ProposeExperiment& proposal : Proposals(s.today())) {
    s.Add(absl::StrCat("propose-", proposal.experiment_id()), "proposer", proposal,
          absl::StrCat("Proposal: ", proposal.design().title(), "."));
  }
  s.On(2024, 6, 18);
  const v1::DecisionReference selection =
      College("B&W 24.0456", Day(2024, 6, 18), "Keuze experimenten ontwerpprogramma (demo)");
  s.Add("select-intake", kCollege,
        Select(kIntake, {InYear(2025, 15'000), InYear(2026, 5'000)}, selection), "Selected.");
  s.Add("select-parking", kCollege, Select(kParking, {InYear(2025, 15'000)}, selection),
        "Selected.");
  s.Add("select-gardens", kCollege,
        Select(kGardens, {InYear(2025, 10'000), InYear(2026, 8'000)}, selection), "Selected.");
  s.Add("select-youth-panel", kCollege, Select(kYouthPanel, {InYear(2025, 12'000)}, selection),
        "Selected.");
  s.Add("select-platform", kCollege,
        Select(kPlatform, {InYear(2025, 15'000), InYear(2026, 5'000)}, selection), "Selected.");
  v1::RejectExperiment reject;
  reject.set_programme_id(kExampleProgrammeId);
  reject.set_experiment_id(kAssembly);
  *reject.mutable_decision() = selection;
  reject.set_reason(
      "Niet uitvoerbaar binnen budget en periode; meenemen in het volgende programma.");
  s.Add("reject-assembly", kCollege, reject, "The college rejects the citizens' assembly.");
  AddCouncil(s);
  AddAdoption(s);
}

v1::Date Day(int year, int month, int day) { return MakeDate(year, month, day); }

v1::Money Euro(int64_t euros) {
  v1::Money money;
  money.set_cents(euros * 100);
  return money;
}

v1::BudgetYearAmount InYear(int year, int64_t euros) {
  v1::BudgetYearAmount amount;
  amount.set_year(year);
  *amount.mutable_amount() = Euro(euros);
  return amount;
}

v1::DecisionReference College(const std::string& identification, const v1::Date& date,
                              const std::string& description) {
  v1::DecisionReference decision;
  decision.set_identification(identification);
  decision.set_deciding_body(v1::DECIDING_BODY_COLLEGE);
  *decision.mutable_decision_date() = date;
  decision.set_description(description);
  return decision;
}

void StepList::On(int year, int month, int day) {
  at_ = absl::FromCivil(absl::CivilSecond(year, month, day, 10, 0, 0), absl::UTCTimeZone());
  today_ = Day(year, month, day);
}

void StepList::Add(std::string label, std::string role, const google::protobuf::Message& action,
                   std::string note, std::string corrects) {
  ExampleStep& step = steps_.emplace_back();
  step.label = std::move(label);
  step.role = std::move(role);
  step.at = at_;
  step.command = CommandOf(action);
  step.corrects = std::move(corrects);
  step.note = std::move(note);
}

}  // namespace example

std::vector<ExampleStep> ExampleProgrammeSteps() {
  example::StepList steps;
  example::AddPreparation(steps);
  example::AddExecution(steps);
  return steps.Take();
}

void ExamplePositions::Record(std::string_view label, std::string_view stream, uint64_t position) {
  written_[std::string(label)].emplace_back(std::string(stream), position);
}

absl::Status ExamplePositions::Resolve(ExampleStep* step) const {
  if (step->corrects.empty()) return absl::OkStatus();
  v1::RecordCorrection* correction = step->command.mutable_record_correction();
  const std::string stream =
      correction->experiment_id().empty()
          ? ProgrammeStream(correction->programme_id())
          : ExperimentStream(correction->programme_id(), correction->experiment_id());
  auto it = written_.find(step->corrects);
  if (it != written_.end()) {
    for (const auto& [written_stream, position] : it->second) {
      if (written_stream != stream) continue;
      correction->set_corrected_position(position);
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError(absl::StrCat("step ", step->corrects, " wrote nothing to ", stream));
}

}  // namespace proeftuin::domain
