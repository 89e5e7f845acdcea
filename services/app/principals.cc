#include "app/principals.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "eventstore/sha256.h"
#include "eventstore/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace proeftuin::app {
namespace {

bool IsSlug(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '-' || s.back() == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string Fingerprint(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream sos(&out);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&cos);
  }
  eventstore::Digest d = eventstore::Sha256Of(out);
  return std::string(eventstore::AsStringView(d));
}

std::string Base64Url(const unsigned char* data, size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    acc = acc << 8 | data[i];
    bits += 8;
    while (bits >= 6) {
      out.push_back(kAlphabet[(acc >> (bits - 6)) & 63]);
      bits -= 6;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

absl::StatusOr<std::optional<v1::Principal>> LoadPrincipal(eventstore::ReadView& view,
                                                           std::string_view id) {
  ASSIGN_OR_RETURN(auto v, view.Get(kPrincipalsProjection, "p/" + std::string(id)));
  if (!v.has_value()) return std::optional<v1::Principal>();
  v1::Principal p;
  if (!p.ParseFromString(*v)) return absl::DataLossError("principal " + std::string(id) + " is corrupt");
  return std::optional<v1::Principal>(std::move(p));
}

absl::StatusOr<Authenticated> Usable(std::optional<v1::Principal> p, std::string token_id,
                                     absl::Time now) {
  auto denied = absl::UnauthenticatedError("unknown, expired or revoked credentials");
  if (!p.has_value() || p->revoked()) return denied;
  if (!token_id.empty()) {
    for (const auto& t : p->tokens()) {
      if (t.token_id() != token_id) continue;
      if (t.revoked()) return denied;
      if (t.expires_at_us() != 0 && absl::FromUnixMicros(t.expires_at_us()) <= now) return denied;
      return Authenticated{*std::move(p), std::move(token_id)};
    }
    return denied;
  }
  return Authenticated{*std::move(p), ""};
}

std::string HexBytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

eventstore::NewEvent ToNew(const v1::PrincipalEvent& e) {
  eventstore::NewEvent n;
  n.type = PrincipalEventType(e);
  n.payload = e.SerializeAsString();
  n.confidentiality = v1::CONFIDENTIALITY_INTERN;
  return n;
}

}  // namespace

std::string PrincipalStream(std::string_view id) { return kPrincipalStreamPrefix + std::string(id); }

std::string RoleName(v1::Role role) {
  std::string n = v1::Role_Name(role);
  if (n.rfind("ROLE_", 0) == 0) n = n.substr(5);
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return n;
}

std::string PrincipalEventType(const v1::PrincipalEvent& e) {
  const google::protobuf::OneofDescriptor* o = e.GetDescriptor()->FindOneofByName("event");
  const google::protobuf::FieldDescriptor* f = e.GetReflection()->GetOneofFieldDescriptor(e, o);
  return f == nullptr ? "" : f->message_type()->full_name();
}

NewToken GenerateToken() {
  unsigned char secret[32], id[4];
  if (RAND_bytes(secret, sizeof secret) != 1 || RAND_bytes(id, sizeof id) != 1) std::abort();
  NewToken t;
  t.token = "pt_" + Base64Url(secret, sizeof secret);
  t.token_id = "tok-" + HexBytes(std::string_view(reinterpret_cast<const char*>(id), sizeof id));
  eventstore::Digest d = eventstore::Sha256Of(t.token);
  t.sha256 = std::string(eventstore::AsStringView(d));
  return t;
}

void EvolvePrincipal(v1::Principal& p, const v1::PrincipalEvent& e, int64_t recorded_at_us) {
  auto token = [&p](const std::string& id) -> v1::TokenInfo* {
    for (auto& t : *p.mutable_tokens()) {
      if (t.token_id() == id) return &t;
    }
    return nullptr;
  };
  switch (e.event_case()) {
    case v1::PrincipalEvent::kCreated:
      p.set_principal_id(e.created().principal_id());
      p.set_display_name(e.created().display_name());
      p.set_role(e.created().role());
      p.set_clearance(e.created().clearance());
      p.set_certificate_subject(e.created().certificate_subject());
      break;
    case v1::PrincipalEvent::kTokenIssued: {
      v1::TokenInfo* t = p.add_tokens();
      t->set_token_id(e.token_issued().token_id());
      t->set_expires_at_us(e.token_issued().expires_at_us());
      t->set_issued_at_us(recorded_at_us);
      break;
    }
    case v1::PrincipalEvent::kRoleChanged:
      p.set_role(e.role_changed().role());
      break;
    case v1::PrincipalEvent::kClearanceChanged:
      p.set_clearance(e.clearance_changed().clearance());
      break;
    case v1::PrincipalEvent::kTokenExpiryChanged:
      if (auto* t = token(e.token_expiry_changed().token_id())) {
        t->set_expires_at_us(e.token_expiry_changed().expires_at_us());
      }
      break;
    case v1::PrincipalEvent::kTokenRevoked:
      if (auto* t = token(e.token_revoked().token_id())) t->set_revoked(true);
      break;
    case v1::PrincipalEvent::kRevoked:
      p.set_revoked(true);
      break;
    case v1::PrincipalEvent::EVENT_NOT_SET:
      break;
  }
}

void PrincipalsProjector::Apply(const eventstore::RecordedEvent& e, eventstore::ProjectionWriter& rows) {
  const std::string& stream = e.header.stream();
  if (stream.rfind(kPrincipalStreamPrefix, 0) != 0) return;
  v1::PrincipalEvent event;
  if (!event.ParseFromString(e.payload)) return;
  std::string id = stream.substr(sizeof(kPrincipalStreamPrefix) - 1);
  v1::Principal p;
  if (auto row = rows.Get("p/" + id)) p.ParseFromString(*row);
  EvolvePrincipal(p, event, e.header.recorded_at_us());
  rows.Put("p/" + id, p.SerializeAsString());
  if (event.has_token_issued()) {
    rows.Put("t/" + HexBytes(event.token_issued().token_sha256()),
             id + " " + event.token_issued().token_id());
  }
  if (event.has_created() && !event.created().certificate_subject().empty()) {
    rows.Put("c/" + event.created().certificate_subject(), id);
  }
}

absl::StatusOr<Authenticated> AuthenticateToken(eventstore::ReadView& view, std::string_view token,
                                                absl::Time now) {
  auto denied = absl::UnauthenticatedError("unknown, expired or revoked credentials");
  if (token.size() < 10 || token.size() > 200) return denied;
  ASSIGN_OR_RETURN(auto row, view.Get(kPrincipalsProjection, "t/" + HexBytes(eventstore::AsStringView(eventstore::Sha256Of(token)))));
  if (!row.has_value()) return denied;
  size_t space = row->find(' ');
  if (space == std::string::npos) return denied;
  ASSIGN_OR_RETURN(auto p, LoadPrincipal(view, row->substr(0, space)));
  return Usable(std::move(p), row->substr(space + 1), now);
}

absl::StatusOr<Authenticated> AuthenticateCertificate(eventstore::ReadView& view,
                                                      std::string_view subject) {
  ASSIGN_OR_RETURN(auto row, view.Get(kPrincipalsProjection, "c/" + std::string(subject)));
  if (!row.has_value()) return absl::UnauthenticatedError("no principal for this client certificate");
  ASSIGN_OR_RETURN(auto p, LoadPrincipal(view, *row));
  return Usable(std::move(p), "", absl::Now());
}

}  // namespace proeftuin::app

