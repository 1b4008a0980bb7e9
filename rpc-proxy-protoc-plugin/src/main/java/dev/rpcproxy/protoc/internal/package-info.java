/** The plugin's machinery: Java names of proto types, method names, comments and the writer. Not an API. */
package dev.rpcproxy.protoc.internal;
