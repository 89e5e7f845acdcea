// The example programme (DOMAIN.md), part 2: running the experiments (one withdrawn after
// selection, one added after adoption, one stopped early, one over-spent, a correction),
// knowledge sessions, every evaluation, and closing. Figures are invented (demo data).
#include "domain/internal/example_data.h"

namespace proeftuin::domain::example {
namespace {

constexpr char kPm[] = "programme_manager";
constexpr char kEvaluator[] = "evaluator";

template <typename Action>
Action For(const char* experiment_id) {
  Action action;
  action.set_programme_id(kExampleProgrammeId);
  action.set_experiment_id(experiment_id);
  return action;
}

v1::StartExperiment Start(const char* id, const v1::Date& on) {
  auto start = For<v1::StartExperiment>(id);
  *start.mutable_started_on() = on;
  return start;
}

v1::CompleteExperiment Complete(const char* id, const v1::Date& on) {
  auto complete = For<v1::CompleteExperiment>(id);
  *complete.mutable_completed_on() = on;
  return complete;
}

v1::RecordActivity Activity(const char* id, const v1::Date& on, v1::ActivityKind kind,
                            int participants, int seldom_heard, const char* note) {
  auto activity = For<v1::RecordActivity>(id);
  *activity.mutable_held_on() = on;
  activity.set_kind(kind);
  activity.set_participant_count(participants);
  activity.set_seldom_heard_reached_count(seldom_heard);
  activity.set_note(note);
  return activity;
}

v1::RecordExpenditure Spend(const char* id, const v1::Date& on, int64_t euros, int year,
                            const char* what, const char* invoice) {
  auto spend = For<v1::RecordExpenditure>(id);
  *spend.mutable_spent_on() = on;
  *spend.mutable_amount() = Euro(euros);
  spend.set_budget_year(year);
  spend.set_description(what);
  spend.mutable_reference()->set_document_id(invoice);
  return spend;
}

v1::ReportProgress Progress(const char* id, const v1::Date& on, int percent, const char* note) {
  auto progress = For<v1::ReportProgress>(id);
  *progress.mutable_reported_on() = on;
  progress.set_percent_complete(percent);
  progress.set_note(note);
  return progress;
}

v1::RecordKnowledgeSession Session(const v1::Date& held_on, v1::KnowledgeSessionKind kind,
                                   const char* title, int attendees, const char* organisation,
                                   const char* summary) {
  v1::RecordKnowledgeSession session;
  session.set_programme_id(kExampleProgrammeId);
  *session.mutable_held_on() = held_on;
  session.set_kind(kind);
  session.set_title(title);
  session.set_attendee_count(attendees);
  session.add_organisations(organisation);
  session.set_summary(summary);
  return session;
}

void AddStarts(StepList& s) {
  s.On(2024, 9, 2);
  s.Add("start-intake", kPm, Start(kIntake, s.today()), "The intake starts.");
  s.Add("start-gardens", kPm, Start(kGardens, s.today()), "Adoption gardens start.");
  s.On(2024, 9, 16);
  s.Add("start-parking", kPm, Start(kParking, s.today()), "The consultation starts.");
  s.On(2024, 9, 20);
  auto withdraw = For<v1::WithdrawExperiment>(kYouthPanel);
  withdraw.set_reason(
      "De dorpsvisie Stompwijk is uitgesteld naar 2026; het panel kan niet aan "
      "een lopend traject worden gekoppeld.");
  *withdraw.mutable_withdrawn_on() = s.today();
  s.Add("withdraw-youth-panel", kPm, withdraw,
        "The youth panel is withdrawn; its allocation is released.");
  s.On(2024, 10, 1);
  s.Add("start-platform", kPm, Start(kPlatform, s.today()), "The platform starts.");
  auto challenge = For<v1::SelectExperiment>(kChallenge);
  *challenge.mutable_decision() =
      College("B&W 24.0733", Day(2024, 10, 1), "Toevoeging uitdaagrecht (demo)");
  *challenge.add_allocation() = InYear(2025, 10'000);
  *challenge.add_allocation() = InYear(2026, 20'000);
  s.Add("select-challenge", "college", challenge,
        "The right to challenge is added after adoption, with its own college decision.");
  s.On(2024, 11, 1);
  s.Add("start-challenge", kPm, Start(kChallenge, s.today()), "Uitdaagrecht starts.");
}

void AddFirstRun(StepList& s) {
  s.On(2024, 10, 5);
  s.Add("activity-intake-1", kPm,
        Activity(kIntake, s.today(), v1::ACTIVITY_KIND_STREET_CONVERSATIONS, 85, 14,
                 "Eerste straten (demo)."),
        "Street conversations.");
  s.On(2024, 10, 14);
  s.Add("activity-parking", kPm,
        Activity(kParking, s.today(), v1::ACTIVITY_KIND_ONLINE_CONSULTATION, 1460, 35,
                 "Ruim 1.400 van circa 5.000 huishoudens (demo)."),
        "The online consultation.");
  s.On(2024, 10, 20);
  s.Add("activity-gardens", kPm,
        Activity(kGardens, s.today(), v1::ACTIVITY_KIND_WORKSHOP, 30, 4,
                 "Werksessie initiatiefnemers (demo)."),
        "A workshop.");
  s.On(2024, 11, 4);
  s.Add("spend-intake-print", kPm,
        Spend(kIntake, s.today(), 4'500, 2025, "Drukwerk uitnodigingen", "F-2024-1187"),
        "An invoice, entered as EUR 4,500 instead of EUR 450.");
  s.On(2024, 11, 10);
  s.Add("activity-platform", kPm,
        Activity(kPlatform, s.today(), v1::ACTIVITY_KIND_ONLINE_CONSULTATION, 60, 2,
                 "Weinig aanmeldingen (demo)."),
        "Platform launch.");
  s.On(2024, 11, 16);
  s.Add("activity-intake-2", kPm,
        Activity(kIntake, s.today(), v1::ACTIVITY_KIND_STREET_CONVERSATIONS, 120, 22,
                 "Tweede ronde (demo)."),
        "More streets.");
}

void AddWinter(StepList& s) {
  s.On(2024, 11, 21);
  auto table = Session(s.today(), v1::KNOWLEDGE_SESSION_KIND_DIGITAL_CONVERSATION_TABLE,
                       "Digitale gesprekstafel met de Adviesraad Sociaal Domein", 18,
                       "Adviesraad Sociaal Domein",
                       "Eerste ervaringen met de straatgewijze intake gedeeld (demo).");
  table.add_experiment_ids(kIntake);
  table.add_seldom_heard_groups_reached("mantelzorgers");
  table.add_named_attendees()->set_name("A. Jansen (demo)");
  table.add_named_attendees()->set_name("R. El Idrissi (demo)");
  s.Add("session-table", kPm, table,
        "A digital conversation table; named attendees are personal data.");
  s.On(2024, 11, 25);
  s.Add("spend-parking-1", kPm,
        Spend(kParking, s.today(), 12'000, 2025, "Licentie en analyse raadpleging", "F-2024-1240"),
        "The consultation's main cost.");
  s.On(2024, 12, 15);
  s.Add("progress-intake", kPm, Progress(kIntake, s.today(), 50, "Helft van de straten bezocht."),
        "Progress.");
  s.On(2024, 12, 20);
  s.Add("complete-parking", kPm, Complete(kParking, s.today()), "The consultation completes.");
  s.On(2025, 1, 10);
  s.Add("spend-parking-2", kPm,
        Spend(kParking, s.today(), 6'250, 2025, "Extra analyse reacties ondernemers (wens wb-3)",
              "F-2025-0031"),
        "A late invoice: the consultation is over-spent (EUR 18,250 of EUR 15,000).");
  s.On(2025, 1, 15);
  s.Add("activity-challenge", kPm,
        Activity(kChallenge, s.today(), v1::ACTIVITY_KIND_MEETING, 45, 3,
                 "Informatieavond uitdaagrecht (demo)."),
        "An information evening.");
  s.On(2025, 1, 31);
  s.Add("spend-platform", kPm,
        Spend(kPlatform, s.today(), 9'000, 2025, "Platformlicentie", "F-2025-0102"),
        "Platform licence.");
  s.On(2025, 2, 14);
  auto stop = For<v1::StopExperimentEarly>(kPlatform);
  stop.set_reason(
      "Te weinig deelname (60 accounts na vier maanden) en de leverancier stopt met het product.");
  *stop.mutable_stopped_on() = s.today();
  s.Add("stop-platform", kPm, stop, "The platform is stopped early.");
}

void AddEvaluations(StepList& s) {
  s.On(2025, 2, 20);
  s.Add("evaluate-parking", kEvaluator,
        Evaluation(
            kParking, s.today(),
            {v1::SCORE_GOOD, v1::SCORE_SUFFICIENT, v1::SCORE_INSUFFICIENT, v1::SCORE_SUFFICIENT},
            v1::CONCLUSION_ADAPT, "Terugkoppeling eerder plannen; ondernemers apart raadplegen."),
        "Evaluated.");
  s.On(2025, 3, 3);
  auto correct = For<v1::RecordCorrection>(kIntake);
  *correct.mutable_fields()->mutable_amount() = Euro(450);
  correct.set_reason("Bedrag verkeerd ingevoerd: factuur F-2024-1187 is EUR 450,00.");
  s.Add("correct-intake-print", kPm, correct, "The wrong amount is corrected.",
        "spend-intake-print");
  s.On(2025, 3, 12);
  s.Add("session-stompwijk", kPm,
        Session(s.today(), v1::KNOWLEDGE_SESSION_KIND_ADVISORY_COUNCIL, "Adviesraad Stompwijk", 11,
                "Adviesraad Stompwijk", "Lessen over het bereiken van jongeren (demo)."),
        "Advisory council.");
  s.On(2025, 3, 20);
  s.Add("spend-intake-2", kPm,
        Spend(kIntake, s.today(), 9'800, 2025, "Procesbegeleiding straatgesprekken", "F-2025-0177"),
        "Facilitation.");
  s.On(2025, 4, 10);
  s.Add("evaluate-platform", kEvaluator,
        Evaluation(kPlatform, s.today(),
                   {v1::SCORE_INSUFFICIENT, v1::SCORE_INSUFFICIENT, v1::SCORE_SUFFICIENT,
                    v1::SCORE_INSUFFICIENT},
                   v1::CONCLUSION_STOP, "Een los platform werkt niet zonder actieve werving."),
        "The stopped experiment is evaluated too.");
  s.On(2025, 4, 15);
  s.Add("spend-gardens-1", kPm,
        Spend(kGardens, s.today(), 6'500, 2025, "Regisseur initiatieven", "F-2025-0201"),
        "Spending.");
}

void AddSummer(StepList& s) {
  s.On(2025, 6, 5);
  s.Add("session-wijkoverleg", kPm,
        Session(s.today(), v1::KNOWLEDGE_SESSION_KIND_NEIGHBOURHOOD_CONSULTATION,
                "Wijkoverleg Voorburg-Noord", 40, "Wijkoverleg Voorburg-Noord",
                "Uitkomsten straatgewijze intake besproken (demo)."),
        "Neighbourhood consultation.");
  s.On(2025, 6, 30);
  s.Add("complete-intake", kPm, Complete(kIntake, s.today()), "The intake completes.");
  s.Add("spend-challenge-1", kPm,
        Spend(kChallenge, s.today(), 14'000, 2025, "Begeleiding pilots", "F-2025-0410"),
        "Spending.");
  s.On(2025, 7, 1);
  s.Add("spend-intake-3", kPm,
        Spend(kIntake, s.today(), 3'200, 2026, "Verslaglegging", "F-2025-0415"),
        "A late invoice after completion.");
  s.On(2025, 9, 15);
  s.Add("evaluate-intake", kEvaluator,
        Evaluation(kIntake, s.today(),
                   {v1::SCORE_GOOD, v1::SCORE_GOOD, v1::SCORE_SUFFICIENT, v1::SCORE_GOOD},
                   v1::CONCLUSION_CONTINUE, "Breed inzetbaar in andere wijken."),
        "Evaluated.");
  s.On(2025, 9, 30);
  s.Add("complete-gardens", kPm, Complete(kGardens, s.today()), "Adoption gardens complete.");
  s.On(2025, 11, 10);
  s.Add("evaluate-gardens", kEvaluator,
        Evaluation(kGardens, s.today(),
                   {v1::SCORE_SUFFICIENT, v1::SCORE_GOOD, v1::SCORE_GOOD, v1::SCORE_GOOD},
                   v1::CONCLUSION_CONTINUE, "Vaste regisseur houdt doorlooptijd kort."),
        "Evaluated.");
  s.On(2025, 12, 5);
  s.Add("spend-gardens-late", kPm,
        Spend(kGardens, s.today(), 1'250, 2026, "Nagekomen factuur plantmateriaal", "F-2025-0702"),
        "A late invoice after the evaluation.");
}

void AddClosing(StepList& s) {
  s.On(2026, 6, 30);
  s.Add("spend-challenge-2", kPm,
        Spend(kChallenge, s.today(), 12'500, 2026, "Tweede pilot", "F-2026-0321"), "Spending.");
  s.Add("progress-challenge", kPm, Progress(kChallenge, s.today(), 80, "Twee taken overgedragen."),
        "Progress.");
  s.On(2026, 12, 15);
  s.Add("complete-challenge", kPm, Complete(kChallenge, s.today()), "Uitdaagrecht completes.");
  s.On(2027, 1, 20);
  s.Add("evaluate-challenge", kEvaluator,
        Evaluation(kChallenge, s.today(),
                   {v1::SCORE_SUFFICIENT, v1::SCORE_GOOD, v1::SCORE_SUFFICIENT, v1::SCORE_GOOD},
                   v1::CONCLUSION_ADAPT, "Toetsingskader vereenvoudigen."),
        "Evaluated.");
  s.On(2027, 2, 15);
  v1::EvaluateProgramme evaluate;
  evaluate.set_programme_id(kExampleProgrammeId);
  evaluate.set_findings(
      "Vier van de vijf uitgevoerde experimenten leverden bruikbare vormen op; het digitale "
      "platform niet (demo).");
  evaluate.add_recommendations(
      "Straatgewijze intake en vaste regisseur voor initiatieven voortzetten.");
  evaluate.add_recommendations("Terugkoppeling aan deelnemers vooraf plannen.");
  evaluate.mutable_report()->set_document_id("evaluatie-lv-2024-2027");
  evaluate.mutable_report()->set_title("Evaluatie experimenteerprogramma 2024-2027 (demo)");
  *evaluate.mutable_evaluated_on() = s.today();
  s.Add("evaluate-programme", kEvaluator, evaluate, "The programme is evaluated.");
  s.On(2027, 3, 31);
  v1::CloseProgramme close;
  close.set_programme_id(kExampleProgrammeId);
  close.set_note("Lessen gaan naar het volgende experimenteerprogramma.");
  *close.mutable_closed_on() = s.today();
  s.Add("close", kPm, close, "The programme is closed.");
}

}  // namespace

void AddExecution(StepList& s) {
  AddStarts(s);
  AddFirstRun(s);
  AddWinter(s);
  AddEvaluations(s);
  AddSummer(s);
  AddClosing(s);
}

}  // namespace proeftuin::domain::example
