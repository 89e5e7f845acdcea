#include "cli/event_json.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "cli/format.h"
#include "google/protobuf/util/json_util.h"
#include "proeftuin/v1/event_service.grpc.pb.h"
#include "proeftuin/v1/experiment_events.pb.h"
#include "proeftuin/v1/principal_events.pb.h"
#include "proeftuin/v1/programme_events.pb.h"

namespace proeftuin::cli {
namespace {

std::unique_ptr<google::protobuf::Message> WrapperFor(const std::string& stream) {
  if (stream.rfind("programme-", 0) == 0) return std::make_unique<v1::ProgrammeEvent>();
  if (stream.rfind("experiment-", 0) == 0) return std::make_unique<v1::ExperimentEvent>();
  if (stream.rfind("principal-", 0) == 0) return std::make_unique<v1::PrincipalEvent>();
  return nullptr;
}

}  // namespace

std::string ShortType(const std::string& type) {
  size_t dot = type.rfind('.');
  return dot == std::string::npos ? type : type.substr(dot + 1);
}

std::string PayloadJson(const v1::Event& e) {
  if (e.redacted()) return "";
  auto wrapper = WrapperFor(e.header().stream());
  if (wrapper == nullptr || !wrapper->ParseFromString(e.payload())) return "";
  const auto* oneof = wrapper->GetDescriptor()->FindOneofByName("event");
  const auto* field = wrapper->GetReflection()->GetOneofFieldDescriptor(*wrapper, oneof);
  if (field == nullptr) return "";
  return ToJson(wrapper->GetReflection()->GetMessage(*wrapper, field), false);
}

nlohmann::ordered_json EventToJson(const v1::Event& e) {
  const v1::EventHeader& h = e.header();
  nlohmann::ordered_json j;
  j["position"] = h.position();
  j["stream"] = h.stream();
  j["stream_version"] = h.stream_version();
  j["type"] = h.type();
  j["recorded_at"] = FormatInstant(h.recorded_at_us());
  j["recorded_at_us"] = h.recorded_at_us();
  j["occurred_on"] = FormatDate(h.occurred_on());
  j["actor"] = {{"principal_id", h.actor().principal_id()}, {"display_name", h.actor().display_name()},
                {"role", h.actor().role()},                 {"application", h.actor().application()},
                {"on_behalf_of", h.actor().on_behalf_of()}};
  j["reason"] = h.reason();
  j["request_id"] = h.request_id();
  j["correlation_id"] = h.correlation_id();
  j["causation_id"] = h.causation_id();
  j["event_id"] = h.event_id();
  j["confidentiality"] = ShortEnum(v1::Confidentiality_descriptor()->FindValueByNumber(h.confidentiality()));
  j["redacted"] = e.redacted();
  j["has_personal"] = h.has_personal();
  j["hash"] = Hex(e.hash());
  j["previous_hash"] = Hex(h.previous_hash());
  std::string data = PayloadJson(e);
  j["data"] = data.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json::parse(data, nullptr, false);
  return j;
}

std::string EventLine(const v1::Event& e, bool color) {
  const v1::EventHeader& h = e.header();
  std::string who = h.actor().principal_id().empty() ? "-" : h.actor().principal_id();
  std::string type = Bold(absl::StrFormat("%-28s", ShortType(h.type())), color);
  return absl::StrFormat("%7d  %s  %-44s  %s  %s%s", h.position(), FormatInstant(h.recorded_at_us()), h.stream(),
                         type, who, e.redacted() ? "  (redacted)" : "");
}

nlohmann::ordered_json ExportEventToJson(const v1::Event& e) {
  nlohmann::ordered_json j = EventToJson(e);
  if (!e.redacted()) {
    j["personal_digest"] = Hex(e.personal_digest());
    j["stored_header"] = absl::Base64Escape(e.stored_header());
    j["payload"] = absl::Base64Escape(e.payload());
  }
  return j;
}

Outcome ReadLog(Cli* cli, uint64_t from, const std::string& prefix, const std::string& type,
                const std::function<bool(const v1::Event&)>& each, const std::function<void(uint64_t)>& progress,
                bool stored_headers) {
  auto stub = v1::EventService::NewStub(cli->Channel());
  v1::ReadAllRequest req;
  req.set_include_stored_header(stored_headers);
  req.set_from_position(std::max<uint64_t>(from, 1));
  req.set_max_count(1000);
  req.set_stream_prefix(prefix);
  if (!type.empty()) req.add_types(type.find('.') == std::string::npos ? "proeftuin.v1." + type : type);
  for (;;) {
    v1::ReadAllResponse page;
    auto ctx = cli->Context();
    grpc::Status s = stub->ReadAll(ctx.get(), req, &page);
    if (!s.ok()) return FromStatus(s, ctx.get(), "read the event log");
    for (const auto& e : page.events()) {
      if (!each(e)) return Ok();
    }
    if (progress) progress(page.next_position() - 1);
    if (page.end_of_log() || page.next_position() <= req.from_position()) return Ok();
    req.set_from_position(page.next_position());
  }
}

}  // namespace proeftuin::cli
