// The seven experiments of the example programme (DOMAIN.md). Amounts, hours and plannings are
// invented but plausible.
#include <array>

#include "domain/dates.h"
#include "domain/internal/example_data.h"

namespace proeftuin::domain::example {
namespace {

using YMD = std::array<int, 3>;

// What differs between the example's experiments.
struct Spec {
  const char* id;
  const char* title;
  const char* form;
  const char* trajectory;
  v1::PolicyPhase phase;
  v1::ParticipationLevel level;
  const char* area;
  const char* target_group;
  const char* seldom_heard_group;
  const char* design;
  const char* involvement;
  int64_t requested_euros;
  int hours;
  YMD start;
  YMD end;
  const char* milestone;
  YMD milestone_on;
  v1::ProposerKind proposer;
  const char* organisation;
  const char* criterion_id;
  const char* criterion;
  const char* norm;
};

v1::Date ToDate(const YMD& d) { return MakeDate(d[0], d[1], d[2]); }

void AddCriterion(v1::ExperimentDesign* design, const char* id, const char* description,
                  const char* indicator, const char* norm) {
  v1::EvaluationCriterion* c = design->add_criteria();
  c->set_criterion_id(id);
  c->set_description(description);
  c->set_indicator(indicator);
  c->set_norm(norm);
}

void AddTargetGroups(const Spec& s, v1::ExperimentDesign* design) {
  v1::TargetGroup* group = design->add_target_groups();
  group->set_name(s.target_group);
  group = design->add_target_groups();
  group->set_name(s.seldom_heard_group);
  group->set_seldom_heard(true);
}

void SetConditions(const Spec& s, v1::ExecutionConditions* c) {
  c->set_design(s.design);
  c->set_resident_involvement(s.involvement);
  *c->mutable_budget_requested() = Euro(s.requested_euros);
  c->set_civil_servant_hours(s.hours);
  c->set_resources_note("Bedragen en uren zijn demo-gegevens (verzonnen maar plausibel).");
  *c->mutable_planning()->mutable_start() = ToDate(s.start);
  *c->mutable_planning()->mutable_end() = ToDate(s.end);
  v1::Milestone* m = c->mutable_planning()->add_milestones();
  m->set_name(s.milestone);
  *m->mutable_due_on() = ToDate(s.milestone_on);
}

v1::ProposeExperiment Build(const Spec& s) {
  v1::ProposeExperiment p;
  p.set_programme_id(kExampleProgrammeId);
  p.set_experiment_id(s.id);
  v1::ExperimentDesign* d = p.mutable_design();
  d->set_title(s.title);
  d->set_participation_form(s.form);
  d->set_policy_trajectory(s.trajectory);
  d->set_policy_phase(s.phase);
  d->set_participation_level(s.level);
  d->add_areas(s.area);
  AddTargetGroups(s, d);
  SetConditions(s, d->mutable_conditions());
  AddCriterion(d, "bereik", "Bereik en inclusiviteit: wie deed mee, ook wie weinig gehoord wordt",
               "deelnemers en aandeel weinig gehoorde groepen",
               "voldoende: breder dan gebruikelijk");
  AddCriterion(d, "invloed",
               "Invloed: wat deed het beleid met de inbreng (trede beloofd vs. bereikt)",
               "besluiten die de inbreng aantoonbaar gebruiken", "trede gehaald zoals beloofd");
  AddCriterion(d, "terugkoppeling", "Terugkoppeling aan deelnemers",
               "deelnemers die terugkoppeling kregen", "alle deelnemers binnen 6 weken");
  AddCriterion(d, s.criterion_id, s.criterion, "zie ontwerp", s.norm);
  p.mutable_proposer()->set_kind(s.proposer);
  p.mutable_proposer()->set_organisation(s.organisation);
  p.mutable_proposer()->set_channel("intake experimenteerprogramma");
  return p;
}

constexpr Spec kSpecs[] = {
    {kIntake,
     "Straatgewijze intake Voorburg-Noord",
     "Straatgewijze intake: per straat huis-aan-huis gesprekken voordat plannen worden gemaakt",
     "Wijkaanpak Voorburg-Noord",
     v1::POLICY_PHASE_DEVELOPMENT,
     v1::PARTICIPATION_LEVEL_ADVISE,
     "Voorburg-Noord",
     "bewoners van Voorburg-Noord",
     "huurders en anderstalige bewoners",
     "Per straat een gespreksronde aan de deur en een straatbijeenkomst",
     "Bewoners bepalen per straat de drie belangrijkste opgaven",
     20'000,
     240,
     {2024, 9, 1},
     {2025, 6, 30},
     "alle straten van fase 1 bezocht",
     {2025, 1, 31},
     v1::PROPOSER_KIND_CIVIL_SERVANT,
     "Team Wijkzaken",
     "opbrengst",
     "Bruikbaarheid van de opgehaalde opgaven voor de wijkaanpak",
     "opgaven opgenomen in wijkplan"},
    {kParking,
     "Online raadpleging parkeren rond de Mall",
     "Online raadpleging van circa 5.000 huishoudens",
     "Parkeerbeleid rond de Mall of the Netherlands",
     v1::POLICY_PHASE_DEVELOPMENT,
     v1::PARTICIPATION_LEVEL_CONSULT,
     "Leidschendam",
     "circa 5.000 huishoudens rond de Mall",
     "ouderen zonder internet (papieren variant)",
     "Online vragenlijst met kaartmodule, papieren variant op aanvraag",
     "Huishoudens geven hun voorkeur voor parkeerregulering per straat",
     15'000,
     120,
     {2024, 9, 15},
     {2024, 12, 20},
     "raadpleging gesloten",
     {2024, 11, 15},
     v1::PROPOSER_KIND_CIVIL_SERVANT,
     "Team Mobiliteit",
     "respons",
     "Respons op de raadpleging",
     "minstens 25% van de huishoudens"},
    {kGardens,
     "Sneller afhandelen van inwonersinitiatieven (adoptietuinen)",
     "Inwonersinitiatieven zoals adoptietuinen binnen vier weken afhandelen met een vaste "
     "regisseur",
     "Beheer openbare ruimte: adoptiegroen",
     v1::POLICY_PHASE_EXECUTION,
     v1::PARTICIPATION_LEVEL_SELF_ORGANISE,
     "Leidschendam-Voorburg",
     "initiatiefnemers groen",
     "bewoners die nog nooit een initiatief indienden",
     "Eén regisseur per initiatief, vaste doorlooptijd, eenvoudig aanvraagformulier",
     "Bewoners beheren zelf hun adoptietuin",
     18'000,
     160,
     {2024, 9, 1},
     {2025, 9, 30},
     "twintig initiatieven afgehandeld",
     {2025, 3, 31},
     v1::PROPOSER_KIND_RESIDENT,
     "",
     "doorlooptijd",
     "Doorlooptijd van aanvraag tot besluit",
     "binnen vier weken"},
    {kChallenge,
     "Uitdaagrecht (right to challenge)",
     "Inwoners dagen de gemeente uit een taak zelf beter uit te voeren",
     "Uitvoering gemeentelijke taken in de openbare ruimte",
     v1::POLICY_PHASE_EXECUTION,
     v1::PARTICIPATION_LEVEL_CO_DECIDE,
     "Leidschendam-Voorburg",
     "bewonersgroepen en verenigingen",
     "kleine buurtinitiatieven zonder rechtsvorm",
     "Procedure en toetsingskader voor uitdagingen, twee pilots",
     "Bewoners nemen een taak over",
     30'000,
     300,
     {2024, 11, 1},
     {2026, 12, 31},
     "eerste uitdaging gehonoreerd",
     {2025, 6, 30},
     v1::PROPOSER_KIND_COUNCIL_MEMBER,
     "gemeenteraad",
     "overdracht",
     "Taken daadwerkelijk overgedragen aan inwoners",
     "minstens één taak"},
    {kAssembly,
     "Burgerberaad klimaat",
     "Burgerberaad van gelote inwoners",
     "Klimaatadaptatie",
     v1::POLICY_PHASE_DEVELOPMENT,
     v1::PARTICIPATION_LEVEL_CO_DECIDE,
     "Leidschendam-Voorburg",
     "gelote inwoners",
     "jongeren onder de 25",
     "Zes bijeenkomsten met deskundigen, advies aan de raad",
     "Gelote inwoners adviseren",
     90'000,
     600,
     {2025, 1, 1},
     {2025, 12, 31},
     "advies aan de raad",
     {2025, 11, 30},
     v1::PROPOSER_KIND_ORGANISATION,
     "Platform Lokale Democratie",
     "advies",
     "Kwaliteit van het advies",
     "advies overgenomen of gemotiveerd afgewezen"},
    {kYouthPanel,
     "Jongerenpanel Stompwijk",
     "Vast jongerenpanel dat meedenkt over de dorpsvisie",
     "Dorpsvisie Stompwijk",
     v1::POLICY_PHASE_DEVELOPMENT,
     v1::PARTICIPATION_LEVEL_ADVISE,
     "Stompwijk",
     "jongeren uit Stompwijk",
     "jongeren die niet in verenigingen actief zijn",
     "Panel van vijftien jongeren, vier sessies",
     "Jongeren adviseren over de dorpsvisie",
     12'000,
     80,
     {2024, 10, 1},
     {2025, 6, 30},
     "advies opgeleverd",
     {2025, 5, 31},
     v1::PROPOSER_KIND_ORGANISATION,
     "Adviesraad Stompwijk",
     "continuiteit",
     "Panelleden die alle sessies bijwonen",
     "minstens tien"},
    {kPlatform,
     "Digitaal participatieplatform",
     "Doorlopend digitaal platform voor meedenken",
     "Omgevingsvisie",
     v1::POLICY_PHASE_DEVELOPMENT,
     v1::PARTICIPATION_LEVEL_CONSULT,
     "Leidschendam-Voorburg",
     "alle inwoners",
     "inwoners die niet naar bijeenkomsten komen",
     "Platform met peilingen, ideeën en terugkoppeling",
     "Inwoners reageren op voorstellen",
     20'000,
     100,
     {2024, 10, 1},
     {2025, 9, 30},
     "500 accounts",
     {2025, 1, 31},
     v1::PROPOSER_KIND_CIVIL_SERVANT,
     "Team Communicatie",
     "gebruik",
     "Actief gebruik van het platform",
     "minstens 500 actieve accounts"},
};

}  // namespace

std::vector<v1::ProposeExperiment> Proposals(const v1::Date& proposed_on) {
  std::vector<v1::ProposeExperiment> proposals;
  for (const Spec& spec : kSpecs) {
    v1::ProposeExperiment& proposal = proposals.emplace_back(Build(spec));
    *proposal.mutable_proposed_on() = proposed_on;
  }
  // Adoption gardens: proposed by a resident; the name and contact are personal data.
  v1::PersonContact* contact = proposals[2].mutable_proposer_contact();
  contact->set_name("M. Bakker (demo)");
  contact->set_email("m.bakker@example.nl");
  contact->set_address("Voorburg-Noord");
  return proposals;
}

v1::EvaluateExperiment Evaluation(const std::string& experiment_id, const v1::Date& evaluated_on,
                                  std::vector<v1::Score> scores, v1::Conclusion conclusion,
                                  const std::string& lessons) {
  v1::EvaluateExperiment evaluation;
  evaluation.set_programme_id(kExampleProgrammeId);
  evaluation.set_experiment_id(experiment_id);
  for (const v1::ProposeExperiment& proposal : Proposals(evaluated_on)) {  // for the criteria
    if (proposal.experiment_id() != experiment_id) continue;
    for (int i = 0; i < proposal.design().criteria_size(); ++i) {
      v1::CriterionScore* score = evaluation.add_scores();
      score->set_criterion_id(proposal.design().criteria(i).criterion_id());
      score->set_score(i < static_cast<int>(scores.size()) ? scores[i] : v1::SCORE_SUFFICIENT);
      score->set_assessor("Onderzoeker evaluatie (demo)");
      v1::DocumentReference* evidence = score->add_evidence();
      evidence->set_document_id("evaluatie-" + experiment_id);
      evidence->set_title("Evaluatieverslag (demo)");
    }
  }
  evaluation.set_conclusion(conclusion);
  evaluation.set_lessons(lessons);
  *evaluation.mutable_evaluated_on() = evaluated_on;
  return evaluation;
}

}  // namespace proeftuin::domain::example
