/**
 * The protoc plugin that writes rpc-proxy client interfaces from {@code .proto} services: see
 * {@link dev.rpcproxy.protoc.RpcProxyPlugin}.
 */
package dev.rpcproxy.protoc;
