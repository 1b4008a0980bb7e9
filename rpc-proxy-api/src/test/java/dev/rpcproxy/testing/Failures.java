package dev.rpcproxy.testing;

import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcTransportException;
import java.time.Duration;

/** Ready-made failures as a transport would report them, for tests of the pipeline. */
public final class Failures {
  private Failures() {}

  /** HTTP 503: the service's failure, retryable. */
  public static RemoteCallException unavailable() {
    return RemoteCallException.retryable("test", "call", "503", null, "unavailable", null);
  }

  /** HTTP 503 asking to wait {@code retryAfter}. */
  public static RemoteCallException unavailable(Duration retryAfter) {
    return RemoteCallException.retryable("test", "call", "503", retryAfter, null, null);
  }

  /** HTTP 501: the service's failure, not retryable. */
  public static RemoteCallException notImplemented() {
    return RemoteCallException.failure("test", "call", "501", null, null);
  }

  /** HTTP 400: the caller's error. */
  public static RemoteCallException badRequest() {
    return RemoteCallException.callerError("test", "call", "400", "bad id", null);
  }

  /** Connection reset: retryable transport failure. */
  public static RpcTransportException reset() {
    return RpcTransportException.retryable("test", "call", "connection reset", null);
  }
}
