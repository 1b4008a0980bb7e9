package dev.rpcproxy.http;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON bodies with Jackson 3 ({@code tools.jackson.core:jackson-databind}, an optional dependency
 * of {@code rpc-proxy-http}: add it yourself; Spring Boot 4 applications have it).
 *
 * <pre>{@code
 * HttpTransport.builder().baseUrl(url).codec(Jackson3CodecFactory.create(jsonMapper)).build();
 * // the same as .jsonMapper(jsonMapper)
 * }</pre>
 *
 * <p>One reader and one writer per type are prepared when the proxy is built. Jackson 3's
 * exceptions are unchecked; a decoding failure is handed on as an {@link IOException} whose cause
 * is Jackson's {@code JacksonException}.
 */
public final class Jackson3CodecFactory implements BodyCodec.Factory {
  private final ObjectMapper mapper;

  private Jackson3CodecFactory(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** A factory over a plain {@code JsonMapper} that ignores unknown properties (no default typing). */
  public static Jackson3CodecFactory create() {
    return new Jackson3CodecFactory(JsonMapper.builder()
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build());
  }

  /**
   * A factory over {@code mapper} (Spring Boot 4's {@code JsonMapper} bean, say), used as it is.
   *
   * @throws NullPointerException if {@code mapper} is null
   */
  public static Jackson3CodecFactory create(ObjectMapper mapper) {
    return new Jackson3CodecFactory(Objects.requireNonNull(mapper, "jsonMapper"));
  }

  @Override
  public BodyCodec create(Type type) {
    JavaType javaType = mapper.getTypeFactory().constructType(type);
    return new Codec(mapper.writerFor(javaType), mapper.readerFor(javaType));
  }

  @Override
  public String toString() {
    return "Jackson3CodecFactory";
  }

  private record Codec(ObjectWriter writer, ObjectReader reader) implements BodyCodec {
    @Override
    public byte[] encode(Object value) throws IOException {
      try {
        return writer.writeValueAsBytes(value);
      } catch (JacksonException e) {
        throw new IOException("Jackson could not write the value", e);
      }
    }

    @Override
    public Object decode(byte[] body) throws IOException {
      try {
        return reader.readValue(body);
      } catch (JacksonException e) {
        throw new IOException("Jackson could not read the body", e);
      }
    }
  }
}
