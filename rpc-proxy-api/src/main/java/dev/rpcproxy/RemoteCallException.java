package dev.rpcproxy;

import java.time.Duration;
import java.util.Optional;

/**
 * The service answered with an error status: HTTP 4xx/5xx, or a gRPC status other than OK.
 *
 * <p>{@link #isClientError()} marks the caller's errors (most 4xx, {@code INVALID_ARGUMENT}, ...):
 * they are thrown as they are, never counted against the service, never retried and never
 * answered from a fallback. Everything else is the service's failure.
 */
public class RemoteCallException extends RpcException {
  private static final long serialVersionUID = 1L;

  private final String status;
  private final boolean clientError;
  private final boolean retryable;
  private final Duration retryAfter;
  private final String detail;

  /** Longest {@link #detail()} kept: a body excerpt or status description is cut to this many characters. */
  public static final int MAX_DETAIL = 256;

  /**
   * The caller is at fault (HTTP 4xx but 408/429; gRPC INVALID_ARGUMENT, NOT_FOUND, ...): thrown
   * as it is, never counted against the service, never retried, no fallback.
   *
   * @param detail a body excerpt or status description (cut to {@link #MAX_DETAIL}), or {@code null}
   */
  public static RemoteCallException callerError(String client, String method, String status, String detail,
      Throwable cause) {
    return new RemoteCallException(client, method, status, true, false, null, detail, cause);
  }

  /** The service failed and another attempt would not help (HTTP 501, gRPC INTERNAL, ...). */
  public static RemoteCallException failure(String client, String method, String status, String detail,
      Throwable cause) {
    return new RemoteCallException(client, method, status, false, false, null, detail, cause);
  }

  /**
   * The service failed and another attempt may succeed (HTTP 503, gRPC UNAVAILABLE, ...).
   *
   * @param retryAfter how long the service asked to wait before a retry, or {@code null}
   */
  public static RemoteCallException retryable(String client, String method, String status, Duration retryAfter,
      String detail, Throwable cause) {
    return new RemoteCallException(client, method, status, false, true, retryAfter, detail, cause);
  }

  /**
   * For subclasses; use the factories {@link #callerError}, {@link #failure}, {@link #retryable}.
   *
   * @param status the status as the protocol names it: {@code "503"}, {@code "UNAVAILABLE"}
   * @param clientError whether the caller is at fault (not counted against the service)
   * @param retryable whether another attempt may succeed (used only for idempotent methods)
   * @param retryAfter how long the service asked to wait before a retry, or {@code null}
   * @param detail a short, bounded excerpt of the error body or status description, or {@code null}
   * @param cause the transport's own exception, or {@code null}
   */
  protected RemoteCallException(String client, String method, String status, boolean clientError,
      boolean retryable, Duration retryAfter, String detail, Throwable cause) {
    super(client, method, client + "." + method + " failed with status " + status
        + (detail == null || detail.isEmpty() ? "" : ": " + cut(detail)), cause);
    this.status = status;
    this.clientError = clientError;
    this.retryable = retryable;
    this.retryAfter = retryAfter;
    this.detail = detail == null ? null : cut(detail);
  }

  private static String cut(String detail) {
    return detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL - 3) + "..." : detail;
  }

  /** The status: an HTTP code such as {@code "503"}, or a gRPC code name such as {@code "UNAVAILABLE"}. */
  public String status() {
    return status;
  }

  /** {@code true} when the caller is at fault (HTTP 4xx but 408/429; gRPC INVALID_ARGUMENT, NOT_FOUND, ...). */
  public boolean isClientError() {
    return clientError;
  }

  /** {@code true} when the transport judged that another attempt may succeed. */
  public boolean isRetryable() {
    return retryable;
  }

  /** The wait the service asked for ({@code Retry-After}, {@code grpc-retry-pushback-ms}), if any. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** A bounded excerpt of the error body or status description, if any. */
  public Optional<String> detail() {
    return Optional.ofNullable(detail);
  }
}
