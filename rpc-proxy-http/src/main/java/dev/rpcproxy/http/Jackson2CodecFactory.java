package dev.rpcproxy.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.rpcproxy.http.internal.JacksonVersions;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Objects;

/**
 * JSON bodies with Jackson 2 ({@code com.fasterxml.jackson.core:jackson-databind}, an optional
 * dependency of {@code rpc-proxy-http}: add it yourself).
 *
 * <pre>{@code
 * HttpTransport.builder().baseUrl(url).codec(Jackson2CodecFactory.create(myObjectMapper)).build();
 * // the same as .objectMapper(myObjectMapper)
 * }</pre>
 *
 * <p>One reader and one writer per type are prepared when the proxy is built. Decoding failures
 * keep Jackson's {@code JsonProcessingException} as the cause.
 */
public final class Jackson2CodecFactory implements BodyCodec.Factory {
  private final ObjectMapper mapper;

  private Jackson2CodecFactory(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /**
   * A factory over a plain {@code new ObjectMapper()} that ignores unknown properties (no default typing).
   *
   * @throws IllegalStateException if the Jackson 2 jars on the class path do not fit together
   *     (a jackson-databind newer than jackson-core or jackson-annotations), naming the versions
   *     found and the fix
   */
  public static Jackson2CodecFactory create() {
    JacksonVersions.check(Jackson2CodecFactory.class.getClassLoader());
    return new Jackson2CodecFactory(
        new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false));
  }

  /**
   * A factory over {@code mapper}, used as it is.
   *
   * @throws NullPointerException if {@code mapper} is null
   */
  public static Jackson2CodecFactory create(ObjectMapper mapper) {
    return new Jackson2CodecFactory(Objects.requireNonNull(mapper, "objectMapper"));
  }

  @Override
  public BodyCodec create(Type type) {
    JavaType javaType = mapper.getTypeFactory().constructType(type);
    return new Codec(mapper.writerFor(javaType), mapper.readerFor(javaType));
  }

  @Override
  public String toString() {
    return "Jackson2CodecFactory";
  }

  private record Codec(ObjectWriter writer, ObjectReader reader) implements BodyCodec {
    @Override
    public byte[] encode(Object value) throws IOException {
      return writer.writeValueAsBytes(value);
    }

    @Override
    public Object decode(byte[] body) throws IOException {
      return reader.readValue(body);
    }
  }
}
