// The standard gRPC health Check of the whole server (grpc.health.v1.Health/Check with an empty
// service name), sent as raw bytes through a GenericStub, so that neither caller needs the
// health proto's generated code. Used by `proeftuind health` and by proeftuin-bench's
// empty-call reference.
//
// Thread-safety: thread-safe (each call has its own completion queue).
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

namespace proeftuin::clients {

// Sends the Check on `stub` with `ctx` (deadline, metadata) and waits for the answer. The
// status is the call's; `response` holds the serialized HealthCheckResponse on success.
// The method gRPC's own health service answers.
inline constexpr char kHealthCheckMethod[] = "/grpc.health.v1.Health/Check";

grpc::Status HealthCheck(grpc::GenericStub& stub, grpc::ClientContext* ctx,
                         grpc::ByteBuffer* response);

}  // namespace proeftuin::clients
