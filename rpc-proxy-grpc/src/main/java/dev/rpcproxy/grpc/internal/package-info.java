/** Internals of the gRPC transport: binding, calls and status translation. Not an API. */
package dev.rpcproxy.grpc.internal;
