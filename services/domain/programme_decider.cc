// Deciders of the programme's own life: draft, amend, adopt (rule 1), knowledge sessions,
// evaluate (rule 7) and close. The council procedure is in council_decider.cc.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/dates.h"
#include "domain/internal/deciders.h"
#include "domain/internal/validation.h"
#include "domain/rules.h"
#include "eventstore/status_macros.h"
#include "google/protobuf/util/message_differencer.h"

namespace proeftuin::domain::internal {
namespace {

using google::protobuf::util::MessageDifferencer;

bool IsDone(const v1::ExperimentState& experiment) {
  return experiment.status() == v1::EXPERIMENT_STATUS_EVALUATED ||
         experiment.status() == v1::EXPERIMENT_STATUS_WITHDRAWN ||
         experiment.status() == v1::EXPERIMENT_STATUS_NOT_EVALUABLE;
}

// Ids of the selected experiments: those with an allocation, and any the context says were
// selected (belt and braces; the allocations are written atomically with every selection).
std::vector<std::string> SelectedExperimentIds(const Call& call) {
  std::vector<std::string> ids;
  auto add = [&ids](const std::string& id) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  for (const v1::AllocationState& a : call.programme().allocations()) add(a.experiment_id());
  for (const v1::ExperimentState* e : call.context.experiments) {
    if (e != nullptr && e->was_selected()) add(e->experiment_id());
  }
  return ids;
}

// Rule 7: every selected experiment is evaluated, withdrawn or marked not evaluable.
absl::Status CheckExperimentsDone(const Call& call) {
  std::vector<std::string> open;
  int hidden_open = 0;  // above the caller's clearance: counted, not named
  const std::vector<std::string>& hidden = call.context.hidden_experiments;
  for (const std::string& id : SelectedExperimentIds(call)) {
    const v1::ExperimentState* experiment = FindExperiment(call.context, id);
    if (experiment != nullptr && IsDone(*experiment)) continue;
    if (std::find(hidden.begin(), hidden.end(), id) != hidden.end()) {
      ++hidden_open;
    } else if (experiment == nullptr) {
      open.push_back(absl::StrCat(id, " (state unknown)"));
    } else {
      open.push_back(absl::StrCat(id, " (", StatusName(experiment->status()), ")"));
    }
  }
  const size_t count = open.size() + hidden_open;
  if (hidden_open > 0) open.push_back(absl::StrCat(hidden_open, " above your clearance"));
  if (open.empty()) return absl::OkStatus();
  return PreconditionError(
      rules::kProgrammeExperimentsOpen,
      absl::StrCat(count,
                   " selected experiment(s) are not evaluated, withdrawn or marked "
                   "not evaluable: ",
                   absl::StrJoin(open, ", ")));
}

absl::Status CheckKnowledgeSession(const v1::RecordKnowledgeSession& c, const Call& call) {
  RETURN_IF_ERROR(CheckId("session_id", c.session_id(), Need::kOptional));
  RETURN_IF_ERROR(CheckEnum("kind", c.kind(), v1::KnowledgeSessionKind_IsValid, Need::kRequired));
  RETURN_IF_ERROR(CheckText("title", c.title(), kMaxShortText, Need::kRequired));
  RETURN_IF_ERROR(CheckFactDate("held_on", c.held_on(), call.now));
  RETURN_IF_ERROR(CheckCount("attendee_count", c.attendee_count()));
  RETURN_IF_ERROR(CheckTextList("organisations", c.organisations(), kMaxShortText));
  RETURN_IF_ERROR(
      CheckTextList("seldom_heard_groups_reached", c.seldom_heard_groups_reached(), kMaxShortText));
  RETURN_IF_ERROR(CheckText("summary", c.summary(), kMaxLongText));
  RETURN_IF_ERROR(CheckItemCount("experiment_ids", c.experiment_ids_size()));
  for (int i = 0; i < c.experiment_ids_size(); ++i) {
    const std::string field = absl::StrCat("experiment_ids[", i, "]");
    RETURN_IF_ERROR(CheckId(field, c.experiment_ids(i)));
    RETURN_IF_ERROR(CheckExperimentKnown(call.context, field, c.experiment_ids(i)));
  }
  RETURN_IF_ERROR(CheckItemCount("named_attendees", c.named_attendees_size(), kMaxAttendees));
  for (int i = 0; i < c.named_attendees_size(); ++i) {
    const std::string field = absl::StrCat("named_attendees[", i, "]");
    RETURN_IF_ERROR(CheckPersonContact(field, c.named_attendees(i)));
    RETURN_IF_ERROR(
        CheckText(field + ".name", c.named_attendees(i).name(), kMaxShortText, Need::kRequired));
  }
  if (c.attendee_count() < c.named_attendees_size()) {
    return FieldError(rules::kValueRange, "attendee_count",
                      absl::StrCat("is ", c.attendee_count(), ", fewer than the ",
                                   c.named_attendees_size(), " named attendees"));
  }
  return absl::OkStatus();
}

// The given session id, or the first free "ks-<n>".
absl::StatusOr<std::string> SessionId(const v1::RecordKnowledgeSession& c, const Call& call) {
  auto taken = [&call](const std::string& id) {
    for (const auto& s : call.programme().knowledge_sessions()) {
      if (s.session_id() == id) return true;
    }
    return false;
  };
  if (!c.session_id().empty()) {
    if (!taken(c.session_id())) return c.session_id();
    return RuleError(absl::StatusCode::kAlreadyExists, rules::kSessionExists,
                     absl::StrCat("knowledge session ", c.session_id(), " exists"));
  }
  for (int n = call.programme().knowledge_sessions_size() + 1;; ++n) {
    std::string id = absl::StrCat("ks-", n);
    if (!taken(id)) return id;
  }
}

// The chain of programmes runs one way: a predecessor whose own chain leads back to the
// programme would make it follow itself (PT-PREDECESSOR-LOOP).
absl::Status CheckNoLoop(const std::string& programme_id, const v1::ProgrammeDesign& design,
                         const Call& call) {
  for (const std::string& id : call.context.predecessor_chain) {
    if (id != programme_id) continue;
    return FieldError(rules::kPredecessorLoop, "design.predecessor_programme_id",
                      absl::StrCat("is ", design.predecessor_programme_id(),
                                   ", whose chain of predecessors leads back to ", programme_id,
                                   ": a programme cannot follow itself"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DecideCommand(const v1::DraftProgramme& c, const Call& call) {
  RETURN_IF_ERROR(CheckProgrammeDesign(c.design(), c.programme_id()));
  RETURN_IF_ERROR(CheckNoLoop(c.programme_id(), c.design(), call));
  RETURN_IF_ERROR(CheckEnum("confidentiality", c.confidentiality(), v1::Confidentiality_IsValid,
                            Need::kOptional));
  v1::ProgrammeEvent event;
  v1::ProgrammeDrafted* drafted = event.mutable_programme_drafted();
  drafted->set_programme_id(c.programme_id());
  *drafted->mutable_design() = c.design();
  drafted->set_confidentiality(OpenbaarIfUnset(c.confidentiality()));
  EmitProgramme(call, std::move(event), call.today());
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::AmendProgramme& c, const Call& call) {
  RETURN_IF_ERROR(RequireReason("reason", c.reason()));
  RETURN_IF_ERROR(CheckProgrammeDesign(c.design(), c.programme_id()));
  RETURN_IF_ERROR(CheckNoLoop(c.programme_id(), c.design(), call));
  RETURN_IF_ERROR(CheckEnum("confidentiality", c.confidentiality(), v1::Confidentiality_IsValid,
                            Need::kOptional));
  const v1::ProgrammeState& programme = call.programme();
  const bool same_level = c.confidentiality() == v1::CONFIDENTIALITY_UNSPECIFIED ||
                          c.confidentiality() == programme.confidentiality();
  if (same_level && MessageDifferencer::Equals(c.design(), programme.design())) {
    return absl::OkStatus();  // nothing changes: idempotent no-op
  }
  v1::ProgrammeEvent event;
  v1::ProgrammeAmended* amended = event.mutable_programme_amended();
  *amended->mutable_design() = c.design();
  amended->set_confidentiality(same_level ? v1::CONFIDENTIALITY_UNSPECIFIED : c.confidentiality());
  amended->set_reason(c.reason());
  EmitProgramme(call, std::move(event), call.today(), c.reason());
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::AdoptProgramme& c, const Call& call) {
  RETURN_IF_ERROR(CheckCollegeDecision("decision", c.decision(), Need::kRequired, call.now));
  const v1::ProgrammeState& programme = call.programme();
  if (programme.status() == v1::PROGRAMME_STATUS_DRAFTED) {
    return PreconditionError(rules::kCouncilNotSubmitted,
                             "the design programme was not sent to the council for wishes and "
                             "objections (wensen en bedenkingen)");
  }
  if (programme.status() != v1::PROGRAMME_STATUS_SUBMITTED_TO_COUNCIL) {
    return PreconditionError(
        rules::kProgrammeAdopted,
        absl::StrCat("the programme is already ", StatusName(programme.status()), " (decision ",
                     programme.adoption().identification(), ")"));
  }
  std::vector<std::string> open;
  for (const v1::CouncilInputState& input : programme.council_inputs()) {
    if (!input.answered()) open.push_back(input.input_id());
  }
  if (!open.empty()) {
    return PreconditionError(rules::kCouncilOpen, absl::StrCat(open.size(),
                                                               " council input(s) have no college "
                                                               "response: ",
                                                               absl::StrJoin(open, ", ")));
  }
  RETURN_IF_ERROR(
      CheckAdoptionDate("decision.decision_date", c.decision().decision_date(), programme));
  v1::ProgrammeEvent event;
  v1::DecisionReference* decision = event.mutable_programme_adopted()->mutable_decision();
  *decision = c.decision();
  decision->set_deciding_body(v1::DECIDING_BODY_COLLEGE);
  EmitProgramme(call, std::move(event), c.decision().decision_date());
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::RecordKnowledgeSession& c, const Call& call) {
  RETURN_IF_ERROR(CheckKnowledgeSession(c, call));
  ASSIGN_OR_RETURN(std::string session_id, SessionId(c, call));
  v1::ProgrammeEvent event;
  v1::KnowledgeSessionHeld* held = event.mutable_knowledge_session_held();
  held->set_session_id(session_id);
  held->set_kind(c.kind());
  held->set_title(c.title());
  *held->mutable_held_on() = FactDate(c.held_on(), call.today());
  held->set_attendee_count(c.attendee_count());
  *held->mutable_organisations() = c.organisations();
  *held->mutable_seldom_heard_groups_reached() = c.seldom_heard_groups_reached();
  held->set_summary(c.summary());
  *held->mutable_experiment_ids() = c.experiment_ids();
  std::optional<v1::PersonalData> personal;
  if (c.named_attendees_size() > 0) {
    personal.emplace();
    *personal->mutable_attendees() = c.named_attendees();
  }
  const v1::Date held_on = held->held_on();
  EmitProgramme(call, std::move(event), held_on, {}, std::move(personal));
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::EvaluateProgramme& c, const Call& call) {
  RETURN_IF_ERROR(CheckText("findings", c.findings(), kMaxLongText, Need::kRequired));
  RETURN_IF_ERROR(CheckTextList("recommendations", c.recommendations(), kMaxText));
  RETURN_IF_ERROR(CheckDocument("report", c.report()));
  RETURN_IF_ERROR(CheckFactDate("evaluated_on", c.evaluated_on(), call.now));
  if (call.programme().status() != v1::PROGRAMME_STATUS_ADOPTED) {
    return PreconditionError(
        rules::kProgrammeNotAdopted,
        absl::StrCat("the programme is ", StatusName(call.programme().status()),
                     "; only an adopted programme is evaluated"));
  }
  RETURN_IF_ERROR(CheckExperimentsDone(call));
  const v1::Date evaluated_on = FactDate(c.evaluated_on(), call.today());
  RETURN_IF_ERROR(CheckProgrammeEvaluationDate("evaluated_on", evaluated_on, call.programme()));
  v1::ProgrammeEvent event;
  v1::ProgrammeEvaluated* evaluated = event.mutable_programme_evaluated();
  evaluated->set_findings(c.findings());
  *evaluated->mutable_recommendations() = c.recommendations();
  if (c.has_report()) *evaluated->mutable_report() = c.report();
  *evaluated->mutable_evaluated_on() = evaluated_on;
  const v1::Date on = evaluated->evaluated_on();
  EmitProgramme(call, std::move(event), on);
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::CloseProgramme& c, const Call& call) {
  RETURN_IF_ERROR(CheckFactDate("closed_on", c.closed_on(), call.now));
  RETURN_IF_ERROR(CheckText("note", c.note(), kMaxText));
  if (call.programme().status() != v1::PROGRAMME_STATUS_EVALUATED) {
    return PreconditionError(
        rules::kProgrammeNotEvaluated,
        absl::StrCat("the programme is ", StatusName(call.programme().status()),
                     "; it is closed only after its evaluation"));
  }
  const v1::Date closed_on = FactDate(c.closed_on(), call.today());
  RETURN_IF_ERROR(CheckNotBefore("closed_on", closed_on, "the programme's evaluation",
                                 call.programme().evaluated_on()));
  v1::ProgrammeEvent event;
  v1::ProgrammeClosed* closed = event.mutable_programme_closed();
  *closed->mutable_closed_on() = closed_on;
  closed->set_note(c.note());
  const v1::Date on = closed->closed_on();
  EmitProgramme(call, std::move(event), on);
  return absl::OkStatus();
}

}  // namespace proeftuin::domain::internal
