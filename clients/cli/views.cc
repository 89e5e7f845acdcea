#include "cli/views.h"

#include "absl/strings/str_join.h"
#include "cli/format.h"
#include "domain/streams.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

namespace proeftuin::cli {
namespace {

std::string PeriodText(const v1::Date& a, const v1::Date& b) {
  if (a.year() == 0 && b.year() == 0) return "";
  return FormatDate(a) + " – " + FormatDate(b);
}

std::string YearsText(const google::protobuf::RepeatedPtrField<v1::BudgetYearAmount>& years) {
  std::vector<std::string> parts;
  for (const auto& y : years) parts.push_back(std::to_string(y.year()) + ": " + FormatEuro(y.amount().cents()));
  return absl::StrJoin(parts, ", ");
}

std::string EuroText(const v1::Money& m) { return FormatEuro(m.cents()); }

// Days from today, as a person says it.
std::string DaysText(int32_t days) {
  if (days == 0) return "today";
  if (days == 1) return "tomorrow";
  if (days == -1) return "yesterday";
  return days > 0 ? "in " + std::to_string(days) + " days" : std::to_string(-days) + " days ago";
}

std::string Heading(std::string_view title, bool color) { return "\n" + Bold(title, color) + "\n"; }

// "over-spent"; a kind this CLI does not know yet by its number.
std::string WarningKindText(v1::WarningKind kind) {
  std::string name = ShortEnum(v1::WarningKind_descriptor()->FindValueByNumber(kind));
  if (name.empty()) return "warning " + std::to_string(static_cast<int>(kind));
  for (char& c : name) c = c == '_' ? '-' : c;
  return name;
}

// Each warning in English, its Dutch sentence (signalering) beneath it.
std::string WarningsText(const google::protobuf::RepeatedPtrField<v1::ViewWarning>& warnings, bool color) {
  std::string out = Heading("Warnings (signaleringen)", color);
  if (warnings.empty()) return out + "none\n";
  for (const v1::ViewWarning& w : warnings) {
    std::vector<std::string> about;
    if (!w.experiment_id().empty()) about.push_back(w.experiment_id());
    if (!w.subject().empty()) about.push_back(w.subject());
    out += "- " + Red(WarningKindText(w.kind()), color);
    if (!about.empty()) out += " (" + OneLine(absl::StrJoin(about, ", ")) + ")";
    out += ": " + OneLine(w.message()) + "\n";
    // A server from before message_nl sends the English sentence only.
    if (!w.message_nl().empty()) {
      out += "  " + Dim("nl:", color) + " " + OneLine(w.message_nl()) + "\n";
    }
  }
  return out;
}

// "not evaluable", "stopped early".
std::string ExperimentStatusText(v1::ExperimentStatus status) {
  std::string s = ShortEnum(v1::ExperimentStatus_descriptor()->FindValueByNumber(status));
  for (char& c : s) c = c == '_' ? ' ' : c;
  return s;
}

std::string CouncilText(const v1::ProgrammeState& p) {
  if (!p.has_submission()) return "not sent to the council yet";
  int answered = 0;
  for (const auto& in : p.council_inputs()) answered += in.answered() ? 1 : 0;
  return "sent " + FormatDate(p.submission().submitted_on()) + " (" + p.submission().council_reference().document_id() +
         "); " + std::to_string(p.council_inputs_size()) + " wish(es)/objection(s), " + std::to_string(answered) +
         " answered";
}

}  // namespace

Outcome FetchProgramme(Cli* cli, const std::string& id, v1::GetProgrammeResponse* out) {
  auto stub = v1::ProgrammeService::NewStub(cli->Channel());
  v1::GetProgrammeRequest req;
  req.set_programme_id(id);
  auto ctx = cli->Context();
  grpc::Status s = stub->GetProgramme(ctx.get(), req, out);
  if (!s.ok()) return FromStatus(s, ctx.get(), "show programme " + id);
  return Ok();
}

Outcome FetchProgramme(Cli* cli, const std::string& id, v1::ProgrammeState* out) {
  v1::GetProgrammeResponse resp;
  if (Outcome o = FetchProgramme(cli, id, &resp); o.exit_code != 0) return o;
  *out = std::move(*resp.mutable_programme());
  return Ok();
}

Outcome FetchExperiment(Cli* cli, const std::string& programme, const std::string& id,
                        v1::GetExperimentResponse* out) {
  auto stub = v1::ProgrammeService::NewStub(cli->Channel());
  v1::GetExperimentRequest req;
  req.set_programme_id(programme);
  req.set_experiment_id(id);
  auto ctx = cli->Context();
  grpc::Status s = stub->GetExperiment(ctx.get(), req, out);
  if (!s.ok()) return FromStatus(s, ctx.get(), "show experiment " + programme + "." + id);
  return Ok();
}

Outcome FetchExperiment(Cli* cli, const std::string& programme, const std::string& id, v1::ExperimentState* out) {
  v1::GetExperimentResponse resp;
  if (Outcome o = FetchExperiment(cli, programme, id, &resp); o.exit_code != 0) return o;
  *out = std::move(*resp.mutable_experiment());
  return Ok();
}

Outcome FetchExperiments(Cli* cli, const std::string& programme, std::vector<v1::ExperimentState>* out,
                         int64_t* as_of) {
  auto stub = v1::ProgrammeService::NewStub(cli->Channel());
  v1::ListExperimentsRequest req;
  req.set_programme_id(programme);
  req.set_page_size(500);
  for (;;) {
    v1::ListExperimentsResponse page;
    auto ctx = cli->Context();
    grpc::Status s = stub->ListExperiments(ctx.get(), req, &page);
    if (!s.ok()) return FromStatus(s, ctx.get(), "list the experiments of programme " + programme);
    for (auto& e : *page.mutable_experiments()) out->push_back(std::move(e));
    if (as_of != nullptr) *as_of = static_cast<int64_t>(page.as_of_position());
    if (page.next_page_token().empty()) return Ok();
    req.set_page_token(page.next_page_token());
  }
}

std::string AllocatedText(int64_t cents, bool released) {
  return released ? FormatEuro(0) + " (vrijgevallen / released)" : FormatEuro(cents);
}

int64_t AllocatedCents(const v1::ProgrammeState& p) {
  int64_t sum = 0;
  for (const auto& a : p.allocations()) {
    if (a.released()) continue;
    for (const auto& y : a.allocation()) sum += y.amount().cents();
  }
  return sum;
}

std::string StatusText(const v1::ProgrammeState& p) {
  return ShortEnum(v1::ProgrammeStatus_descriptor()->FindValueByNumber(p.status()));
}

std::string StatusText(const v1::ExperimentState& e) { return ExperimentStatusText(e.status()); }

std::string LevelText(const v1::ExperimentDesign& d) {
  if (d.participation_level() != v1::PARTICIPATION_LEVEL_UNSPECIFIED) {
    std::string level = ShortEnum(v1::ParticipationLevel_descriptor()->FindValueByNumber(d.participation_level()));
    for (char& c : level) c = c == '_' ? '-' : c;
    return level;
  }
  return d.level_waiver_reason().empty() ? "" : "none: " + d.level_waiver_reason();
}

std::string ProgrammeText(const v1::ProgrammeState& p, bool color) {
  const v1::ProgrammeDesign& d = p.design();
  std::string adoption;
  if (p.has_adoption()) adoption = p.adoption().identification() + " of " + FormatDate(p.adoption().decision_date());
  return KeyValues({{"Programme", p.programme_id()},
                    {"Title", d.title()},
                    {"Status", StatusText(p)},
                    {"Period", PeriodText(d.period().start(), d.period().end())},
                    {"Evaluation date", FormatDate(d.evaluation_date())},
                    {"Budget", FormatEuro(d.budget().total().cents()) + " (" + YearsText(d.budget().years()) + ")"},
                    {"Budget source", d.budget().source()},
                    {"Allocated", FormatEuro(AllocatedCents(p))},
                    {"Legal basis", d.legal_basis()},
                    {"Areas", absl::StrJoin(d.areas(), ", ")},
                    {"Council", CouncilText(p)},
                    {"Adoption", adoption},
                    {"Knowledge sessions", std::to_string(p.knowledge_sessions_size())},
                    {"Amendments", std::to_string(p.amendment_count())},
                    {"Corrections", std::to_string(p.correction_count())},
                    {"Version", std::to_string(p.stream_version())}},
                   color);
}

std::string ExperimentText(const v1::ExperimentState& e, const v1::ExperimentBudget* budget,
                           bool color) {
  const v1::ExperimentDesign& d = e.design();
  std::string allocated = YearsText(e.allocation());
  if (budget != nullptr && budget->released()) {
    allocated = FormatEuro(0) + " (vrijgevallen / released" +
                (allocated.empty() ? "" : "; was " + allocated) + ")";
  }
  std::vector<std::string> criteria;
  for (const auto& c : d.criteria()) criteria.push_back(c.criterion_id());
  return KeyValues(
      {{"Experiment", e.programme_id() + "." + e.experiment_id()},
       {"Title", d.title()},
       {"Status", StatusText(e)},
       {"Participation form", d.participation_form()},
       {"Policy trajectory", d.policy_trajectory()},
       {"Participation level", LevelText(d)},
       {"Areas", absl::StrJoin(d.areas(), ", ")},
       {"Planning", PeriodText(d.conditions().planning().start(), d.conditions().planning().end())},
       {"Requested", FormatEuro(d.conditions().budget_requested().cents())},
       {"Allocated", allocated},
       {"Spent", FormatEuro(e.spent().cents())},
       {"Activities", std::to_string(e.activity_count()) + " (" +
                          std::to_string(e.participant_count()) + " participants, " +
                          std::to_string(e.seldom_heard_reached_count()) + " seldom heard)"},
       {"Criteria", absl::StrJoin(criteria, ", ")},
       {"Conclusion",
        e.conclusion() == 0
            ? ""
            : ShortEnum(v1::Conclusion_descriptor()->FindValueByNumber(e.conclusion()))},
       {"End reason", e.end_reason()},
       {"Version", std::to_string(e.stream_version())}},
      color);
}

std::string ProgrammeViewText(const v1::ProgrammeView& v, bool color) {
  std::string out = Heading("Budget per year (begroting)", color);
  Table budget({"YEAR", "BUDGET", "ALLOCATED", "SPENT", "UNALLOCATED", "REMAINING"});
  for (size_t i = 1; i <= 5; ++i) budget.AlignRight(i);
  bool other_years = false;
  for (const v1::BudgetLine& y : v.budget().years()) {
    other_years |= !y.is_budget_year();
    budget.AddRow({std::to_string(y.year()) + (y.is_budget_year() ? "" : " *"), EuroText(y.budget()),
                   EuroText(y.allocated()), EuroText(y.spent()), EuroText(y.unallocated()), EuroText(y.remaining())});
  }
  const v1::BudgetLine& total = v.budget().total();
  budget.AddRow({"total", EuroText(total.budget()), EuroText(total.allocated()), EuroText(total.spent()),
                 EuroText(total.unallocated()), EuroText(total.remaining())});
  out += budget.Render(color);
  if (other_years) out += "* not a budget year of the programme\n";
  out += Dim("allocated: toegekend; spent: besteed; unallocated: vrij te besteden (budget - allocated); "
             "remaining: resterend (budget - spent)",
             color) +
         "\n";

  std::vector<std::string> by_status;
  for (const v1::StatusCount& c : v.experiments_by_status()) {
    by_status.push_back(std::to_string(c.count()) + " " + ExperimentStatusText(c.status()));
  }
  const v1::ProgressRollUp& progress = v.progress();
  std::vector<std::string> open_inputs(v.open_council_inputs().begin(), v.open_council_inputs().end());
  const v1::KnowledgeSessionsView& sessions = v.knowledge_sessions();
  std::vector<std::pair<std::string, Cell>> facts = {
      {"Experiments", std::to_string(v.experiments_size()) +
                          (by_status.empty() ? "" : " (" + absl::StrJoin(by_status, ", ") + ")")},
      {"Progress",
       progress.experiments() == 0
           ? "no experiment selected yet"
           : "average " + std::to_string(progress.average_progress_percent()) + " % over the " +
                 std::to_string(progress.experiments()) + " selected; " +
                 std::to_string(progress.activity_count()) + " activities, " +
                 std::to_string(progress.participant_count()) + " participants, " +
                 std::to_string(progress.seldom_heard_reached_count()) + " seldom-heard reached"},
      {"Council input", std::to_string(v.council_inputs_size()) +
                            " wish(es)/objection(s) (wensen en bedenkingen), " +
                            (open_inputs.empty() ? "none open"
                                                 : std::to_string(open_inputs.size()) +
                                                       " without the college's "
                                                       "response: " +
                                                       absl::StrJoin(open_inputs, ", "))},
      {"Session reach",
       std::to_string(sessions.attendee_count()) + " attendees at " +
           std::to_string(sessions.count()) + " knowledge session(s)" +
           (sessions.seldom_heard_groups_reached().empty()
                ? ""
                : "; seldom-heard groups reached: " +
                      absl::StrJoin(sessions.seldom_heard_groups_reached(), ", "))},
      {"Decisions", std::to_string(v.decisions_size())}};
  const v1::ClockFacts& clock = v.clock();
  facts.push_back({"Today", FormatDate(clock.today())});
  if (clock.has_days_to_period_end()) facts.push_back({"Period end", DaysText(clock.days_to_period_end())});
  if (clock.has_days_to_evaluation()) {
    facts.push_back({"Evaluation due", DaysText(clock.days_to_evaluation()) +
                                           (clock.evaluation_overdue() ? " (overdue: not evaluated)" : "")});
  }
  if (clock.has_days_to_response_deadline()) {
    facts.push_back({"Council's response due", DaysText(clock.days_to_response_deadline()) + " (reactietermijn)"});
  }
  out += Heading("Overview", color) + KeyValues(facts, color);
  return out + WarningsText(v.warnings(), color);
}

std::string ExperimentViewText(const v1::ExperimentView& v, bool color) {
  const v1::ExperimentBudget& money = v.budget();
  std::string spending = EuroText(money.spent()) + " of " + EuroText(money.allocated()) + " allocated";
  if (money.overspent().cents() > 0) spending += ", " + EuroText(money.overspent()) + " over";
  if (money.released()) spending += " (allocation released)";
  // As the programme counts it (the server's rule: 100 % once it ended after it started).
  std::string progress = std::to_string(v.counted_progress_percent()) + " %";
  if (v.counted_progress_percent() != v.progress_percent()) {
    progress += " (ended; last reported " + std::to_string(v.progress_percent()) + " %)";
  }
  std::vector<std::pair<std::string, Cell>> facts = {{"Progress", progress},
                                                     {"Spending", spending}};
  if (!v.reach().seldom_heard_groups_reached().empty()) {
    facts.push_back({"Seldom-heard reached", absl::StrJoin(v.reach().seldom_heard_groups_reached(), ", ")});
  }
  facts.push_back({"Progress reports", std::to_string(v.progress_reports_size())});
  facts.push_back({"Council input", std::to_string(v.council_inputs_size()) + " wish(es)/objection(s)"});
  facts.push_back({"Knowledge sessions", std::to_string(v.knowledge_sessions_size())});
  facts.push_back({"Corrections", std::to_string(v.corrections_size())});
  facts.push_back({"History", std::to_string(v.history_size()) + " events (proeftuin audit log --object " +
                                  domain::ExperimentStream(v.programme_id(), v.experiment_id()) + ")"});
  const v1::ClockFacts& clock = v.clock();
  facts.push_back({"Today", FormatDate(clock.today())});
  // The planning's end is a deadline while the experiment is selected or running.
  const bool under_way = v.status() == v1::EXPERIMENT_STATUS_SELECTED || v.status() == v1::EXPERIMENT_STATUS_STARTED;
  if (clock.has_days_to_planning_end() && under_way) {
    facts.push_back({"Planning end", DaysText(clock.days_to_planning_end())});
  }
  std::string out = Heading("Overview", color) + KeyValues(facts, color);

  const v1::EvaluationView& evaluation = v.evaluation();
  out += Heading("Evaluation against the criteria (toetsingscriteria)", color);
  Table criteria({"CRITERION", "NORM", "SCORE"});
  for (const v1::CriterionEvaluation& c : evaluation.criteria()) {
    criteria.AddRow({c.criterion().criterion_id(), c.criterion().norm(),
                     c.has_score() ? ShortEnum(v1::Score_descriptor()->FindValueByNumber(c.score().score())) : "-"});
  }
  out += criteria.empty() ? "no criteria set\n" : criteria.Render(color);
  if (evaluation.evaluated()) {
    out += "Evaluated on " + FormatDate(evaluation.evaluated_on()) + ": " + std::to_string(evaluation.good_count()) +
           " good, " + std::to_string(evaluation.sufficient_count()) + " sufficient, " +
           std::to_string(evaluation.insufficient_count()) + " insufficient (" +
           (evaluation.overall_sufficient() ? "sufficient" : "not sufficient") + " overall); conclusion " +
           ShortEnum(v1::Conclusion_descriptor()->FindValueByNumber(evaluation.conclusion())) + "\n";
  } else if (v.status() == v1::EXPERIMENT_STATUS_NOT_EVALUABLE || v.status() == v1::EXPERIMENT_STATUS_WITHDRAWN ||
             v.status() == v1::EXPERIMENT_STATUS_REJECTED) {
    out += "not evaluated: " + ExperimentStatusText(v.status()) +
           (v.end_reason().empty() ? "" : " (" + OneLine(v.end_reason()) + ")") + "\n";
  } else {
    out += "not evaluated yet\n";
  }
  return out + WarningsText(v.warnings(), color);
}

std::map<std::string, AllocatedAmount> AllocatedByExperiment(const v1::GetProgrammeResponse& p) {
  std::map<std::string, AllocatedAmount> out;
  if (p.has_view()) {
    for (const v1::ExperimentBudget& b : p.view().budget().experiments()) {
      out[b.experiment_id()] = {b.allocated().cents(), b.released()};
    }
    return out;
  }
  for (const v1::AllocationState& a : p.programme().allocations()) {  // a server without views
    int64_t cents = 0;
    for (const auto& y : a.allocation()) cents += y.amount().cents();
    out[a.experiment_id()] = {a.released() ? 0 : cents, a.released()};
  }
  return out;
}

std::string ExperimentsTable(const std::vector<v1::ExperimentState>& es,
                             const std::map<std::string, AllocatedAmount>& allocated, bool color) {
  Table t({"EXPERIMENT", "STATUS", "LEVEL", "PLANNING", "ALLOCATED", "SPENT", "TITLE"});
  t.AlignRight(4);
  t.AlignRight(5);
  for (const auto& e : es) {
    auto it = allocated.find(e.experiment_id());
    const AllocatedAmount a = it == allocated.end() ? AllocatedAmount() : it->second;
    const auto& planning = e.design().conditions().planning();
    t.AddRow({e.experiment_id(), StatusText(e), Truncate(LevelText(e.design()), 20),
              PeriodText(planning.start(), planning.end()), AllocatedText(a.cents, a.released),
              FormatEuro(e.spent().cents()), e.design().title()});
  }
  return t.Render(color);
}

}  // namespace proeftuin::cli
