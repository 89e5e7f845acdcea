// Status propagation helpers for absl::Status / absl::StatusOr (Debian's Abseil 20220623 ships
// none). Header-only; thread-safe (no state).
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PT_CONCAT_INNER_(a, b) a##b
#define PT_CONCAT_(a, b) PT_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status pt_status_ = (expr);                \
    if (!pt_status_.ok()) return pt_status_;           \
  } while (false)

#define PT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return std::move(tmp).status();  \
  lhs = std::move(tmp).value()

// `ASSIGN_OR_RETURN(auto x, Foo());` declares/assigns from an absl::StatusOr or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  PT_ASSIGN_OR_RETURN_IMPL_(PT_CONCAT_(pt_statusor_, __LINE__), lhs, expr)
