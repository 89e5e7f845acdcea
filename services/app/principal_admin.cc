// PrincipalAdmin: the administrator's operations on principals and tokens (AdminService).
#include <openssl/rand.h>

#include "app/principals.h"
#include "app/principals_internal.h"
#include "domain/decider.h"
#include "eventstore/sha256.h"
#include "eventstore/status_macros.h"

namespace proeftuin::app {

using internal::Fingerprint;
using internal::IsSlug;
using internal::LoadPrincipal;
using internal::ToNew;

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

namespace {

absl::Status ValidateRole(v1::Role role) {
  if (role == v1::ROLE_UNSPECIFIED) return absl::InvalidArgumentError("role: required");
  if (!v1::Role_IsValid(role)) {
    return absl::InvalidArgumentError("role: " + std::to_string(role) + " is not a known role");
  }
  return absl::OkStatus();
}

absl::Status ValidateClearance(v1::Confidentiality clearance, bool required) {
  if (clearance == v1::CONFIDENTIALITY_UNSPECIFIED) {
    return required ? absl::InvalidArgumentError("clearance: required") : absl::OkStatus();
  }
  if (!v1::Confidentiality_IsValid(clearance)) {
    return absl::InvalidArgumentError("clearance: " + std::to_string(clearance) +
                                      " is not a confidentiality level (1 openbaar .. 8 zeer geheim)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::CreatePrincipalResponse> PrincipalAdmin::Create(const v1::CreatePrincipalRequest& r,
                                                                   const v1::Actor& actor) {
  RETURN_IF_ERROR(ValidateChange(r.request_id(), r.principal_id()));
  if (r.display_name().empty() || r.display_name().size() > 200) {
    return absl::InvalidArgumentError("display_name: required, at most 200 characters");
  }
  RETURN_IF_ERROR(ValidateRole(r.role()));
  RETURN_IF_ERROR(ValidateClearance(r.clearance(), /*required=*/false));
  RETURN_IF_ERROR(ValidateCertificateSubject(r.certificate_subject()));
  if (r.token_expires_at_us() < 0) return absl::InvalidArgumentError("token_expires_at_us: must not be negative");
  std::string fp = Fingerprint(r);
  v1::CreatePrincipalResponse out;
  std::optional<std::string> holder;
  if (!r.certificate_subject().empty()) {
    ASSIGN_OR_RETURN(auto view, store_->OpenReadView());
    ASSIGN_OR_RETURN(holder, CertificateHolder(*view, r.certificate_subject()));
  }
  // Looked up after the state is read: an earlier attempt of this request that the read saw
  // (it binds the certificate) is found, rather than reported as a clash with itself.
  ASSIGN_OR_RETURN(auto stored, store_->LookupRequest(r.request_id(), fp));
  if (stored.has_value()) {  // a retry: the principal, but the token was shown once already
    ASSIGN_OR_RETURN(*out.mutable_principal(), Get(r.principal_id()));
    return out;
  }
  if (holder.has_value()) {
    return absl::AlreadyExistsError("certificate_subject: " + r.certificate_subject() +
                                    " is bound to principal " + *holder + " (revoke it first)");
  }
  NewToken token = GenerateToken();
  std::vector<v1::PrincipalEvent> events(2);
  v1::PrincipalCreated* c = events[0].mutable_created();
  c->set_principal_id(r.principal_id());
  c->set_display_name(r.display_name());
  c->set_role(r.role());
  c->set_clearance(domain::OpenbaarIfUnset(r.clearance()));
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
  auto info = store_->GetStreamInfo(PrincipalStream(principal_id));
  auto current = Get(principal_id);
  // Looked up after the state is read, as in Create: a retry never meets its own effect.
  ASSIGN_OR_RETURN(auto stored, store_->LookupRequest(request_id, fp));
  if (stored.has_value()) return Get(principal_id);
  if (!info.ok()) return info.status();
  if (!current.ok()) return current.status();
  if (current->revoked()) {
    return absl::FailedPreconditionError("principal " + principal_id + " was revoked; create a new one");
  }
  ASSIGN_OR_RETURN(std::vector<v1::PrincipalEvent> events, decide(*current));
  if (!events.empty()) {
    RETURN_IF_ERROR(store_->Append(PrincipalAppend(request_id, fp, principal_id,
                                                   eventstore::ExpectedVersion::Exact(info->version),
                                                   events, actor, reason))
                        .status());
  }
  return Get(principal_id);
}

absl::StatusOr<v1::Principal> PrincipalAdmin::ChangeRole(const v1::ChangeRoleRequest& r, const v1::Actor& a) {
  RETURN_IF_ERROR(ValidateRole(r.role()));
  // As with revoking itself: an administrator taking its own role away could leave nobody to
  // administer (another administrator may change it).
  if (r.principal_id() == a.principal_id() && r.role() != v1::ROLE_ADMINISTRATOR) {
    return absl::FailedPreconditionError(
        "PT-ROLE-SELF: an administrator cannot change its own role; another administrator can");
  }
  return Change(r, r.request_id(), r.principal_id(), r.reason(), a, [&](const v1::Principal& p)
                    -> absl::StatusOr<std::vector<v1::PrincipalEvent>> {
    std::vector<v1::PrincipalEvent> ev;
    if (p.role() != r.role()) ev.emplace_back().mutable_role_changed()->set_role(r.role());
    return ev;
  });
}

absl::StatusOr<v1::Principal> PrincipalAdmin::ChangeClearance(const v1::ChangeClearanceRequest& r,
                                                              const v1::Actor& a) {
  RETURN_IF_ERROR(ValidateClearance(r.clearance(), /*required=*/true));
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
    return absl::FailedPreconditionError("PT-REVOKE-SELF: an administrator cannot revoke itself");
  }
  return Change(r, r.request_id(), r.principal_id(), r.reason(), a,
                [&](const v1::Principal&) -> absl::StatusOr<std::vector<v1::PrincipalEvent>> {
                  std::vector<v1::PrincipalEvent> ev(1);
                  ev[0].mutable_revoked();
                  return ev;
                });
}

}  // namespace proeftuin::app

