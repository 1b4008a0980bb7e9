package dev.rpcproxy;

import dev.rpcproxy.internal.DirectTransport;
import dev.rpcproxy.spi.Transport;

/**
 * Transports that call an object in this JVM: an existing client, a generated stub, a fake.
 *
 * <pre>{@code
 * OrderApi safe = RpcProxy.builder(OrderApi.class)
 *     .transport(Transports.direct(existingOrderClient))
 *     .policy(Policy.builder().timeout(Duration.ofMillis(200)).build())
 *     .build();
 * }</pre>
 */
public final class Transports {
  /** Worker threads {@link #direct(Object)} may use at once. */
  public static final int DEFAULT_DIRECT_THREADS = 256;

  private Transports() {}

  /**
   * Calls {@code target}, which must implement the proxied interface, and enforces the deadline
   * even if the target knows nothing of deadlines. Blocking methods run on a bounded, shared pool
   * (at most {@value #DEFAULT_DIRECT_THREADS} threads, no queue, threads named
   * {@code rpc-proxy-direct-<client>-N}, idle ones end after 30 s): at the deadline the caller gets
   * {@link RpcTimeoutException} at once and the target's thread is interrupted. Methods returning
   * {@code CompletableFuture} call the target on the caller's thread; their future is completed
   * with the timeout and cancelled at the deadline. Exceptions the target throws reach the caller
   * unchanged (unless a fallback answers).
   */
  public static Transport direct(Object target) {
    return new DirectTransport(target, DEFAULT_DIRECT_THREADS, true);
  }

  /**
   * {@link #direct(Object)} with its own bound on worker threads.
   *
   * @throws IllegalArgumentException if {@code maxThreads < 1}
   */
  public static Transport direct(Object target, int maxThreads) {
    return new DirectTransport(target, maxThreads, true);
  }

  /**
   * Calls {@code target} on the caller's thread with no thread hand-off. The deadline is checked
   * before each attempt but a running blocking call is not interrupted: use it for targets that
   * enforce deadlines themselves (a stub with its own timeout) or for in-memory fakes.
   */
  public static Transport inline(Object target) {
    return new DirectTransport(target, 0, false);
  }
}
