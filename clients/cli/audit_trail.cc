#include "cli/audit_trail.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "cli/event_json.h"
#include "cli/format.h"
#include "eventstore/rocks_store.h"
#include "proeftuin/v1/audit_service.grpc.pb.h"

namespace proeftuin::cli {
namespace {

bool MatchesObject(const std::string& stream, const std::string& object) {
  if (object.empty() || stream == object) return true;
  return stream == "programme-" + object || stream.rfind("experiment-" + object + ".", 0) == 0;
}

bool Matches(const v1::AuditEntry& e, const v1::ListAuditEntriesRequest& r) {
  std::string type = r.event_type();
  if (!type.empty() && type.find('.') == std::string::npos) type = "proeftuin.v1." + type;
  return (r.actor().empty() || e.actor().principal_id() == r.actor()) && MatchesObject(e.stream(), r.object()) &&
         (type.empty() || e.event_type() == type) && e.recorded_at_us() >= r.from_us() &&
         (r.to_us() == 0 || e.recorded_at_us() < r.to_us());
}

// The log scanned by the CLI: newest first, page token = the position to continue below.
Outcome ScanAuditEntries(Cli* cli, const v1::ListAuditEntriesRequest& req, v1::ListAuditEntriesResponse* out) {
  uint64_t below = UINT64_MAX;
  if (!req.page_token().empty() && !absl::SimpleAtoi(req.page_token(), &below)) {
    return Usage("--page-token: not a token of this listing");
  }
  std::vector<v1::AuditEntry> all;
  uint64_t head = 0;
  Outcome o = ReadLog(cli, 1, "", "", [&](const v1::Event& e) {
    head = e.header().position();
    v1::AuditEntry entry = EntryOf(e);
    if (entry.position() < below && Matches(entry, req)) all.push_back(std::move(entry));
    return true;
  });
  if (o.exit_code != 0) return o;
  std::reverse(all.begin(), all.end());
  size_t size = req.page_size() <= 0 ? 50 : std::min(req.page_size(), 500);
  for (size_t i = 0; i < all.size() && i < size; ++i) *out->add_entries() = all[i];
  if (all.size() > size) out->set_next_page_token(std::to_string(all[size - 1].position()));
  out->set_as_of_position(head);
  return Ok();
}

void FromResult(const eventstore::VerifyResult& v, v1::VerifyOutcome* out) {
  out->set_ok(v.ok);
  out->set_from_position(v.from);
  out->set_to_position(v.to);
  out->set_events_checked(v.events_checked);
  out->set_first_bad_position(v.first_bad_position);
  out->set_problem(v.problem);
  if (v.ok) out->set_head_hash(eventstore::ToHex(v.head.hash));
}

}  // namespace

v1::AuditEntry EntryOf(const v1::Event& e) {
  const v1::EventHeader& h = e.header();
  v1::AuditEntry a;
  a.set_position(h.position());
  a.set_stream(h.stream());
  a.set_stream_version(h.stream_version());
  a.set_event_type(h.type());
  a.set_recorded_at_us(h.recorded_at_us());
  *a.mutable_occurred_on() = h.occurred_on();
  *a.mutable_actor() = h.actor();
  a.set_reason(h.reason());
  a.set_request_id(h.request_id());
  a.set_correlation_id(h.correlation_id());
  a.set_confidentiality(h.confidentiality());
  a.set_event_json(PayloadJson(e));
  a.set_hash(Hex(e.hash()));
  return a;
}

Outcome ListAuditEntries(Cli* cli, const v1::ListAuditEntriesRequest& req, v1::ListAuditEntriesResponse* out,
                         bool* scanned) {
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  auto stub = v1::AuditService::NewStub(cli->Channel());
  auto ctx = cli->Context();
  grpc::Status s = stub->ListAuditEntries(ctx.get(), req, out);
  *scanned = s.error_code() == grpc::StatusCode::UNIMPLEMENTED;
  if (*scanned) return ScanAuditEntries(cli, req, out);
  return FromStatus(s, ctx.get(), "list the audit trail");
}

Outcome GetAuditEntry(Cli* cli, uint64_t position, v1::GetAuditEntryResponse* out, bool* scanned) {
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  auto stub = v1::AuditService::NewStub(cli->Channel());
  v1::GetAuditEntryRequest req;
  req.set_position(position);
  auto ctx = cli->Context();
  grpc::Status s = stub->GetAuditEntry(ctx.get(), req, out);
  *scanned = s.error_code() == grpc::StatusCode::UNIMPLEMENTED;
  if (!*scanned) return FromStatus(s, ctx.get(), "show audit entry " + std::to_string(position));
  bool found = false;
  Outcome o = ReadLog(cli, position, "", "", [&](const v1::Event& e) {
    found = e.header().position() == position;
    if (found) *out->mutable_entry() = EntryOf(e);
    return false;
  });
  if (o.exit_code != 0) return o;
  if (!found) return Refused("cannot show audit entry " + std::to_string(position) + ": no event at that position");
  return Ok();
}

bool ParseDigest(const std::string& text, uint64_t* position, std::string* hash) {
  size_t colon = text.find(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(text.substr(0, colon), position)) return false;
  *hash = text.substr(colon + 1);
  return hash->size() == 64;
}

Outcome VerifyOnline(Cli* cli, uint64_t from, uint64_t to, const std::string& digest, v1::VerifyOutcome* out) {
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  auto stub = v1::AuditService::NewStub(cli->Channel());
  auto ctx = cli->Context(std::chrono::seconds(3600));
  grpc::Status s;
  if (!digest.empty()) {
    v1::VerifyExtendsRequest req;
    uint64_t pos = 0;
    std::string hash;
    if (!ParseDigest(digest, &pos, &hash)) return Usage("--digest: expected POS:HASH (64 hex digits)");
    req.set_position(pos);
    req.set_head_hash(hash);
    v1::VerifyExtendsResponse resp;
    s = stub->VerifyExtends(ctx.get(), req, &resp);
    *out = resp.outcome();
  } else {
    v1::VerifyRequest req;
    req.set_from_position(from);
    req.set_to_position(to);
    v1::VerifyResponse resp;
    s = stub->Verify(ctx.get(), req, &resp);
    *out = resp.outcome();
  }
  return FromStatus(s, ctx.get(), "verify the chain");
}

Outcome VerifyOffline(const std::string& data_dir, uint64_t from, uint64_t to, const std::string& digest,
                      v1::VerifyOutcome* out) {
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec)) return Usage("--data-dir: no such directory " + data_dir);
  eventstore::RocksStoreOptions o;
  o.path = data_dir;
  o.read_only = true;
  o.create_if_missing = false;
  auto store = eventstore::RocksStore::Open(o);
  if (!store.ok()) return Unavailable("cannot open the store in " + data_dir + ": " + std::string(store.status().message()));
  absl::StatusOr<eventstore::VerifyResult> r;
  if (!digest.empty()) {
    auto published = eventstore::ChainDigest::Parse(digest);
    if (!published.ok()) return Usage("--digest: expected POS:HASH (64 hex digits)");
    r = (*store)->VerifyExtends(*published);
  } else {
    r = (*store)->Verify(from, to);
  }
  (*store)->Close();
  // As the server says it: a range past the end of the log is OUT_OF_RANGE naming the field, a
  // digest at position 0 that is not the empty chain's INVALID_ARGUMENT.
  if (!r.ok()) {
    return Refused("cannot verify the store in " + data_dir + ": " +
                   std::string(r.status().message()) + " (" +
                   absl::StatusCodeToString(r.status().code()) + ")");
  }
  FromResult(*r, out);
  return Ok();
}

}  // namespace proeftuin::cli
