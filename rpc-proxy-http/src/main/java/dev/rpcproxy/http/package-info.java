/**
 * REST transport for rpc-proxy: {@link dev.rpcproxy.http.HttpTransport} serves JAX-RS-annotated
 * interfaces over OkHttp with Jackson.
 */
package dev.rpcproxy.http;