namespace proeftuin::app {
namespace {

absl::Status ValidateChange(std::string_view request_id, std::string_view principal_id) {
  if (request_id.empty() || request_id.size() > 128) {
    return absl::InvalidArgumentError("request_id: required, at most 128 characters");
  }
  if (!IsSlug(principal_id)) {
    return absl::InvalidArgumentError("principal_id: must be a lowercase slug (a-z, 0-9, '-'), 1-64 characters");
  }
  return absl::OkStatus();
}

eventstore::AppendRequest PrincipalAppend(const std::string& request_id, const std::string& fp,
                                          const std::string& principal_id, eventstore::ExpectedVersion ev,
                                          const std::vector<v1::PrincipalEvent>& events,
                                          const v1::Actor& actor, const std::string& reason) {
  eventstore::AppendRequest a;
  a.request_id = request_id;
  a.fingerprint = fp;
  a.actor = actor;
  a.reason = reason;
  eventstore::StreamAppend s{PrincipalStream(principal_id), ev, {}};
  for (const auto& e : events) s.events.push_back(ToNew(e));
  a.appends.push_back(std::move(s));
  return a;
}

}  // namespace

absl::StatusOr<v1::Principal> PrincipalAdmin::Get(std::string_view principal_id) {
  ASSIGN_OR_RETURN(auto view, store_->OpenReadView());
  ASSIGN_OR_RETURN(auto p, LoadPrincipal(*view, principal_id));
  if (!p.has_value()) return absl::NotFoundError("principal " + std::string(principal_id) + " does not exist");
  return *std::move(p);
}

absl::StatusOr<std::vector<v1::Principal>> PrincipalAdmin::List() {
  ASSIGN_OR_RETURN(auto view, store_->OpenReadView());
  std::vector<v1::Principal> out;
  RETURN_IF_ERROR(view->Scan(kPrincipalsProjection, "p/", "", [&](std::string_view, std::string_view v) {
    v1::Principal p;
    if (p.ParseFromArray(v.data(), static_cast<int>(v.size()))) out.push_back(std::move(p));
    return true;
  }));
  return out;
}

absl::StatusOr<bool> PrincipalAdmin::Empty() {
  ASSIGN_OR_RETURN(auto view, store_->OpenReadView());
  bool any = false;
  RETURN_IF_ERROR(view->Scan(kPrincipalsProjection, "p/", "", [&](std::string_view, std::string_view) {
    any = true;
    return false;
  }));
  return !any;
}

absl::StatusOr<v1::CreatePrincipalResponse> PrincipalAdmin::Create(const v1::CreatePrincipalRequest& r,
                                                                   const v1::Actor& actor) {
  RETURN_IF_ERROR(ValidateChange(r.request_id(), r.principal_id()));
  if (r.display_name().empty() || r.display_name().size() > 200) {
    return absl::InvalidArgumentError("display_name: required, at most 200 characters");
  }
  if (r.role() == v1::ROLE_UNSPECIFIED) return absl::InvalidArgumentError("role: required");
  if (r.certificate_subject().size() > 500) return absl::InvalidArgumentError("certificate_subject: at most 500 characters");
  if (r.token_expires_at_us() < 0) return absl::InvalidArgumentError("token_expires_at_us: must not be negative");
  std::string fp = Fingerprint(r);
  v1::CreatePrincipalResponse out;
  ASSIGN_OR_RETURN(auto stored, store_->LookupRequest(r.request_id(), fp));
  if (stored.has_value()) {  // a retry: the principal, but the token was shown once already
    ASSIGN_OR_RETURN(*out.mutable_principal(), Get(r.principal_id()));
    return out;
  }
  NewToken token = GenerateToken();
  std::vector<v1::PrincipalEvent> events(2);
  v1::PrincipalCreated* c = events[0].mutable_created();
  c->set_principal_id(r.principal_id());
  c->set_display_name(r.display_name());
  c->set_role(r.role());
  c->set_clearance(r.clearance() == v1::CONFIDENTIALITY_UNSPECIFIED ? v1::CONFIDENTIALITY_OPENBAAR : r.clearance());
  c->set_certificate_subject(r.certificate_subject());
  v1::TokenIssued* t = events[1].mutable_token_issued();
  t->set_token_id(token.token_id);
  t->set_token_sha256(token.sha256);
  t->set_expires_at_us(r.token_expires_at_us());
  auto result = store_->Append(PrincipalAppend(r.request_id(), fp, r.principal_id(),
                                               eventstore::ExpectedVersion::NoStream(), events, actor, r.reason()));
  if (!result.ok() && result.status().code() == absl::StatusCode::kAborted) {
    return absl::AlreadyExistsError("principal " + r.principal_id() + " already exists");
  }
  if (!result.ok()) return result.status();
  ASSIGN_OR_RETURN(*out.mutable_principal(), Get(r.principal_id()));
  if (!result->duplicate) {
    out.set_token(token.token);
    out.set_token_id(token.token_id);
  }
  return out;
}

absl::StatusOr<v1::Principal> PrincipalAdmin::Change(
    const google::protobuf::Message& request, const std::string& request_id,
    const std::string& principal_id, const std::string& reason, const v1::Actor& actor,
    const std::function<absl::StatusOr<std::vector<v1::PrincipalEvent>>(const v1::Principal&)>& decide) {
  RETURN_IF_ERROR(ValidateChange(request_id, principal_id));
  std::string fp = Fingerprint(request);
  ASSIGN_OR_RETURN(auto stored, store_->LookupRequest(request_id, fp));
  if (stored.has_value()) return Get(principal_id);
  ASSIGN_OR_RETURN(eventstore::StreamInfo info, store_->GetStreamInfo(PrincipalStream(principal_id)));
  ASSIGN_OR_RETURN(v1::Principal current, Get(principal_id));
  if (current.revoked()) {
    return absl::FailedPreconditionError("principal " + principal_id + " was revoked; create a new one");
  }
  ASSIGN_OR_RETURN(std::vector<v1::PrincipalEvent> events, decide(current));
  if (!events.empty()) {
    RETURN_IF_ERROR(store_->Append(PrincipalAppend(request_id, fp, principal_id,
                                                   eventstore::ExpectedVersion::Exact(info.version),
                                                   events, actor, reason))
                        .status());
  }
  return Get(principal_id);
}

absl::StatusOr<v1::Principal> PrincipalAdmin::ChangeRole(const v1::ChangeRoleRequest& r, const v1::Actor& a) {
  if (r.role() == v1::ROLE_UNSPECIFIED) return absl::InvalidArgumentError("role: required");
  return Change(r, r.request_id(), r.principal_id(), r.reason(), a, [&](const v1::Principal& p)
                    -> absl::StatusOr<std::vector<v1::PrincipalEvent>> {
    std::vector<v1::PrincipalEvent> ev;
    if (p.role() != r.role()) ev.emplace_back().mutable_role_changed()->set_role(r.role());
    return ev;
  });
}

absl::StatusOr<v1::Principal> PrincipalAdmin::ChangeClearance(const v1::ChangeClearanceRequest& r,
                                                              const v1::Actor& a) {
  if (r.clearance() == v1::CONFIDENTIALITY_UNSPECIFIED) return absl::InvalidArgumentError("clearance: required");
  return Change(r, r.request_id(), r.principal_id(), r.reason(), a, [&](const v1::Principal& p)
                    -> absl::StatusOr<std::vector<v1::PrincipalEvent>> {
    std::vector<v1::PrincipalEvent> ev;
    if (p.clearance() != r.clearance()) ev.emplace_back().mutable_clearance_changed()->set_clearance(r.clearance());
    return ev;
  });
}

absl::StatusOr<v1::RotateTokenResponse> PrincipalAdmin::RotateToken(const v1::RotateTokenRequest& r,
                                                                    const v1::Actor& a) {
  if (r.expires_at_us() < 0) return absl::InvalidArgumentError("expires_at_us: must not be negative");
  NewToken token = GenerateToken();
  bool issued = false;
  auto p = Change(r, r.request_id(), r.principal_id(), r.reason(), a, [&](const v1::Principal& cur)
                      -> absl::StatusOr<std::vector<v1::PrincipalEvent>> {
    std::vector<v1::PrincipalEvent> ev;
    if (r.revoke_others()) {
      for (const auto& t : cur.tokens()) {
        if (!t.revoked()) ev.emplace_back().mutable_token_revoked()->set_token_id(t.token_id());
      }
    }
    v1::TokenIssued* t = ev.emplace_back().mutable_token_issued();
    t->set_token_id(token.token_id);
    t->set_token_sha256(token.sha256);
    t->set_expires_at_us(r.expires_at_us());
    issued = true;
    return ev;
  });
  if (!p.ok()) return p.status();
  v1::RotateTokenResponse out;
  *out.mutable_principal() = *std::move(p);
  if (issued) {
    out.set_token(token.token);
    out.set_token_id(token.token_id);
  }
  return out;
}

absl::StatusOr<v1::Principal> PrincipalAdmin::SetTokenExpiry(const v1::SetTokenExpiryRequest& r,
                                                             const v1::Actor& a) {
  if (r.expires_at_us() < 0) return absl::InvalidArgumentError("expires_at_us: must not be negative");
  return Change(r, r.request_id(), r.principal_id(), r.reason(), a, [&](const v1::Principal& p)
                    -> absl::StatusOr<std::vector<v1::PrincipalEvent>> {
    for (const auto& t : p.tokens()) {
      if (t.token_id() != r.token_id()) continue;
      std::vector<v1::PrincipalEvent> ev(1);
      ev[0].mutable_token_expiry_changed()->set_token_id(r.token_id());
      ev[0].mutable_token_expiry_changed()->set_expires_at_us(r.expires_at_us());
      return ev;
    }
    return absl::NotFoundError("principal " + r.principal_id() + " has no token " + r.token_id());
  });
}

absl::StatusOr<v1::Principal> PrincipalAdmin::RevokeToken(const v1::RevokeTokenRequest& r, const v1::Actor& a) {
  return Change(r, r.request_id(), r.principal_id(), r.reason(), a, [&](const v1::Principal& p)
                    -> absl::StatusOr<std::vector<v1::PrincipalEvent>> {
    for (const auto& t : p.tokens()) {
      if (t.token_id() != r.token_id()) continue;
      std::vector<v1::PrincipalEvent> ev;
      if (!t.revoked()) ev.emplace_back().mutable_token_revoked()->set_token_id(r.token_id());
      return ev;
    }
    return absl::NotFoundError("principal " + r.principal_id() + " has no token " + r.token_id());
  });
}

absl::StatusOr<v1::Principal> PrincipalAdmin::RevokePrincipal(const v1::RevokePrincipalRequest& r,
                                                              const v1::Actor& a) {
  if (r.principal_id() == a.principal_id()) {
    return absl::FailedPreconditionError("an administrator cannot revoke itself (PT-REVOKE-SELF)");
  }
  return Change(r, r.request_id(), r.principal_id(), r.reason(), a,
                [&](const v1::Principal&) -> absl::StatusOr<std::vector<v1::PrincipalEvent>> {
                  std::vector<v1::PrincipalEvent> ev(1);
                  ev[0].mutable_revoked();
                  return ev;
                });
}

}  // namespace proeftuin::app
