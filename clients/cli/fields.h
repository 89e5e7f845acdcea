// Setting protobuf fields from command-line text by a dotted path ("design.period.start"), so
// that a flag can fill any field of a command without hand-written code per flag.
//
// Values by field type: strings as given; integers in decimal; booleans true/false/yes/no;
// enums by their short name, case-insensitive, "-" for "_" ("wish", "co-produce", or the full
// name); proeftuin.v1.Date as YYYY-MM-DD or "today"; proeftuin.v1.Money in euros ("140000",
// "1250.50", "€ 140.000,00"); proeftuin.v1.BudgetYearAmount as YEAR=EUROS ("2025=70000");
// proeftuin.v1.CriterionScore as ID=SCORE ("bereik=good"). A repeated field adds one element
// per value.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/message.h"

namespace proeftuin::cli {

// Sets the field at `path` of `m` from `value`. On failure returns false and explains in `error`
// (e.g. "expected a date YYYY-MM-DD, got '2024-13-01'").
bool SetFieldByPath(google::protobuf::Message* m, std::string_view path, std::string_view value,
                    std::string* error);

// The same for every value of a flag given on an amendment, which starts from the current
// design: a repeated field's list is replaced by the values instead of added to, except that a
// repeated proeftuin.v1.BudgetYearAmount ("2026=80000") replaces the entry of its year and keeps
// the other years (ascending by year); a year given twice is refused. A single field takes the
// last value.
bool ReplaceFieldByPath(google::protobuf::Message* m, std::string_view path,
                        const std::vector<std::string>& values, std::string* error);

// Parses proto JSON into `m` (merging into what is set). False with the parser's message.
bool MergeJson(std::string_view json, google::protobuf::Message* m, std::string* error);

// The names accepted for an enum, for help texts: "wish|objection".
std::string EnumChoices(const google::protobuf::EnumDescriptor* e);

}  // namespace proeftuin::cli
