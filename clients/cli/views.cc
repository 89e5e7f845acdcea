#include "cli/views.h"

#include "absl/strings/str_join.h"
#include "cli/format.h"
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

std::string CouncilText(const v1::ProgrammeState& p) {
  if (!p.has_submission()) return "not sent to the council yet";
  int answered = 0;
  for (const auto& in : p.council_inputs()) answered += in.answered() ? 1 : 0;
  return "sent " + FormatDate(p.submission().submitted_on()) + " (" + p.submission().council_reference().document_id() +
         "); " + std::to_string(p.council_inputs_size()) + " wish(es)/objection(s), " + std::to_string(answered) +
         " answered";
}

}  // namespace

Outcome FetchProgramme(Cli* cli, const std::string& id, v1::ProgrammeState* out, int64_t* as_of) {
  auto stub = v1::ProgrammeService::NewStub(cli->Channel());
  v1::GetProgrammeRequest req;
  req.set_programme_id(id);
  v1::GetProgrammeResponse resp;
  auto ctx = cli->Context();
  grpc::Status s = stub->GetProgramme(ctx.get(), req, &resp);
  if (!s.ok()) return FromStatus(s, ctx.get(), "show programme " + id);
  *out = resp.programme();
  if (as_of != nullptr) *as_of = static_cast<int64_t>(resp.as_of_position());
  return Ok();
}

Outcome FetchExperiment(Cli* cli, const std::string& programme, const std::string& id, v1::ExperimentState* out) {
  auto stub = v1::ProgrammeService::NewStub(cli->Channel());
  v1::GetExperimentRequest req;
  req.set_programme_id(programme);
  req.set_experiment_id(id);
  v1::GetExperimentResponse resp;
  auto ctx = cli->Context();
  grpc::Status s = stub->GetExperiment(ctx.get(), req, &resp);
  if (!s.ok()) return FromStatus(s, ctx.get(), "show experiment " + programme + "." + id);
  *out = resp.experiment();
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

std::string StatusText(const v1::ExperimentState& e) {
  std::string s = ShortEnum(v1::ExperimentStatus_descriptor()->FindValueByNumber(e.status()));
  for (char& c : s) c = c == '_' ? ' ' : c;
  return s;
}

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

std::string ExperimentText(const v1::ExperimentState& e, bool color) {
  const v1::ExperimentDesign& d = e.design();
  std::vector<std::string> criteria;
  for (const auto& c : d.criteria()) criteria.push_back(c.criterion_id());
  return KeyValues({{"Experiment", e.programme_id() + "." + e.experiment_id()},
                    {"Title", d.title()},
                    {"Status", StatusText(e)},
                    {"Participation form", d.participation_form()},
                    {"Policy trajectory", d.policy_trajectory()},
                    {"Participation level", LevelText(d)},
                    {"Areas", absl::StrJoin(d.areas(), ", ")},
                    {"Planning", PeriodText(d.conditions().planning().start(), d.conditions().planning().end())},
                    {"Requested", FormatEuro(d.conditions().budget_requested().cents())},
                    {"Allocated", YearsText(e.allocation())},
                    {"Spent", FormatEuro(e.spent().cents())},
                    {"Progress", std::to_string(e.progress_percent()) + " %"},
                    {"Activities", std::to_string(e.activity_count()) + " (" + std::to_string(e.participant_count()) +
                                       " participants, " + std::to_string(e.seldom_heard_reached_count()) +
                                       " seldom heard)"},
                    {"Criteria", absl::StrJoin(criteria, ", ")},
                    {"Conclusion", e.conclusion() == 0 ? "" : ShortEnum(v1::Conclusion_descriptor()->FindValueByNumber(
                                                                   e.conclusion()))},
                    {"End reason", e.end_reason()},
                    {"Version", std::to_string(e.stream_version())}},
                   color);
}

std::string ExperimentsTable(const std::vector<v1::ExperimentState>& es, bool color) {
  Table t({"EXPERIMENT", "STATUS", "LEVEL", "PLANNING", "ALLOCATED", "SPENT", "TITLE"});
  t.AlignRight(4);
  t.AlignRight(5);
  for (const auto& e : es) {
    int64_t allocated = 0;
    for (const auto& y : e.allocation()) allocated += y.amount().cents();
    const auto& planning = e.design().conditions().planning();
    t.AddRow({e.experiment_id(), StatusText(e), LevelText(e.design()).substr(0, 20),
              PeriodText(planning.start(), planning.end()), FormatEuro(allocated), FormatEuro(e.spent().cents()),
              e.design().title()});
  }
  return t.Render(color);
}

}  // namespace proeftuin::cli
