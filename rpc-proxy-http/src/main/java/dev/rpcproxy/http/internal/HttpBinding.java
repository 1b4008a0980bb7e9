package dev.rpcproxy.http.internal;

import dev.rpcproxy.FailureClassifier;
import dev.rpcproxy.RpcException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.BoundMethod;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One interface method bound to HTTP: builds the request from the arguments, runs it under the
 * deadline as OkHttp's per-call timeout, and reads the response. Immutable and thread-safe.
 *
 * <p>Logs at DEBUG only the verb, the path template, the status and the duration: never URLs
 * with their arguments, bodies or header values.
 */
final class HttpBinding implements BoundMethod {
  private static final Logger log = LoggerFactory.getLogger("dev.rpcproxy.http");

  private final String client;
  private final String method;
  private final String description;
  private final OkHttpClient http;
  private final RequestTemplate template;
  private final ResponseReader reader;
  private final boolean idempotent;
  private final EndpointBalancer balancer;
  private final FailureClassifier classifier;
  private final String deadlineHeader;
  /** The header that carries each attempt's number within its call (1, 2, ...). */
  static final String ATTEMPT_HEADER = "X-Rpc-Attempt";

  HttpBinding(String client, String method, String description, OkHttpClient http,
      RequestTemplate template, ResponseReader reader, boolean idempotent, EndpointBalancer balancer,
      FailureClassifier classifier, String deadlineHeader) {
    this.client = client;
    this.method = method;
    this.description = description;
    this.http = http;
    this.template = template;
    this.reader = reader;
    this.idempotent = idempotent;
    this.balancer = balancer;
    this.classifier = classifier;
    this.deadlineHeader = deadlineHeader;
  }

  @Override
  public Object invoke(Object[] args, AttemptContext attempt) throws Throwable {
    long nanos = attempt.remainingNanos();
    if (nanos <= 0) {
      throw attempt.timeoutException(client, method, null);
    }
    EndpointBalancer.Endpoint endpoint = pick(attempt);
    Call call = newCall(args, endpoint, attempt, nanos);
    long start = System.nanoTime();
    try (Response response = call.execute()) {
      logStatus(response.code(), start);
      Object value = reader.read(response, call, attempt.timeSource().clock());
      if (endpoint != null) {
        balancer.onSuccess(endpoint);
      }
      return value;
    } catch (IOException e) {
      RpcException failure = failure(e, attempt, start);
      settle(endpoint, failure, attempt);
      throw failure;
    } catch (RpcException e) {
      settle(endpoint, e, attempt);
      throw e;
    } catch (RuntimeException e) {
      RpcException failure = unprocessable(e, call);
      settle(endpoint, failure, attempt);
      throw failure;
    } catch (Throwable t) {
      settle(endpoint, t, attempt);
      throw t;
    }
  }

  /**
   * OkHttp threw something other than an {@code IOException} while reading or closing a response
   * it could not process (a negative {@code Content-Length}, an overflowing {@code Retry-After}):
   * the service's fault, not the caller's. The call is cancelled so that its connection is freed.
   */
  private RpcTransportException unprocessable(RuntimeException e, Call call) {
    call.cancel();
    return RpcTransportException.permanent(client, method,
        description + " got a response the HTTP client could not process (" + e.getClass().getSimpleName() + ")", e);
  }

