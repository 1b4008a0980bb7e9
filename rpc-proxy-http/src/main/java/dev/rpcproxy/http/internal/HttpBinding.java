package dev.rpcproxy.http.internal;

import dev.rpcproxy.RpcException;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.Deadline;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
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

  HttpBinding(String client, String method, String description, OkHttpClient http,
      RequestTemplate template, ResponseReader reader, boolean idempotent, EndpointBalancer balancer) {
    this.client = client;
    this.method = method;
    this.description = description;
    this.http = http;
    this.template = template;
    this.reader = reader;
    this.idempotent = idempotent;
    this.balancer = balancer;
  }

  @Override
  public Object invoke(Object[] args, Deadline deadline) throws Throwable {
    long nanos = deadline.remainingNanos();
    if (nanos <= 0) {
      throw timeout(deadline, null);
    }
    if (balancer != null) {
      return invokeBalanced(args, deadline, nanos);
    }
    Call call = http.newCall(request(args, null));
    call.timeout().timeout(nanos, TimeUnit.NANOSECONDS);
    long start = System.nanoTime();
    try (Response response = call.execute()) {
      logStatus(response.code(), start);
      return reader.read(response, call, deadline.timeSource().clock());
    } catch (IOException e) {
      throw failure(e, deadline, start);
    }
  }

  /** {@link #invoke} on an endpoint the balancer picks; the outcome feeds that endpoint's health. */
  private Object invokeBalanced(Object[] args, Deadline deadline, long nanos) throws Throwable {
    EndpointBalancer.Endpoint endpoint = pick(deadline);
    Call call;
    try {
      call = http.newCall(request(args, endpoint));
    } catch (RuntimeException e) {
      balancer.onAbandoned(endpoint);
      throw e;
    }
    call.timeout().timeout(nanos, TimeUnit.NANOSECONDS);
    long start = System.nanoTime();
    try (Response response = call.execute()) {
      logStatus(response.code(), start);
      Object value = reader.read(response, call, deadline.timeSource().clock());
      balancer.onSuccess(endpoint);
      return value;
    } catch (IOException e) {
      RpcException failure = failure(e, deadline, start);
      settle(endpoint, failure, deadline);
      throw failure;
    } catch (Throwable t) {
      settle(endpoint, t, deadline);
      throw t;
    }
  }

  @Override
  public CompletableFuture<?> invokeAsync(Object[] args, Deadline deadline) {
    long nanos = deadline.remainingNanos();
    if (nanos <= 0) {
      return CompletableFuture.failedFuture(timeout(deadline, null));
    }
    EndpointBalancer.Endpoint endpoint = null;
    Call call;
    try {
      if (balancer != null) {
        endpoint = pick(deadline);
      }
      call = http.newCall(request(args, endpoint));
    } catch (RuntimeException e) {
      if (endpoint != null) {
        balancer.onAbandoned(endpoint);
      }
      return CompletableFuture.failedFuture(e);
    }
    call.timeout().timeout(nanos, TimeUnit.NANOSECONDS);
    CallFuture future = new CallFuture(call, deadline);
    if (endpoint != null) {
      EndpointBalancer.Endpoint chosen = endpoint;
      // Runs once, however the future ends: response, failure, deadline or cancel.
      future.whenComplete((value, failure) -> {
        if (failure == null) {
          balancer.onSuccess(chosen);
        } else {
          balancer.onFailure(chosen, failure, deadline.isExpired());
        }
      });
    }
    call.enqueue(future);
    return future;
  }

  @Override
  public boolean isIdempotent() {
    return idempotent;
  }

  @Override
  public String toString() {
    return "HttpBinding[" + description + "]";
  }

  private Request request(Object[] args, EndpointBalancer.Endpoint endpoint) {
    try {
      return endpoint == null ? template.toRequest(args) : template.toRequest(endpoint.url(), args);
    } catch (IOException e) {
      throw new RpcTransportException(client, method,
          description + ": the request body could not be written as JSON", false, e);
    }
  }

  /** The attempt's endpoint, remembered in the deadline so that a retry goes elsewhere. */
  private EndpointBalancer.Endpoint pick(Deadline deadline) {
    EndpointBalancer.Endpoint endpoint = balancer.pick(deadline.transportState());
    if (endpoint == null) {
      throw new RpcTransportException(client, method,
          description + ": no endpoint is available (the endpoint source has found none yet)", false, null);
    }
    deadline.transportState(endpoint);
    return endpoint;
  }

  /** A blocking attempt failed: the caller's interrupt says nothing about the endpoint. */
  private void settle(EndpointBalancer.Endpoint endpoint, Throwable failure, Deadline deadline) {
    if (Thread.currentThread().isInterrupted() && !deadline.isExpired()) {
      balancer.onAbandoned(endpoint);
    } else {
      balancer.onFailure(endpoint, failure, deadline.isExpired());
    }
  }

  /**
   * An I/O failure: a timeout if the deadline passed (OkHttp's call timeout cancels the call and
   * throws {@code InterruptedIOException("timeout")}), otherwise a retryable transport failure.
   * A socket read or connect timeout of a user's client, before the deadline, is the latter.
   */
  private RpcException failure(IOException e, Deadline deadline, long start) {
    if (log.isDebugEnabled()) {
      log.debug("{} failed after {} ms: {}", description, elapsedMillis(start), e.getClass().getSimpleName());
    }
    if (Thread.currentThread().isInterrupted() && !deadline.isExpired()) {
      // okio reports the caller's interrupt as InterruptedIOException("interrupted"): not a timeout.
      return new RpcTransportException(client, method, description + " was interrupted", false, e);
    }
    boolean callTimeout = e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException);
    if (callTimeout || deadline.isExpired()) {
      return timeout(deadline, e);
    }
    // A certificate that did not verify will not verify on the next attempt either.
    boolean retryable = !(e instanceof SSLPeerUnverifiedException || e instanceof SSLHandshakeException);
    return new RpcTransportException(client, method, description + " failed: " + summary(e), retryable, e);
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

  private RpcTimeoutException timeout(Deadline deadline, Throwable cause) {
    return new RpcTimeoutException(client, method, deadline.timeout(), cause);
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
    private final Deadline deadline;
    private final long start = System.nanoTime();

    CallFuture(Call call, Deadline deadline) {
      this.call = call;
      this.deadline = deadline;
    }

    @Override
    public void onResponse(Call call, Response response) {
      try (response) {
        logStatus(response.code(), start);
        complete(reader.read(response, call, deadline.timeSource().clock()));
      } catch (IOException e) {
        completeExceptionally(failure(e, deadline, start));
      } catch (Throwable t) {
        completeExceptionally(t);
      }
    }

    @Override
    public void onFailure(Call call, IOException e) {
      if (!isDone()) {
        completeExceptionally(failure(e, deadline, start));
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
