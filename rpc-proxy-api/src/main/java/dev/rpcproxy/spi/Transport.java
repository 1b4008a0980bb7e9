package dev.rpcproxy.spi;

/**
 * Speaks one protocol for a proxy. {@link #bind} runs once per interface method at
 * {@code RpcProxy.Builder.build()}; the returned {@link BoundMethod} performs attempts.
 *
 * <pre>{@code
 * Transport http = HttpTransport.builder().baseUrl("http://localhost:8080").build();
 * RestaurantApi api = RpcProxy.builder(RestaurantApi.class).transport(http).build();
 * }</pre>
 */
public interface Transport extends AutoCloseable {

  /**
   * Parses and prepares one method.
   *
   * @throws IllegalArgumentException if this transport cannot serve the method (missing
   *     annotation, unsupported signature, unknown RPC); the message says why
   */
  BoundMethod bind(MethodContext method);

  /** Releases what the transport created itself (threads, pools); never what the user passed in. */
  @Override
  default void close() {}
}
