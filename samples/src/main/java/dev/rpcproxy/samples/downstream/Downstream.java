package dev.rpcproxy.samples.downstream;

/** The services the order service depends on, as the demo starts them. */
public enum Downstream {
  RESTAURANTS("restaurants"),
  CONSUMERS("consumers"),
  KITCHEN("kitchen");

  private final String label;

  Downstream(String label) {
    this.label = label;
  }

  /** The name used in output, metrics tags and client names. */
  public String label() {
    return label;
  }
}
