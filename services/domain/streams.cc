#include "domain/streams.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/internal/validation.h"
#include "domain/rules.h"
#include "eventstore/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace proeftuin::domain {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The message set in the single oneof of `wrapper`, or null when none is set.
const Message* SetMember(const Message& wrapper) {
  const google::protobuf::Descriptor* descriptor = wrapper.GetDescriptor();
  if (descriptor->oneof_decl_count() != 1) return nullptr;
  const google::protobuf::Reflection* reflection = wrapper.GetReflection();
  const FieldDescriptor* field =
      reflection->GetOneofFieldDescriptor(wrapper, descriptor->oneof_decl(0));
  if (field == nullptr || field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return nullptr;
  return &reflection->GetMessage(wrapper, field);
}

const FieldDescriptor* StringFieldOf(const Message& message, const char* name) {
  const FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(name);
  if (field == nullptr || field->cpp_type() != FieldDescriptor::CPPTYPE_STRING ||
      field->is_repeated()) {
    return nullptr;
  }
  return field;
}

std::string StringValue(const Message& message, const char* name) {
  const FieldDescriptor* field = StringFieldOf(message, name);
  return field == nullptr ? std::string() : message.GetReflection()->GetString(message, field);
}

// The type name of the event set in an event wrapper (ProgrammeEvent, ExperimentEvent): by its
// oneof case from a table made once, without reflection (every event of a replay asks twice).
template <typename Wrapper>
std::string_view EventCaseTypeName(const Wrapper& wrapper) {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    const google::protobuf::Descriptor* d = Wrapper::descriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (f->containing_oneof() == nullptr || f->message_type() == nullptr) continue;
      if (n.size() <= static_cast<size_t>(f->number())) n.resize(f->number() + 1);
      n[f->number()] = f->message_type()->full_name();
    }
    return n;
  }();
  const size_t c = static_cast<size_t>(wrapper.event_case());
  return c < names.size() ? std::string_view(names[c]) : std::string_view();
}

template <typename Wrapper>
absl::Status DecodeInto(std::string_view type, std::string_view payload, Wrapper* event) {
  if (!event->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::InvalidArgumentError(absl::StrCat("payload of type ", std::string(type),
                                                   " does not parse as ",
                                                   Wrapper::descriptor()->full_name()));
  }
  if (EventCaseTypeName(*event) != type) {
    return absl::InvalidArgumentError(absl::StrCat("payload holds ",
                                                   std::string(EventCaseTypeName(*event)),
                                                   ", the stored type is ", std::string(type)));
  }
  return absl::OkStatus();
}

template <typename Wrapper>
absl::StatusOr<Wrapper> Decode(std::string_view type, std::string_view payload) {
  Wrapper event;
  if (absl::Status s = DecodeInto(type, payload, &event); !s.ok()) return s;
  return event;
}

// "AdoptProgramme" -> {"adopt", "programme"}.
std::vector<std::string> Words(std::string_view camel) {
  std::vector<std::string> words;
  for (char c : camel) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c)) || words.empty()) words.emplace_back();
    words.back().push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return words;
}

}  // namespace

absl::Status CheckObjectId(std::string_view field, std::string_view id) {
  return CheckId(field, id, Need::kRequired);
}

absl::Status CheckOptionTexts(std::string_view reason, std::string_view correlation_id,
                              std::string_view on_behalf_of) {
  RETURN_IF_ERROR(CheckText("options.reason", reason, kMaxText));
  RETURN_IF_ERROR(CheckText("options.correlation_id", correlation_id, kMaxShortText));
  return CheckText("options.on_behalf_of", on_behalf_of, kMaxShortText);
}

std::string ProgrammeStream(std::string_view programme_id) {
  const std::string_view prefix = kProgrammeStreamPrefix;
  std::string stream;
  stream.reserve(prefix.size() + programme_id.size());
  stream.append(prefix).append(programme_id);
  return stream;
}

std::string ExperimentStream(std::string_view programme_id, std::string_view experiment_id) {
  const std::string_view prefix = kExperimentStreamPrefix;
  std::string stream;
  stream.reserve(prefix.size() + programme_id.size() + 1 + experiment_id.size());
  stream.append(prefix).append(programme_id).append(".").append(experiment_id);
  return stream;
}

std::optional<StreamIdViews> ParseStreamView(std::string_view stream) {
  const std::string_view programme_prefix = kProgrammeStreamPrefix;
  const std::string_view experiment_prefix = kExperimentStreamPrefix;
  if (stream.substr(0, programme_prefix.size()) == programme_prefix) {
    std::string_view id = stream.substr(programme_prefix.size());
    if (!IsSlug(id)) return std::nullopt;
    return StreamIdViews{id, {}};
  }
  if (stream.substr(0, experiment_prefix.size()) != experiment_prefix) return std::nullopt;
  const std::string_view ids = stream.substr(experiment_prefix.size());
  const size_t dot = ids.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view programme_id = ids.substr(0, dot);
  const std::string_view experiment_id = ids.substr(dot + 1);
  if (!IsSlug(programme_id) || !IsSlug(experiment_id)) return std::nullopt;
  return StreamIdViews{programme_id, experiment_id};
}

