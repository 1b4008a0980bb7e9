package dev.rpcproxy.spi;

/** Why an attempt was sent: the tag {@code kind} of {@code rpc.client.attempts}. */
public enum AttemptKind {
  /** The call's first attempt. */
  FIRST("first"),
  /** An attempt after a failed one, following the {@code RetryPolicy}. */
  RETRY("retry"),
  /** An attempt sent while an earlier one is still running, following the {@code HedgePolicy}. */
  HEDGE("hedge");

  private final String tag;

  AttemptKind(String tag) {
    this.tag = tag;
  }

  /** The metric tag value. */
  public String tag() {
    return tag;
  }
}
