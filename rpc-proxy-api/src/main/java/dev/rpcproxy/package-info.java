/**
 * rpc-proxy's public API: {@link dev.rpcproxy.RpcProxy} builds typed, resilient clients from
 * plain interfaces; {@link dev.rpcproxy.Policy}, {@link dev.rpcproxy.RetryPolicy} and
 * {@link dev.rpcproxy.Fallbacks} configure them; the exceptions here are everything a call can throw.
 */
package dev.rpcproxy;
