package dev.rpcproxy.internal;

/** How a call ended, as the {@code outcome} tag of {@code rpc.client.calls}. Exactly one per call. */
public enum Outcome {
  SUCCESS("success"),
  CLIENT_ERROR("client_error"),
  FAILURE("failure"),
  TIMEOUT("timeout"),
  BULKHEAD_FULL("bulkhead_full"),
  CIRCUIT_OPEN("circuit_open"),
  RATE_LIMITED("rate_limited"),
  CANCELLED("cancelled");

  private final String tag;

  Outcome(String tag) {
    this.tag = tag;
  }

  /** The metric tag value. */
  public String tag() {
    return tag;
  }
}
