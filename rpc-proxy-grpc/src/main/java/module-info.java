/** rpc-proxy's gRPC transport: interfaces bound to a grpc-java service. Exports {@code dev.rpcproxy.grpc} only. */
module dev.rpcproxy.grpc {
  exports dev.rpcproxy.grpc;

  requires transitive dev.rpcproxy;
  requires transitive io.grpc;
  requires io.grpc.stub;
  requires io.grpc.util;
  requires io.grpc.protobuf;
  requires com.google.protobuf;
  requires org.slf4j;

  provides dev.rpcproxy.spi.InboundDeadline with dev.rpcproxy.grpc.internal.GrpcContextDeadline;
}
