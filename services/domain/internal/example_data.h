// Building blocks of the example programme (domain/example_programme.h): the seven
// experiments and a step list. Private to the domain.
//
// Thread-safety: pure functions; StepList is thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "domain/example_programme.h"
#include "google/protobuf/message.h"
#include "proeftuin/v1/commands.pb.h"

namespace proeftuin::domain::example {

// Experiment ids of the example.
inline constexpr char kIntake[] = "straatgewijze-intake-voorburg-noord";
inline constexpr char kParking[] = "parkeren-rond-de-mall";
inline constexpr char kGardens[] = "adoptietuinen-sneller";
inline constexpr char kChallenge[] = "uitdaagrecht";
inline constexpr char kAssembly[] = "burgerberaad-klimaat";
inline constexpr char kYouthPanel[] = "jongerenpanel-stompwijk";
inline constexpr char kPlatform[] = "digitaal-participatieplatform";

// The ProposeExperiment commands of the seven experiments, proposed on `proposed_on`
// (example_experiments.cc).
std::vector<v1::ProposeExperiment> Proposals(const v1::Date& proposed_on);

// Scores every criterion of the experiment's design (one score per criterion, in order),
// evaluated on `evaluated_on`.
v1::EvaluateExperiment Evaluation(const std::string& experiment_id, const v1::Date& evaluated_on,
                                  std::vector<v1::Score> scores, v1::Conclusion conclusion,
                                  const std::string& lessons);

v1::Date Day(int year, int month, int day);
v1::Money Euro(int64_t euros);
v1::BudgetYearAmount InYear(int year, int64_t euros);
v1::DecisionReference College(const std::string& identification, const v1::Date& date,
                              const std::string& description);

// Appends steps, each at 10:00 UTC of the current date. Every command carries its business
// dates explicitly (usually today()), so that it means the same whatever `now` Decide gets
// (the real clock in the server and the CLI's demo): an unset date would default to `now`.
class StepList {
 public:
  void On(int year, int month, int day);
  // The current date (set by On): the business date of the steps added now.
  const v1::Date& today() const { return today_; }
  void Add(std::string label, std::string role, const google::protobuf::Message& action,
           std::string note, std::string corrects = "");
  std::vector<ExampleStep> Take() { return std::move(steps_); }

 private:
  absl::Time at_;
  v1::Date today_;
  std::vector<ExampleStep> steps_;
};

// Draft to adoption and the period extension (example_programme.cc).
void AddPreparation(StepList& steps);
// Running, evaluating and closing (example_run.cc).
void AddExecution(StepList& steps);

}  // namespace proeftuin::domain::example
