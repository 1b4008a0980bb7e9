/**
 * The gRPC transport: {@link dev.rpcproxy.grpc.GrpcTransport} binds a plain interface to the
 * unary RPCs of a grpc-java {@code ServiceDescriptor}.
 */
package dev.rpcproxy.grpc;