  @Override
  public CompletableFuture<?> invokeAsync(Object[] args, AttemptContext attempt) {
    long nanos = attempt.remainingNanos();
    if (nanos <= 0) {
      return CompletableFuture.failedFuture(attempt.timeoutException(client, method, null));
    }
    EndpointBalancer.Endpoint endpoint;
    Call call;
    try {
      endpoint = pick(attempt);
      call = newCall(args, endpoint, attempt, nanos);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    CallFuture future = new CallFuture(call, attempt);
    if (endpoint != null) {
      // Runs once, however the future ends: response, failure, deadline or cancel.
      future.whenComplete((value, failure) -> {
        if (failure == null) {
          balancer.onSuccess(endpoint);
        } else {
          settle(endpoint, failure, attempt);
        }
      });
    }
    call.enqueue(future);
    return future;
  }

  /** The attempt's call, with its deadline as OkHttp's call timeout; frees the endpoint if it cannot be made. */
  private Call newCall(Object[] args, EndpointBalancer.Endpoint endpoint, AttemptContext attempt, long nanos) {
    Call call;
    try {
      call = http.newCall(request(args, endpoint, attempt));
    } catch (RuntimeException e) {
      if (endpoint != null) {
        balancer.onAbandoned(endpoint);
      }
      throw e;
    }
    call.timeout().timeout(nanos, TimeUnit.NANOSECONDS);
    return call;
  }

  @Override
  public boolean isIdempotent() {
    return idempotent;
  }

  @Override
  public String toString() {
    return "HttpBinding[" + description + "]";
  }

  private Request request(Object[] args, EndpointBalancer.Endpoint endpoint, AttemptContext attempt) {
    Request request;
    try {
      request = endpoint == null ? template.toRequest(args) : template.toRequest(endpoint.url(), args);
    } catch (IOException e) {
      throw RpcTransportException.permanent(client, method,
          description + ": the request body could not be written as JSON", e);
    }
    Map<String, String> traceHeaders = attempt.headers();
    // The attempt's number, from 1, on every attempt (first, retry or hedge), as Envoy's
    // x-envoy-attempt-count: a server can shed retries and hedges before first attempts.
    Request.Builder builder = request.newBuilder().header(ATTEMPT_HEADER, Integer.toString(attempt.number()));
    if (deadlineHeader != null) {
      builder.header(deadlineHeader, Long.toString(attempt.remaining(TimeUnit.MILLISECONDS)));
    }
    traceHeaders.forEach(builder::header);
    return builder.build();
  }

  /** The attempt's endpoint (not one an earlier attempt of the call used, when another is usable). */
  private EndpointBalancer.Endpoint pick(AttemptContext attempt) {
    if (balancer == null) {
      return null;
    }
    EndpointBalancer.Endpoint endpoint = balancer.pick(attempt);
    if (endpoint == null) {
      throw RpcTransportException.permanent(client, method,
          description + ": no endpoint is available (the endpoint source has found none yet)", null);
    }
    attempt.useEndpoint(endpoint.uri());
    return endpoint;
  }

  /**
   * An attempt failed: its endpoint's health learns of it, unless the attempt was given up by the
   * caller (interrupted, or cancelled: a hedge that lost, or a caller's cancel) before its deadline.
   */
  private void settle(EndpointBalancer.Endpoint endpoint, Throwable failure, AttemptContext attempt) {
    if (endpoint == null) {
      return;
    }
    boolean givenUp = failure instanceof CancellationException || Thread.currentThread().isInterrupted();
    if (givenUp && !attempt.isExpired()) {
      balancer.onAbandoned(endpoint);
    } else {
      balancer.onFailure(endpoint, failure, classifier);
    }
  }

  /**
   * An I/O failure: a timeout if the deadline passed (OkHttp's call timeout cancels the call and
   * throws {@code InterruptedIOException("timeout")}), otherwise a retryable transport failure.
   * A socket read or connect timeout of a user's client, before the deadline, is the latter.
   */
  private RpcException failure(IOException e, AttemptContext attempt, long start) {
    if (log.isDebugEnabled()) {
      log.debug("{} failed after {} ms: {}", description, elapsedMillis(start), e.getClass().getSimpleName());
    }
    if (Thread.currentThread().isInterrupted() && !attempt.isExpired()) {
      // okio reports the caller's interrupt as InterruptedIOException("interrupted"): not a timeout.
      return RpcTransportException.interrupted(client, method, description, e);
    }
    boolean callTimeout = e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException);
    if (callTimeout || attempt.isExpired()) {
      return attempt.timeoutException(client, method, e);
    }
    if (e instanceof UnprocessableResponse) {
      return RpcTransportException.permanent(client, method,
          description + " got a response the HTTP client could not process (" + summary(e) + ")", e);
    }
    String message = description + " failed: " + summary(e);
    // A certificate that did not verify will not verify on the next attempt either.
    return e instanceof SSLPeerUnverifiedException || e instanceof SSLHandshakeException
        ? RpcTransportException.permanent(client, method, message, e)
        : RpcTransportException.retryable(client, method, message, e);
  }

  /**
   * The exception's class and the start of its message. OkHttp's I/O messages name at most a
   * redacted URL, never header values or bodies.
   */
  private static String summary(IOException e) {
    String message = e.getMessage();
    if (message == null || message.isEmpty()) {
      return e.getClass().getSimpleName();
    }
    return e.getClass().getSimpleName() + ": " + (message.length() > 120 ? message.substring(0, 120) + "..." : message);
  }

  private void logStatus(int code, long start) {
    if (log.isDebugEnabled()) {
      log.debug("{} -> {} in {} ms", description, code, elapsedMillis(start));
    }
  }

  private static long elapsedMillis(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /** The future of one enqueued call; cancelling it cancels the call. */
  private final class CallFuture extends CompletableFuture<Object> implements Callback {
    private final Call call;
    private final AttemptContext attempt;
    private final long start = System.nanoTime();

    CallFuture(Call call, AttemptContext attempt) {
      this.call = call;
      this.attempt = attempt;
    }

    @Override
    public void onResponse(Call call, Response response) {
      try (response) {
        logStatus(response.code(), start);
        complete(reader.read(response, call, attempt.timeSource().clock()));
      } catch (IOException e) {
        completeExceptionally(failure(e, attempt, start));
      } catch (RpcException e) {
        completeExceptionally(e);
      } catch (RuntimeException e) {
        completeExceptionally(unprocessable(e, call));
      } catch (Throwable t) {
        completeExceptionally(t);
      }
    }

    @Override
    public void onFailure(Call call, IOException e) {
      if (!isDone()) {
        completeExceptionally(failure(e, attempt, start));
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      call.cancel();
      return cancelled;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>();
    }
  }
}
