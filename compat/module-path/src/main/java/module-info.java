/**
 * A user's application as a named module: what it writes to use rpc-proxy on the module path.
 * Jackson binds the JSON records by reflection, so their package is opened to it.
 */
module dev.rpcproxy.compat.modulepath {
  requires dev.rpcproxy.http;
  requires dev.rpcproxy.grpc;
  requires io.grpc.services; // grpc-java's health service and its messages
  requires io.grpc.netty.shaded; // the channel and server transport, found by ServiceLoader

  opens dev.rpcproxy.compat.modulepath to com.fasterxml.jackson.databind;
}
