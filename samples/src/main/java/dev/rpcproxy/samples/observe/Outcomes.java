package dev.rpcproxy.samples.observe;

import java.util.List;

/** The {@code outcome} tag values of rpc-proxy's {@code rpc.client.calls} timer, as documented. */
final class Outcomes {
  static final String SUCCESS = "success";
  static final String CLIENT_ERROR = "client_error";
  static final String FAILURE = "failure";
  static final String TIMEOUT = "timeout";
  static final String BULKHEAD_FULL = "bulkhead_full";
  static final String CIRCUIT_OPEN = "circuit_open";
  static final String CANCELLED = "cancelled";
  static final List<String> ALL =
      List.of(SUCCESS, CLIENT_ERROR, FAILURE, TIMEOUT, BULKHEAD_FULL, CIRCUIT_OPEN, CANCELLED);

  private Outcomes() {}
}
