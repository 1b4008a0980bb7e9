package dev.rpcproxy.testing;

import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcTransportException;
import java.time.Duration;

/** Ready-made failures as a transport would report them, for tests of the pipeline. */
public final class Failures {
  private Failures() {}

  /** HTTP 503: the service's failure, retryable. */
  public static RemoteCallException unavailable() {
    return new RemoteCallException("test", "call", "503", false, true, null, "unavailable", null);
  }

  /** HTTP 503 asking to wait {@code retryAfter}. */
  public static RemoteCallException unavailable(Duration retryAfter) {
    return new RemoteCallException("test", "call", "503", false, true, retryAfter, null, null);
  }

  /** HTTP 501: the service's failure, not retryable. */
  public static RemoteCallException notImplemented() {
    return new RemoteCallException("test", "call", "501", false, false, null, null, null);
  }

  /** HTTP 400: the caller's error. */
  public static RemoteCallException badRequest() {
    return new RemoteCallException("test", "call", "400", true, false, null, "bad id", null);
  }

  /** Connection reset: retryable transport failure. */
  public static RpcTransportException reset() {
    return new RpcTransportException("test", "call", "connection reset", true, null);
  }
}
