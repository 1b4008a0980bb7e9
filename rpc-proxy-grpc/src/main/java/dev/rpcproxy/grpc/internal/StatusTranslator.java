package dev.rpcproxy.grpc.internal;

import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.spi.AttemptContext;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.time.Duration;

/**
 * Turns what a gRPC call threw into the exception the pipeline classifies. The table is the one
 * documented on {@code GrpcTransport}; this class is its only implementation.
 *
 * <p>Never reads or reports metadata values other than {@code grpc-retry-pushback-ms}; messages
 * carry the client, method, status code and the server's (truncated) description only.
 */
final class StatusTranslator {
  /** gRPC's deadline is set a moment after ours; within this of ours, DEADLINE_EXCEEDED is ours. */
  private static final long OWN_DEADLINE_SLACK_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(5);

  static final Metadata.Key<String> RETRY_PUSHBACK_MS =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  private StatusTranslator() {}

  /**
   * The rpc-proxy exception for {@code failure}, keeping it as the cause.
   *
   * @param client the client name
   * @param method the interface method name
   * @param attempt the attempt, for its deadline and {@link RpcTimeoutException#timeout()}
   * @param failure what {@code ClientCalls} threw or reported
   */
  static RuntimeException translate(String client, String method, AttemptContext attempt, Throwable failure) {
    StatusException found = findStatus(failure);
    if (found == null) {
      return RpcTransportException.permanent(client, method,
          "gRPC call failed: " + failure.getClass().getName(), failure);
    }
    Status status = found.getStatus();
    Status.Code code = status.getCode();
    String detail = status.getDescription();
    switch (code) {
      case DEADLINE_EXCEEDED:
        if (attempt.remainingNanos() > OWN_DEADLINE_SLACK_NANOS) {
          // Our deadline has time left: the server gave up on a deadline of its own (a slow
          // downstream). That is the service failing, not this call timing out.
          return RemoteCallException.failure(client, method, code.name(), detail, failure);
        }
        return attempt.timeoutException(client, method, failure);
      case INVALID_ARGUMENT:
      case NOT_FOUND:
      case ALREADY_EXISTS:
      case PERMISSION_DENIED:
      case UNAUTHENTICATED:
      case FAILED_PRECONDITION:
      case OUT_OF_RANGE:
      case UNIMPLEMENTED:
        return RemoteCallException.callerError(client, method, code.name(), detail, failure);
      default:
        break;
    }
    if (code == Status.Code.CANCELLED && status.getCause() != null) {
      // grpc-java cancelled the call itself, e.g. the response could not be parsed. A status the
      // server sends never carries a cause.
      return RpcTransportException.permanent(client, method,
          "the call failed on this side: " + (detail == null ? code.name() : detail), failure);
    }
    return serviceFailure(client, method, code, detail, found.getTrailers(), failure);
  }

  /** The first gRPC status in the cause chain, as a {@link StatusException}; {@code null} if none. */
  private static StatusException findStatus(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StatusRuntimeException sre) {
        return new StatusException(sre.getStatus(), sre.getTrailers());
      }
      if (t instanceof StatusException se) {
        return se;
      }
    }
    return null;
  }

  /**
   * The service's failures (CANCELLED, DATA_LOSS, INTERNAL, UNKNOWN and anything new too).
   * Retryable: UNAVAILABLE (nothing was processed) and ABORTED (a conflict that a fresh attempt
   * may not meet); RESOURCE_EXHAUSTED only when the server said when to come back. A negative or
   * unparseable pushback means "do not retry" (gRFC A6).
   */
  private static RemoteCallException serviceFailure(String client, String method, Status.Code code, String detail,
      Metadata trailers, Throwable failure) {
    boolean retryable = code == Status.Code.UNAVAILABLE || code == Status.Code.ABORTED;
    Duration retryAfter = null;
    String pushback = trailers == null ? null : trailers.get(RETRY_PUSHBACK_MS);
    if (pushback != null) {
      long millis = parsePushback(pushback);
      if (millis < 0) {
        retryable = false;
      } else {
        retryAfter = Duration.ofMillis(millis);
        retryable = retryable || code == Status.Code.RESOURCE_EXHAUSTED;
      }
    }
    return retryable
        ? RemoteCallException.retryable(client, method, code.name(), retryAfter, detail, failure)
        : RemoteCallException.failure(client, method, code.name(), detail, failure);
  }

  private static long parsePushback(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
