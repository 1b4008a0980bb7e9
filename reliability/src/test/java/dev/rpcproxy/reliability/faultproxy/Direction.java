package dev.rpcproxy.reliability.faultproxy;

/** Which way bytes flow through a {@link FaultProxy} connection. */
public enum Direction {
  /** Client to server: requests. */
  UPSTREAM,
  /** Server to client: responses. */
  DOWNSTREAM
}
