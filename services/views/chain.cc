// A programme's chain (DOMAIN.md: each programme learns from the last): its predecessors, itself
// and its successors, with the lessons carried over and what each one's evaluation handed on.
#include <deque>
#include <set>

#include "app/decider_projection.h"
#include "app/queries.h"
#include "eventstore/status_macros.h"
#include "views/internal/assemble.h"
#include "views/internal/keys.h"
#include "views/views.h"

namespace proeftuin::views {
namespace {

// A chain is walked at most this far (a predecessor named by amendment can close a cycle).
constexpr size_t kMaxLinks = 64;

absl::StatusOr<std::vector<std::string>> Successors(eventstore::ReadView& view,
                                                    const std::string& id) {
  std::vector<std::string> out;
  const std::string prefix = internal::SuccessorPrefix(id);
  RETURN_IF_ERROR(view.Scan(kProgrammeRowsProjection, prefix, "",
                            [&](std::string_view key, std::string_view) {
                              out.emplace_back(key.substr(prefix.size()));
                              return true;
                            }));
  return out;
}

absl::StatusOr<std::vector<v1::ExperimentLesson>> Lessons(eventstore::ReadView& view,
                                                          const internal::ProgrammeData& d) {
  std::vector<v1::ExperimentLesson> out;
  for (const v1::ExperimentState& e : d.experiments) {
    if (e.status() != v1::EXPERIMENT_STATUS_EVALUATED) continue;
    ASSIGN_OR_RETURN(std::vector<v1::HistoryEntry> history,
                     internal::LoadExperimentHistory(view, d.programme.programme_id(),
                                                     e.experiment_id(), d.clearance));
    v1::ExperimentLesson& l = out.emplace_back();
    l.set_experiment_id(e.experiment_id());
    l.set_title(e.design().title());
    l.set_status(e.status());
    l.set_conclusion(e.conclusion());
    l.set_lessons(internal::EvaluationOf(e, history).lessons());
  }
  return out;
}

// The link for `id`; known = false when no such programme is visible to the reader.
absl::StatusOr<v1::ChainLink> LoadLink(eventstore::ReadView& view, const std::string& id,
                                       v1::Confidentiality clearance) {
  v1::ChainLink link;
  link.set_programme_id(id);
  absl::StatusOr<internal::ProgrammeData> d = internal::LoadProgrammeData(view, id, clearance);
  if (absl::IsNotFound(d.status())) return link;
  RETURN_IF_ERROR(d.status());
  const v1::ProgrammeDesign& design = d->programme.design();
  link.set_known(true);
  link.set_title(design.title());
  link.set_status(d->programme.status());
  *link.mutable_period() = design.period();
  link.set_predecessor_programme_id(design.predecessor_programme_id());
  link.set_lessons_carried_over(design.lessons_carried_over());
  if (const v1::ProgrammeEvaluated* e = internal::LastProgrammeEvaluation(d->history)) {
    *link.mutable_evaluation() = *e;
  }
  ASSIGN_OR_RETURN(std::vector<v1::ExperimentLesson> lessons, Lessons(view, *d));
  for (auto& l : lessons) *link.add_experiment_lessons() = std::move(l);
  ASSIGN_OR_RETURN(std::vector<std::string> successors, Successors(view, id));
  for (const std::string& s : successors) {
    ASSIGN_OR_RETURN(auto state, app::LoadProgramme(view, s, app::Correctables::kOneOff));
    if (state.has_value() && app::Cleared(state->confidentiality(), clearance)) {
      link.add_successor_programme_ids(s);
    }
  }
  return link;
}

// Predecessors of `start`, oldest first (stops at an unknown or hidden one, or a cycle).
absl::StatusOr<std::deque<v1::ChainLink>> Predecessors(eventstore::ReadView& view,
                                                       const v1::ChainLink& start,
                                                       v1::Confidentiality clearance,
                                                       std::set<std::string>* seen) {
  std::deque<v1::ChainLink> out;
  std::string next = start.predecessor_programme_id();
  while (!next.empty() && !seen->contains(next) && seen->size() < kMaxLinks) {
    seen->insert(next);
    ASSIGN_OR_RETURN(v1::ChainLink link, LoadLink(view, next, clearance));
    next = link.known() ? link.predecessor_programme_id() : "";
    out.push_front(std::move(link));
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::ProgrammeChain> GetProgrammeChain(eventstore::ReadView& view,
                                                     std::string_view programme_id,
                                                     v1::Confidentiality clearance) {
  const std::string id(programme_id);
  ASSIGN_OR_RETURN(v1::ChainLink start, LoadLink(view, id, clearance));
  if (!start.known()) return internal::NotFound("programme " + id);
  std::set<std::string> seen = {id};
  ASSIGN_OR_RETURN(std::deque<v1::ChainLink> links, Predecessors(view, start, clearance, &seen));
  // Successors breadth first; each level in id order (the scan's key order).
  std::deque<std::string> queue(start.successor_programme_ids().begin(),
                                start.successor_programme_ids().end());
  links.push_back(std::move(start));
  while (!queue.empty() && seen.size() < kMaxLinks) {
    std::string next = std::move(queue.front());
    queue.pop_front();
    if (!seen.insert(next).second) continue;
    ASSIGN_OR_RETURN(v1::ChainLink link, LoadLink(view, next, clearance));
    queue.insert(queue.end(), link.successor_programme_ids().begin(),
                 link.successor_programme_ids().end());
    links.push_back(std::move(link));
  }
  v1::ProgrammeChain chain;
  chain.set_programme_id(id);
  for (v1::ChainLink& l : links) *chain.add_links() = std::move(l);
  chain.set_as_of_position(view.position());
  return chain;
}

}  // namespace proeftuin::views
