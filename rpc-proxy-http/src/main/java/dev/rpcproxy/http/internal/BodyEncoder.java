package dev.rpcproxy.http.internal;

import dev.rpcproxy.http.BodyCodec;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import okhttp3.MediaType;
import okhttp3.RequestBody;

/** Turns the body argument into a {@link RequestBody}; chosen once per method at bind time. */
abstract class BodyEncoder {
  private static final byte[] EMPTY = new byte[0];

  final MediaType contentType;

  private BodyEncoder(MediaType contentType) {
    this.contentType = contentType;
  }

  /**
   * Encodes {@code value}; {@code null} becomes an empty body.
   *
   * @throws IOException if the codec cannot write the value
   */
  final RequestBody encode(Object value) throws IOException {
    if (value == null) {
      return RequestBody.create(EMPTY, null);
    }
    return RequestBody.create(bytes(value), contentType);
  }

  abstract byte[] bytes(Object value) throws IOException;

  /** Any object, written by the codec of its declared (generic) type. */
  static BodyEncoder json(BodyCodec codec, MediaType contentType) {
    return new BodyEncoder(contentType) {
      @Override
      byte[] bytes(Object value) throws IOException {
        return codec.encode(value);
      }
    };
  }

  /** A {@code String}, sent as it is in the content type's charset (UTF-8 if none). */
  static BodyEncoder text(MediaType contentType) {
    Charset charset = contentType.charset(StandardCharsets.UTF_8);
    return new BodyEncoder(contentType) {
      @Override
      byte[] bytes(Object value) {
        return ((String) value).getBytes(charset);
      }
    };
  }

  /** A {@code byte[]}, sent as it is. */
  static BodyEncoder bytes(MediaType contentType) {
    return new BodyEncoder(contentType) {
      @Override
      byte[] bytes(Object value) {
        return (byte[]) value;
      }
    };
  }
}