std::optional<StreamIds> ParseStream(std::string_view stream) {
  const std::optional<StreamIdViews> ids = ParseStreamView(stream);
  if (!ids.has_value()) return std::nullopt;
  return StreamIds{std::string(ids->programme_id), std::string(ids->experiment_id)};
}

absl::StatusOr<CommandTarget> TargetOf(const v1::Command& command) {
  const Message* inner = SetMember(command);
  if (inner == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(rules::kCommandEmpty, ": the command sets none of its actions"));
  }
  CommandTarget target;
  target.programme_id = StringValue(*inner, "programme_id");
  RETURN_IF_ERROR(CheckId("programme_id", target.programme_id));
  target.programme_stream = ProgrammeStream(target.programme_id);
  if (StringFieldOf(*inner, "experiment_id") != nullptr) {
    target.experiment_id = StringValue(*inner, "experiment_id");
    const bool programme_correction =
        command.has_record_correction() && target.experiment_id.empty();
    if (!programme_correction) {
      RETURN_IF_ERROR(CheckId("experiment_id", target.experiment_id));
      target.experiment_stream = ExperimentStream(target.programme_id, target.experiment_id);
    }
  }
  target.may_write_programme_stream =
      command.has_select_experiment() || command.has_withdraw_experiment();
  return target;
}

std::string_view EventTypeName(const v1::ProgrammeEvent& event) { return EventCaseTypeName(event); }

std::string_view EventTypeName(const v1::ExperimentEvent& event) {
  return EventCaseTypeName(event);
}

absl::StatusOr<v1::ProgrammeEvent> DecodeProgrammeEvent(std::string_view type,
                                                        std::string_view payload) {
  return Decode<v1::ProgrammeEvent>(type, payload);
}

absl::StatusOr<v1::ExperimentEvent> DecodeExperimentEvent(std::string_view type,
                                                          std::string_view payload) {
  return Decode<v1::ExperimentEvent>(type, payload);
}

absl::Status DecodeProgrammeEventInto(std::string_view type, std::string_view payload,
                                      v1::ProgrammeEvent* event) {
  return DecodeInto(type, payload, event);
}

absl::Status DecodeExperimentEventInto(std::string_view type, std::string_view payload,
                                       v1::ExperimentEvent* event) {
  return DecodeInto(type, payload, event);
}

namespace {
// The field of Command's oneof that holds an action of `type`, or nullptr.
const FieldDescriptor* CommandFieldOf(const google::protobuf::Descriptor* type) {
  const google::protobuf::OneofDescriptor* oneof = v1::Command::descriptor()->oneof_decl(0);
  for (int i = 0; i < oneof->field_count(); ++i) {
    if (oneof->field(i)->message_type() == type) return oneof->field(i);
  }
  return nullptr;
}
}  // namespace

v1::Command CommandOf(const Message& action) {
  v1::Command command;
  if (const FieldDescriptor* field = CommandFieldOf(action.GetDescriptor())) {
    command.GetReflection()->MutableMessage(&command, field)->CopyFrom(action);
  }
  return command;
}

v1::Command CommandOf(std::unique_ptr<Message> action) {
  v1::Command command;
  if (action == nullptr) return command;
  if (const FieldDescriptor* field = CommandFieldOf(action->GetDescriptor())) {
    command.GetReflection()->SetAllocatedMessage(&command, action.release(), field);
  }
  return command;
}

std::string DescribeAction(const v1::Command& command) {
  const Message* inner = SetMember(command);
  if (inner == nullptr) return "decide an empty command";
  const std::string programme_id = StringValue(*inner, "programme_id");
  const std::string experiment_id = StringValue(*inner, "experiment_id");
  const bool on_experiment =
      StringFieldOf(*inner, "experiment_id") != nullptr && !experiment_id.empty();
  const std::string noun = on_experiment ? "experiment" : "programme";
  const std::string object =
      on_experiment ? absl::StrCat(programme_id, ".", experiment_id) : programme_id;
  std::vector<std::string> words = Words(inner->GetDescriptor()->name());
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == noun) {
      words.insert(words.begin() + static_cast<std::ptrdiff_t>(i) + 1, object);
      return absl::StrJoin(words, " ");
    }
  }
  return absl::StrCat(absl::StrJoin(words, " "), " for ", noun, " ", object);
}

}  // namespace proeftuin::domain
