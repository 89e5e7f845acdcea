#include "lib/health_check.h"

namespace proeftuin::clients {

grpc::Status HealthCheck(grpc::GenericStub& stub, grpc::ClientContext* ctx,
                         grpc::ByteBuffer* response) {
  grpc::CompletionQueue cq;
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);  // HealthCheckRequest{service: ""}: the whole server
  auto call = stub.PrepareUnaryCall(ctx, kHealthCheckMethod, request, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  const bool got = cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (!got) return grpc::Status(grpc::StatusCode::UNKNOWN, "the completion queue shut down");
  return status;
}

}  // namespace proeftuin::clients
