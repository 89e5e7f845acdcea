// The audit trail as the CLI reads it: AuditService with a fallback for servers without the
// audit index (UNIMPLEMENTED: the CLI scans the log with EventService.ReadAll and filters
// itself), and verification through the server or offline against a data directory.
//
// Thread-safety: functions only.
#pragma once

#include <cstdint>
#include <string>

#include "cli/cli.h"
#include "proeftuin/v1/audit_service.pb.h"
#include "proeftuin/v1/event_service.pb.h"

namespace proeftuin::cli {

// ListAuditEntries; `scanned` is set when the CLI had to scan the log itself.
Outcome ListAuditEntries(Cli* cli, const v1::ListAuditEntriesRequest& req, v1::ListAuditEntriesResponse* out,
                         bool* scanned);
// GetAuditEntry (before/after states only from the server's audit index).
Outcome GetAuditEntry(Cli* cli, uint64_t position, v1::GetAuditEntryResponse* out, bool* scanned);
// An audit entry made from an event.
v1::AuditEntry EntryOf(const v1::Event& e);

// Verify (or VerifyExtends when `digest` "POS:HASH" is given) through the server.
Outcome VerifyOnline(Cli* cli, uint64_t from, uint64_t to, const std::string& digest, v1::VerifyOutcome* out);
// The same against the store in `data_dir`, opened read-only (works while a server runs).
Outcome VerifyOffline(const std::string& data_dir, uint64_t from, uint64_t to, const std::string& digest,
                      v1::VerifyOutcome* out);
// Splits "POS:HASH"; false when malformed.
bool ParseDigest(const std::string& text, uint64_t* position, std::string* hash);

}  // namespace proeftuin::cli
