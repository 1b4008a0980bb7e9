package dev.rpcproxy.http;

import java.io.IOException;
import java.lang.reflect.Type;

/**
 * Reads and writes the JSON bodies of one Java type: every request body and response value that
 * is not a {@code String}, a {@code byte[]} or {@code void}. Made once per method when the proxy
 * is built, by a {@link Factory}, and then used by every call, from any thread.
 *
 * <pre>{@code
 * HttpTransport.builder()
 *     .baseUrl("http://localhost:8080")
 *     .codec(Jackson3CodecFactory.create(jsonMapper))   // or Jackson2CodecFactory.create(objectMapper)
 *     .build();
 * }</pre>
 *
 * <p>Without {@code codec(...)} the transport picks one by what is on the class path: Jackson 2
 * ({@code com.fasterxml.jackson.core:jackson-databind}), else Jackson 3
 * ({@code tools.jackson.core:jackson-databind}). A new format arrives as a new {@link Factory},
 * as Retrofit's {@code Converter.Factory} does.
 */
public interface BodyCodec {

  /**
   * The bytes of {@code value}, never {@code null} ({@code null} values never reach a codec).
   *
   * @throws IOException if the value cannot be written; the call fails with a non-retryable
   *     {@code RpcTransportException} keeping it as the cause
   */
  byte[] encode(Object value) throws IOException;

  /**
   * The value of a non-empty body.
   *
   * @throws IOException if the bytes are not a valid body for the type; the call fails with a
   *     non-retryable {@code RpcTransportException} keeping it as the cause (whose message may
   *     quote the body: rpc-proxy's own message does not)
   */
  Object decode(byte[] body) throws IOException;

  /** Makes the codec of each type. Implementations are immutable and thread-safe. */
  interface Factory {

    /**
     * The codec of {@code type} (a class, or a parameterized type such as {@code List<Item>}), or
     * {@code null} if this factory does not handle it; the method then fails {@code build()}.
     *
     * @throws IllegalArgumentException if the factory handles the type but cannot serve it; the
     *     message becomes part of the {@code build()} failure
     */
    BodyCodec create(Type type);
  }
}
