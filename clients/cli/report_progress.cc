#include "cli/report_progress.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/format.h"

namespace proeftuin::cli {
namespace {

using Facts = std::vector<std::pair<std::string, std::string>>;

// A value this build does not know: its enum name, else its number.
std::string Unknown(const google::protobuf::EnumDescriptor* d, int v) {
  std::string s = ShortEnum(d->FindValueByNumber(v));
  if (s.empty()) return absl::StrCat("onbekend (", v, ")");
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

std::string Nl(v1::ProgrammeStatus s) {
  switch (s) {
    case v1::PROGRAMME_STATUS_UNSPECIFIED: return "";
    case v1::PROGRAMME_STATUS_DRAFTED: return "ontwerp";
    case v1::PROGRAMME_STATUS_SUBMITTED_TO_COUNCIL: return "aangeboden aan de raad voor wensen en bedenkingen";
    case v1::PROGRAMME_STATUS_ADOPTED: return "vastgesteld door het college";
    case v1::PROGRAMME_STATUS_EVALUATED: return "geëvalueerd";
    case v1::PROGRAMME_STATUS_CLOSED: return "afgesloten";
    default: return Unknown(v1::ProgrammeStatus_descriptor(), s);
  }
}

std::string Nl(v1::ExperimentStatus s) {
  switch (s) {
    case v1::EXPERIMENT_STATUS_UNSPECIFIED: return "";
    case v1::EXPERIMENT_STATUS_PROPOSED: return "voorgesteld";
    case v1::EXPERIMENT_STATUS_SELECTED: return "geselecteerd, niet gestart";
    case v1::EXPERIMENT_STATUS_STARTED: return "loopt";
    case v1::EXPERIMENT_STATUS_COMPLETED: return "afgerond, evaluatie volgt";
    case v1::EXPERIMENT_STATUS_STOPPED_EARLY: return "voortijdig gestopt, evaluatie volgt";
    case v1::EXPERIMENT_STATUS_NOT_EVALUABLE: return "niet evalueerbaar";
    case v1::EXPERIMENT_STATUS_EVALUATED: return "geëvalueerd";
    case v1::EXPERIMENT_STATUS_WITHDRAWN: return "ingetrokken";
    case v1::EXPERIMENT_STATUS_REJECTED: return "afgewezen";
    default: return Unknown(v1::ExperimentStatus_descriptor(), s);
  }
}

std::string Nl(v1::ParticipationLevel l) {
  switch (l) {
    case v1::PARTICIPATION_LEVEL_UNSPECIFIED: return "";
    case v1::PARTICIPATION_LEVEL_INFORM: return "informeren";
    case v1::PARTICIPATION_LEVEL_CONSULT: return "raadplegen";
    case v1::PARTICIPATION_LEVEL_ADVISE: return "adviseren";
    case v1::PARTICIPATION_LEVEL_CO_PRODUCE: return "coproduceren";
    case v1::PARTICIPATION_LEVEL_CO_DECIDE: return "meebeslissen";
    case v1::PARTICIPATION_LEVEL_SELF_ORGANISE: return "zelf organiseren";
    default: return Unknown(v1::ParticipationLevel_descriptor(), l);
  }
}

std::string Nl(v1::Conclusion c) {
  switch (c) {
    case v1::CONCLUSION_UNSPECIFIED: return "";
    case v1::CONCLUSION_CONTINUE: return "voortzetten";
    case v1::CONCLUSION_ADAPT: return "aanpassen";
    case v1::CONCLUSION_STOP: return "stoppen";
    default: return Unknown(v1::Conclusion_descriptor(), c);
  }
}

std::string Nl(v1::Score s) {
  switch (s) {
    case v1::SCORE_UNSPECIFIED: return "";
    case v1::SCORE_GOOD: return "goed";
    case v1::SCORE_SUFFICIENT: return "voldoende";
    case v1::SCORE_INSUFFICIENT: return "onvoldoende";
    default: return Unknown(v1::Score_descriptor(), s);
  }
}

std::string Nl(v1::CouncilInputKind k) {
  switch (k) {
    case v1::COUNCIL_INPUT_KIND_UNSPECIFIED: return "inbreng";
    case v1::COUNCIL_INPUT_KIND_WISH: return "wens";
    case v1::COUNCIL_INPUT_KIND_OBJECTION: return "bedenking";
    default: return Unknown(v1::CouncilInputKind_descriptor(), k);
  }
}

std::string Nl(v1::CouncilInputSourceKind k) {
  switch (k) {
    case v1::COUNCIL_INPUT_SOURCE_KIND_UNSPECIFIED: return "";
    case v1::COUNCIL_INPUT_SOURCE_KIND_MOTION: return "motie";
    case v1::COUNCIL_INPUT_SOURCE_KIND_MINUTES: return "verslag of besluitenlijst";
    case v1::COUNCIL_INPUT_SOURCE_KIND_PARTY: return "inbreng van een fractie";
    case v1::COUNCIL_INPUT_SOURCE_KIND_LETTER: return "brief";
    default: return Unknown(v1::CouncilInputSourceKind_descriptor(), k);
  }
}

std::string Nl(v1::Disposition d) {
  switch (d) {
    case v1::DISPOSITION_UNSPECIFIED: return "";
    case v1::DISPOSITION_ADOPTED: return "overgenomen";
    case v1::DISPOSITION_PARTLY_ADOPTED: return "deels overgenomen";
    case v1::DISPOSITION_NOT_ADOPTED: return "niet overgenomen";
    default: return Unknown(v1::Disposition_descriptor(), d);
  }
}

std::string Nl(v1::DecidingBody b) {
  switch (b) {
    case v1::DECIDING_BODY_UNSPECIFIED: return "";
    case v1::DECIDING_BODY_COLLEGE: return "college";
    case v1::DECIDING_BODY_COUNCIL: return "raad";
    case v1::DECIDING_BODY_MAYOR: return "burgemeester";
    default: return Unknown(v1::DecidingBody_descriptor(), b);
  }
}

std::string Nl(v1::KnowledgeSessionKind k) {
  switch (k) {
    case v1::KNOWLEDGE_SESSION_KIND_UNSPECIFIED: return "";
    case v1::KNOWLEDGE_SESSION_KIND_DIGITAL_CONVERSATION_TABLE: return "digitale gesprekstafel";
    case v1::KNOWLEDGE_SESSION_KIND_CONVERSATION_TABLE: return "gesprekstafel";
    case v1::KNOWLEDGE_SESSION_KIND_MEETING: return "bijeenkomst";
    case v1::KNOWLEDGE_SESSION_KIND_ADVISORY_COUNCIL: return "adviesraad";
    case v1::KNOWLEDGE_SESSION_KIND_NEIGHBOURHOOD_CONSULTATION: return "wijkoverleg";
    case v1::KNOWLEDGE_SESSION_KIND_OTHER: return "anders";
    default: return Unknown(v1::KnowledgeSessionKind_descriptor(), k);
  }
}

std::string Nl(v1::DecisionKind k) {
  switch (k) {
    case v1::DECISION_KIND_UNSPECIFIED: return "";
    case v1::DECISION_KIND_ADOPTION: return "vaststelling van het programma";
    case v1::DECISION_KIND_SELECTION: return "selectie van een experiment";
    case v1::DECISION_KIND_REJECTION: return "afwijzing van een experiment";
    case v1::DECISION_KIND_COUNCIL_RESPONSE: return "reactie op wens of bedenking";
    default: return Unknown(v1::DecisionKind_descriptor(), k);
  }
}

std::string Nl(v1::WarningKind k) {
  switch (k) {
    case v1::WARNING_KIND_UNSPECIFIED: return "";
    case v1::WARNING_KIND_OVER_ALLOCATED: return "meer toegekend dan begroot";
    case v1::WARNING_KIND_OVER_SPENT: return "meer besteed dan toegekend";
    case v1::WARNING_KIND_ALLOCATION_OUTSIDE_BUDGET_YEARS: return "toekenning buiten de begrotingsjaren";
    case v1::WARNING_KIND_SPENDING_OUTSIDE_BUDGET_YEARS: return "besteding buiten de begrotingsjaren";
    case v1::WARNING_KIND_PLANNING_OUTSIDE_PERIOD: return "planning buiten de programmaperiode";
    case v1::WARNING_KIND_MISSING_CRITERIA: return "geen toetsingscriteria";
    case v1::WARNING_KIND_MISSING_LEVEL: return "geen trede op de participatieladder en geen reden";
    case v1::WARNING_KIND_COUNCIL_INPUT_UNANSWERED: return "wens of bedenking nog zonder reactie van het college";
    case v1::WARNING_KIND_EVALUATION_OVERDUE: return "evaluatie over de geplande datum";
    case v1::WARNING_KIND_RESPONSE_DEADLINE_PASSED: return "reactietermijn van de raad verstreken";
    case v1::WARNING_KIND_EXPERIMENT_PAST_PLANNING_END: return "experiment loopt na het einde van de planning";
    case v1::WARNING_KIND_EXPERIMENT_NOT_STARTED: return "experiment niet gestart na het begin van de planning";
    default: return Unknown(v1::WarningKind_descriptor(), k);
  }
}

// Only what is not public is named.
std::string Nl(v1::Confidentiality c) {
  if (c == v1::CONFIDENTIALITY_UNSPECIFIED || c == v1::CONFIDENTIALITY_OPENBAAR) return "";
  return Unknown(v1::Confidentiality_descriptor(), c);
}

std::string Euro(const v1::Money& m) { return FormatEuro(m.cents()); }

std::string PeriodText(const v1::Period& p) {
  if (p.start().year() == 0 && p.end().year() == 0) return "";
  return FormatDate(p.start()) + " – " + FormatDate(p.end());
}

// A count in Dutch style: "1.460".
std::string Num(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += '.';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

std::string Count(int64_t n, const char* one, const char* many) { return Num(n) + " " + (n == 1 ? one : many); }

// "over 12 dagen", "vandaag", "3 dagen geleden".
std::string Days(int32_t n) {
  if (n == 0) return "vandaag";
  if (n > 0) return "over " + Count(n, "dag", "dagen");
  return Count(-static_cast<int64_t>(n), "dag", "dagen") + " geleden";
}

std::string YearAmounts(const google::protobuf::RepeatedPtrField<v1::BudgetYearAmount>& years) {
  std::vector<std::string> parts;
  for (const auto& y : years) parts.push_back(absl::StrCat(y.year(), ": ", Euro(y.amount())));
  return absl::StrJoin(parts, "; ");
}

std::string DocumentText(const v1::DocumentReference& d) {
  std::vector<std::string> parts;
  if (!d.title().empty()) parts.push_back(d.title());
  if (!d.document_id().empty()) parts.push_back("(" + d.document_id() + ")");
  if (!d.url().empty()) parts.push_back(d.url());
  return absl::StrJoin(parts, " ");
}

// "B&W 24.0512 (college, 2024-07-09, in werking 2024-07-10): omschrijving, url".
std::string DecisionText(const v1::DecisionReference& d) {
  std::vector<std::string> about;
  if (std::string body = Nl(d.deciding_body()); !body.empty()) about.push_back(body);
  if (d.decision_date().year() != 0) about.push_back(FormatDate(d.decision_date()));
  if (d.effective_date().year() != 0) about.push_back("in werking " + FormatDate(d.effective_date()));
  std::string out = d.identification();
  if (!about.empty()) out += (out.empty() ? "" : " ") + ("(" + absl::StrJoin(about, ", ") + ")");
  if (!d.description().empty()) out += (out.empty() ? "" : ": ") + d.description();
  if (!d.url().empty()) out += (out.empty() ? "" : ", ") + d.url();
  return out;
}

// "raadsvergadering 2024-07-02 (rv-2024-07), agendapunt 7.2; Raadsvoorstel ... (RV-24-031)".
std::string CouncilReferenceText(const v1::CouncilReference& c) {
  std::vector<std::string> parts;
  std::string meeting;
  if (c.meeting_date().year() != 0 || !c.meeting_id().empty()) {
    meeting = "raadsvergadering";
    if (c.meeting_date().year() != 0) meeting += " " + FormatDate(c.meeting_date());
    if (!c.meeting_id().empty()) meeting += " (" + c.meeting_id() + ")";
  }
  if (!c.agenda_item().empty()) meeting += (meeting.empty() ? "agendapunt " : ", agendapunt ") + c.agenda_item();
  if (!c.agenda_item_url().empty()) meeting += (meeting.empty() ? "" : " ") + c.agenda_item_url();
  if (!meeting.empty()) parts.push_back(meeting);
  std::string document = c.document_title();
  if (!c.document_id().empty()) document += (document.empty() ? "" : " ") + ("(" + c.document_id() + ")");
  if (!c.document_url().empty()) document += (document.empty() ? "" : " ") + c.document_url();
  if (!document.empty()) parts.push_back(document);
  return absl::StrJoin(parts, "; ");
}

std::string LevelText(const v1::ExperimentSummary& s) {
  if (s.level_waived()) return "geen participatie (met reden)";
  std::string level = Nl(s.participation_level());
  return level.empty() ? "niet opgegeven" : level;
}

std::string ReachText(const v1::ExperimentSummary& s) {
  return absl::StrCat(Count(s.activity_count(), "activiteit", "activiteiten"), ", ",
                      Count(s.participant_count(), "deelnemer", "deelnemers"), ", ", Num(s.seldom_heard_reached_count()),
                      " weinig gehoord");
}

void Add(Facts* facts, std::string key, std::string value) {
  if (!value.empty()) facts->emplace_back(std::move(key), std::move(value));
}

std::string DateText(const v1::Date& d) { return FormatDate(d); }

// Titles of the experiments the report names, by id.
class Titles {
 public:
  explicit Titles(const v1::ProgressReport& r) {
    for (const auto& e : r.budget().experiments()) titles_[e.experiment_id()] = e.title();
    for (const auto& e : r.other_proposals()) titles_[e.experiment_id()] = e.title();
    for (const auto& e : r.experiments()) titles_[e.summary().experiment_id()] = e.summary().title();
  }
  // "Title (id)", or the id alone.
  std::string Of(const std::string& id) const {
    auto it = titles_.find(id);
    if (it == titles_.end() || it->second.empty()) return id;
    return it->second + " (" + id + ")";
  }

 private:
  std::map<std::string, std::string> titles_;
};

ReportSection ProgrammeSection(const v1::ProgressReport& r) {
  const v1::ProgrammeDates& d = r.dates();
  const v1::ClockFacts& clock = r.clock();
  ReportSection s;
  s.heading = "Programma";
  Add(&s.facts, "Status", Nl(r.status()));
  std::string period = PeriodText(r.period());
  if (!period.empty() && clock.has_days_to_period_end()) period += " (einde " + Days(clock.days_to_period_end()) + ")";
  Add(&s.facts, "Periode", period);
  std::string evaluation = DateText(r.evaluation_date());
  if (!evaluation.empty() && clock.has_days_to_evaluation()) {
    evaluation += clock.evaluation_overdue() ? " (verstreken, " + Days(clock.days_to_evaluation()) + ", nog niet geëvalueerd)"
                                             : " (" + Days(clock.days_to_evaluation()) + ")";
  }
  Add(&s.facts, "Evaluatie gepland", evaluation);
  Add(&s.facts, "Opgesteld", DateText(d.drafted_on()));
  Add(&s.facts, "Aangeboden aan de raad", DateText(d.submitted_on()));
  const v1::CouncilReference& council = r.council_reference();
  std::string document = council.document_id();
  if (!council.document_title().empty()) {
    document += (document.empty() ? "" : ": ") + council.document_title();
  }
  Add(&s.facts, "Raadsvoorstel", document);
  std::string meeting = council.meeting_id();
  if (!DateText(council.meeting_date()).empty()) {
    meeting += (meeting.empty() ? "" : ", ") + DateText(council.meeting_date());
  }
  if (!council.agenda_item().empty()) {
    meeting += (meeting.empty() ? "" : ", ") + std::string("agendapunt ") + council.agenda_item();
  }
  Add(&s.facts, "Raadsvergadering", meeting);
  std::string deadline = DateText(d.response_deadline());
  if (!deadline.empty() && clock.has_days_to_response_deadline()) {
    deadline += " (" + Days(clock.days_to_response_deadline()) + ")";
  }
  Add(&s.facts, "Reactietermijn van de raad", deadline);
  Add(&s.facts, "Vastgesteld door het college", DateText(d.adopted_on()));
  Add(&s.facts, "Geëvalueerd", DateText(d.evaluated_on()));
  Add(&s.facts, "Afgesloten", DateText(d.closed_on()));
  return s;
}

ReportSection ProgressSection(const v1::ProgressReport& r) {
  const v1::ProgressRollUp& p = r.progress();
  ReportSection s;
  s.heading = "Voortgang";
  s.facts = {{"Experimenten in het programma", absl::StrCat(p.experiments(), " (geselecteerd en niet ingetrokken)")},
             {"Niet gestart", absl::StrCat(p.not_started())},
             {"Lopend", absl::StrCat(p.running())},
             {"Afgerond of gestopt, evaluatie volgt", absl::StrCat(p.awaiting_evaluation())},
             {"Geëvalueerd", absl::StrCat(p.evaluated())},
             {"Niet evalueerbaar", absl::StrCat(p.not_evaluable())},
             {"Gemiddelde voortgang", absl::StrCat(p.average_progress_percent(), " % (gestarte en beëindigde experimenten tellen als 100 %)")},
             {"Activiteiten", Num(p.activity_count())},
             {"Deelnemers", Num(p.participant_count())},
             {"Weinig gehoorde inwoners bereikt", Num(p.seldom_heard_reached_count())}};
  return s;
}

std::vector<ReportSection> BudgetSections(const v1::ProgressReport& r, const Titles& titles) {
  const v1::BudgetView& b = r.budget();
  ReportSection s;
  s.heading = "Begroting";
  Add(&s.facts, "Bron", b.source());
  s.table_headers = {"Jaar", "Begroot", "Toegekend", "Besteed", "Vrij te besteden", "Resterend"};
  s.numeric_columns = {1, 2, 3, 4, 5};
  auto row = [](std::string label, const v1::BudgetLine& l) {
    return std::vector<std::string>{std::move(label),   Euro(l.budget()),      Euro(l.allocated()),
                                    Euro(l.spent()),    Euro(l.unallocated()), Euro(l.remaining())};
  };
  for (const auto& y : b.years()) {
    s.table_rows.push_back(row(absl::StrCat(y.year(), y.is_budget_year() ? "" : " (geen begrotingsjaar)"), y));
  }
  s.table_rows.push_back(row("Totaal", b.total()));
  s.paragraphs = {"Toegekend: aan experimenten toegekend en niet vrijgevallen. Vrij te besteden: begroot min "
                  "toegekend. Resterend: begroot min besteed."};

  ReportSection e;
  e.level = 3;
  e.heading = "Budget per experiment";
  e.table_headers = {"Experiment", "Toegekend", "Besteed", "Overschreden", "Toegekend per jaar", "Besteed per jaar"};
  e.numeric_columns = {1, 2, 3};
  for (const auto& x : b.experiments()) {
    e.table_rows.push_back({titles.Of(x.experiment_id()) + (x.released() ? " (ingetrokken; toekenning vrijgevallen)" : ""),
                            Euro(x.allocated()), Euro(x.spent()), Euro(x.overspent()), YearAmounts(x.allocated_per_year()),
                            YearAmounts(x.spent_per_year())});
  }
  if (e.table_rows.empty()) {
    e.table_headers.clear();
    e.paragraphs = {"Nog geen experimenten met een toekenning of bestedingen."};
  }
  return {s, e};
}

ReportSection ExperimentsTable(const v1::ProgressReport& r) {
  ReportSection s;
  s.heading = "Experimenten";
  if (r.experiments_size() == 0) {
    s.paragraphs = {"Nog geen experimenten geselecteerd."};
    return s;
  }
  s.table_headers = {"Experiment", "Status", "Trede", "Planning", "Toegekend", "Besteed", "Voortgang", "Bereik"};
  s.numeric_columns = {4, 5, 6};
  for (const auto& x : r.experiments()) {
    const v1::ExperimentSummary& e = x.summary();
    s.table_rows.push_back({e.title() + " (" + e.experiment_id() + ")", Nl(e.status()), LevelText(e),
                            PeriodText(e.planning()), Euro(e.allocated()), Euro(e.spent()),
                            absl::StrCat(e.progress_percent(), " %"), ReachText(e)});
  }
  s.paragraphs = {"Voortgang: het laatst gerapporteerde percentage; een gestart en beëindigd experiment staat op 100 %. "
                  "Toegekend: na intrekking vrijgevallen toekenningen tellen niet mee."};
  return s;
}

std::string ScoreExplanation(const v1::CriterionScore& sc) {
  std::vector<std::string> parts;
  if (!sc.explanation().empty()) parts.push_back(sc.explanation());
  std::vector<std::string> evidence;
  for (const auto& d : sc.evidence()) {
    if (std::string t = DocumentText(d); !t.empty()) evidence.push_back(t);
  }
  if (!evidence.empty()) parts.push_back("onderbouwing: " + absl::StrJoin(evidence, "; "));
  if (!sc.assessor().empty()) parts.push_back("beoordeeld door " + sc.assessor());
  return absl::StrJoin(parts, "; ");
}

ReportSection ExperimentDetail(const v1::ExperimentReport& x) {
  const v1::ExperimentSummary& e = x.summary();
  const v1::ExperimentBudget& b = x.budget();
  const v1::EvaluationView& ev = x.evaluation();
  ReportSection s;
  s.level = 3;
  s.heading = e.title().empty() ? e.experiment_id() : e.title();
  Add(&s.facts, "Experiment", e.experiment_id());
  Add(&s.facts, "Status", Nl(e.status()));
  Add(&s.facts, "Vertrouwelijkheid", Nl(e.confidentiality()));
  Add(&s.facts, "Trede", LevelText(e));
  Add(&s.facts, "Planning", PeriodText(e.planning()));
  if (e.added_after_adoption()) Add(&s.facts, "Toegevoegd", "na de vaststelling van het programma");
  Add(&s.facts, "Gestart", DateText(e.started_on()));
  Add(&s.facts, "Beëindigd", DateText(e.ended_on()));
  Add(&s.facts, "Voortgang", absl::StrCat(e.progress_percent(), " %"));
  Add(&s.facts, "Laatste voortgangsmelding", x.progress_note());
  Add(&s.facts, "Reden", x.end_reason());
  Add(&s.facts, "Bereik", ReachText(e));
  std::string allocated = Euro(b.allocated());
  if (b.released()) allocated += " (toekenning vrijgevallen bij intrekking)";
  if (b.allocated_per_year_size() > 0) allocated += "; per jaar " + YearAmounts(b.allocated_per_year());
  Add(&s.facts, "Toegekend", allocated);
  std::string spent = Euro(b.spent());
  if (b.spent_per_year_size() > 0) spent += "; per jaar " + YearAmounts(b.spent_per_year());
  Add(&s.facts, "Besteed", spent);
  if (b.overspent().cents() != 0) Add(&s.facts, "Overschreden", Euro(b.overspent()));
  if (ev.evaluated()) {
    Add(&s.facts, "Geëvalueerd op", DateText(ev.evaluated_on()));
    Add(&s.facts, "Oordeel",
        absl::StrCat(ev.good_count(), " goed, ", ev.sufficient_count(), " voldoende, ", ev.insufficient_count(),
                     " onvoldoende: ", ev.overall_sufficient() ? "voldoende" : "onvoldoende",
                     " volgens het gemeenschappelijk toetsingskader"));
    Add(&s.facts, "Conclusie", Nl(ev.conclusion()));
    Add(&s.facts, "Lessen", ev.lessons());
    Add(&s.facts, "Evaluatierapport", DocumentText(ev.report()));
  } else {
    Add(&s.facts, "Evaluatie", "nog niet geëvalueerd");
  }
  if (ev.criteria_size() > 0) {
    s.table_headers = {"Toetsingscriterium", "Wat", "Indicator", "Norm", "Score", "Toelichting"};
    for (const auto& c : ev.criteria()) {
      s.table_rows.push_back({c.criterion().criterion_id(), c.criterion().description(), c.criterion().indicator(),
                              c.criterion().norm(), Nl(c.score().score()), ScoreExplanation(c.score())});
    }
  }
  return s;
}

ReportSection OtherProposals(const v1::ProgressReport& r) {
  ReportSection s;
  s.heading = "Overige voorstellen";
  if (r.other_proposals_size() == 0) {
    s.paragraphs = {"Geen: elk voorstel is geselecteerd."};
    return s;
  }
  s.table_headers = {"Voorstel", "Status", "Trede", "Planning", "Toetsingscriteria"};
  s.numeric_columns = {4};
  for (const auto& e : r.other_proposals()) {
    s.table_rows.push_back({e.title() + " (" + e.experiment_id() + ")", Nl(e.status()), LevelText(e),
                            PeriodText(e.planning()), absl::StrCat(e.criteria_count())});
  }
  return s;
}

std::vector<ReportSection> CouncilSections(const v1::ProgressReport& r, const Titles& titles) {
  std::vector<ReportSection> out;
  ReportSection s;
  s.heading = "Wensen en bedenkingen van de raad";
  if (r.council_inputs_size() == 0) {
    s.paragraphs = {"De raad heeft (nog) geen wensen of bedenkingen ingebracht."};
    out.push_back(s);
    return out;
  }
  s.facts = {{"Ingebracht", absl::StrCat(r.council_inputs_size())},
             {"Nog zonder reactie van het college",
              r.open_council_inputs_size() == 0
                  ? "geen"
                  : absl::StrCat(r.open_council_inputs_size(), ": ", absl::StrJoin(r.open_council_inputs(), ", "))}};
  out.push_back(s);
  for (const auto& v : r.council_inputs()) {
    const v1::CouncilInputRecorded& in = v.input();
    ReportSection i;
    i.level = 3;
    std::string kind = Nl(in.kind());
    if (!kind.empty()) kind[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(kind[0])));
    i.heading = kind + " " + in.input_id() + (v.answered() ? "" : " (open)");
    Add(&i.facts, "Tekst", in.text());
    std::string source = Nl(in.source_kind());
    if (!in.source_reference().empty()) source += (source.empty() ? "" : ": ") + in.source_reference();
    Add(&i.facts, "Bron", source);
    Add(&i.facts, "Fractie", in.party());
    Add(&i.facts, "Betreft", in.experiment_id().empty() ? "het programma" : titles.Of(in.experiment_id()));
    Add(&i.facts, "Ingebracht in", CouncilReferenceText(in.council_reference()));
    Add(&i.facts, "Ontvangen", DateText(in.received_on()));
    if (v.answered()) {
      const v1::CouncilInputAnswered& a = v.answer();
      Add(&i.facts, "Reactie van het college", Nl(a.disposition()));
      Add(&i.facts, "Motivering", a.motivation());
      Add(&i.facts, "Besluit", DecisionText(a.decision()));
      Add(&i.facts, "Beantwoord op", DateText(a.answered_on()));
    } else {
      Add(&i.facts, "Reactie van het college", "nog niet gegeven (open)");
    }
    if (v.correction_count() > 0) Add(&i.facts, "Correcties", Count(v.correction_count(), "correctie", "correcties") + " verwerkt");
    out.push_back(std::move(i));
  }
  return out;
}

ReportSection KnowledgeSessions(const v1::ProgressReport& r, const Titles& titles) {
  const v1::KnowledgeSessionsView& k = r.knowledge_sessions();
  ReportSection s;
  s.heading = "Kennissessies";
  s.facts = {{"Aantal", absl::StrCat(k.count())},
             {"Deelnemers (alle sessies)", Num(k.attendee_count())},
             {"Weinig gehoorde groepen bereikt",
              k.seldom_heard_groups_reached_size() == 0 ? "geen" : absl::StrJoin(k.seldom_heard_groups_reached(), ", ")},
             {"Organisaties", k.organisations_size() == 0 ? "geen" : absl::StrJoin(k.organisations(), ", ")}};
  if (k.sessions_size() == 0) return s;
  s.table_headers = {"Datum", "Sessie", "Soort", "Deelnemers", "Organisaties", "Weinig gehoorde groepen",
                     "Besproken experimenten", "Wat besproken en geleerd is"};
  s.numeric_columns = {3};
  for (const auto& v : k.sessions()) {
    const v1::KnowledgeSessionHeld& h = v.session();
    std::vector<std::string> experiments;
    for (const auto& id : h.experiment_ids()) experiments.push_back(titles.Of(id));
    std::string title = h.title();
    if (!h.session_id().empty()) title += (title.empty() ? "" : " ") + ("(" + h.session_id() + ")");
    if (v.correction_count() > 0) title += " (gecorrigeerd)";
    s.table_rows.push_back({DateText(h.held_on()), title, Nl(h.kind()), Num(h.attendee_count()),
                            absl::StrJoin(h.organisations(), ", "), absl::StrJoin(h.seldom_heard_groups_reached(), ", "),
                            absl::StrJoin(experiments, ", "), h.summary()});
  }
  return s;
}

ReportSection Decisions(const v1::ProgressReport& r, const Titles& titles) {
  ReportSection s;
  s.heading = "Besluiten";
  if (r.decisions_size() == 0) {
    s.paragraphs = {"Nog geen besluiten."};
    return s;
  }
  s.table_headers = {"Datum", "Besluit", "Genomen door", "Soort", "Betreft", "Omschrijving"};
  for (const auto& v : r.decisions()) {
    const v1::DecisionReference& d = v.decision();
    std::string date = DateText(d.decision_date());
    if (d.has_effective_date() && d.effective_date().year() != 0) {
      date += " (in werking " + FormatDate(d.effective_date()) + ")";
    }
    std::vector<std::string> about;
    if (!v.experiment_id().empty()) about.push_back(titles.Of(v.experiment_id()));
    if (!v.input_id().empty()) about.push_back(v.input_id());
    std::string description = d.description();
    if (!d.url().empty()) description += (description.empty() ? "" : ", ") + d.url();
    s.table_rows.push_back({date, d.identification(), Nl(d.deciding_body()), Nl(v.kind()),
                            about.empty() ? "het programma" : absl::StrJoin(about, ", "), description});
  }
  return s;
}

ReportSection Warnings(const v1::ProgressReport& r, const Titles& titles) {
  ReportSection s;
  s.heading = "Signaleringen";
  if (r.warnings_size() == 0) {
    s.paragraphs = {"Geen."};
    return s;
  }
  s.table_headers = {"Signalering", "Betreft", "Toelichting"};
  for (const auto& w : r.warnings()) {
    std::vector<std::string> about;
    if (!w.experiment_id().empty()) about.push_back(titles.Of(w.experiment_id()));
    if (!w.subject().empty()) about.push_back(w.subject());
    // A server from before message_nl sends the English sentence only.
    s.table_rows.push_back({Nl(w.kind()), about.empty() ? "het programma" : absl::StrJoin(about, ", "),
                            w.message_nl().empty() ? w.message() : w.message_nl()});
  }
  return s;
}

std::vector<ReportSection> Evaluation(const v1::ProgressReport& r) {
  ReportSection s;
  s.heading = "Evaluatie van het programma";
  if (!r.has_evaluation()) {
    s.paragraphs = {"Het programma is nog niet geëvalueerd."};
    return {s};
  }
  const v1::ProgrammeEvaluated& e = r.evaluation();
  Add(&s.facts, "Geëvalueerd op", DateText(e.evaluated_on()));
  Add(&s.facts, "Evaluatierapport", DocumentText(e.report()));
  if (!e.findings().empty()) s.paragraphs = {e.findings()};
  if (e.recommendations_size() == 0) return {s};
  ReportSection rec;
  rec.level = 3;
  rec.heading = "Aanbevelingen voor het volgende programma";
  rec.items.assign(e.recommendations().begin(), e.recommendations().end());
  return {s, rec};
}

}  // namespace

ReportDocument ProgressReportDocument(const v1::ProgressReport& r) {
  const Titles titles(r);
  ReportDocument d;
  d.title = "Voortgangsrapportage " + r.title();
  d.subtitle = absl::StrCat("Programma ", r.programme_id(), " · peildatum ", FormatDate(r.report_date()),
                            " · stand van het logboek: positie ", r.as_of_position(), " · bedragen in euro");
  auto append = [&d](std::vector<ReportSection> sections) {
    for (auto& s : sections) d.sections.push_back(std::move(s));
  };
  d.sections.push_back(ProgrammeSection(r));
  d.sections.push_back(ProgressSection(r));
  append(BudgetSections(r, titles));
  d.sections.push_back(ExperimentsTable(r));
  for (const auto& x : r.experiments()) d.sections.push_back(ExperimentDetail(x));
  d.sections.push_back(OtherProposals(r));
  append(CouncilSections(r, titles));
  d.sections.push_back(KnowledgeSessions(r, titles));
  d.sections.push_back(Decisions(r, titles));
  d.sections.push_back(Warnings(r, titles));
  append(Evaluation(r));
  return d;
}

}  // namespace proeftuin::cli
