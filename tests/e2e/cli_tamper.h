// Tampering with a stopped server's store, as an attacker with disk access (or `ldb`) would: one
// event's payload rewritten through RocksDB directly (its stored hash kept), so the recomputed
// hash of that very position no longer matches; or the newest events deleted, so that the chain
// of what is left verifies on its own.
#pragma once

#include <cstdint>
#include <string>

namespace proeftuin::e2e {

// Rewrites the payload of the event at `position` in the store at `data_dir` (server stopped).
void TamperEvent(const std::string& data_dir, uint64_t position);
// Deletes the newest `count` events (their records only) of the store at `data_dir` (server
// stopped); `*first_deleted` gets the lowest position deleted.
void DeleteNewestEvents(const std::string& data_dir, uint64_t count, uint64_t* first_deleted);

// Removes the unfiltered audit index row of `position` (server stopped), as someone who wants an
// event out of the audit log would.
void RemoveAuditIndexRow(const std::string& data_dir, uint64_t position);

}  // namespace proeftuin::e2e
