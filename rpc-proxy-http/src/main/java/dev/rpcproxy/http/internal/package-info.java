/** The machinery of {@link dev.rpcproxy.http.HttpTransport}; not part of the public contract. */
package dev.rpcproxy.http.internal;
