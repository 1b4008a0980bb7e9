package dev.rpcproxy.http.internal;

import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.http.BodyCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * Turns a response into the method's value or its {@link RemoteCallException}. Made once per
 * method; the caller closes the response. Bodies are read through a bound of
 * {@code maxResponseBytes}: a declared or actual larger body fails without being read whole.
 */
final class ResponseReader {
  /** How a successful body becomes the value. */
  enum Kind { VOID, STRING, BYTES, JSON }

  /** Error bodies are read up to this many bytes for {@link RemoteCallException#detail()}. */
  static final int SNIPPET_BYTES = 1024;
  /** ... and cut to this many characters. */
  static final int SNIPPET_CHARS = RemoteCallException.MAX_DETAIL;

  private final String client;
  private final String method;
  private final String description;
  private final Kind kind;
  private final BodyCodec json;
  private final boolean primitive;
  private final String typeName;
  private final long maxBytes;
  private final int errorBodyChars;

  /**
   * @param errorBodyChars how many characters of an error response's body become the
   *     exception's detail (and so part of its message); 0 for none
   */
  ResponseReader(String client, String method, String description, Kind kind, BodyCodec json,
      boolean primitive, String typeName, long maxBytes, int errorBodyChars) {
    this.client = client;
    this.method = method;
    this.description = description;
    this.kind = kind;
    this.json = json;
    this.primitive = primitive;
    this.typeName = typeName;
    this.maxBytes = maxBytes;
    this.errorBodyChars = errorBodyChars;
  }

  /** How a successful body becomes the value. */
  Kind kind() {
    return kind;
  }

  /**
   * The value of a 2xx response, or the failure its status stands for.
   *
   * @throws RemoteCallException for any status but 2xx
   * @throws RpcTransportException if the body is too large or its codec cannot read it
   * @throws IOException if reading the body failed
   */
  Object read(Response response, Call call, Clock clock) throws IOException {
    int code = response.code();
    if (code < 200 || code >= 300) {
      throw error(response, clock);
    }
    ResponseBody body = response.body();
    if (kind == Kind.VOID || body == null) {
      return null;
    }
    boolean noContent = code == 204 || code == 205;
    byte[] bytes = noContent ? new byte[0] : readBounded(body, call);
    switch (kind) {
      case STRING:
        MediaType type = body.contentType();
        return new String(bytes, type == null ? StandardCharsets.UTF_8 : type.charset(StandardCharsets.UTF_8));
      case BYTES:
        return bytes;
      default:
        return decodeJson(bytes);
    }
  }

  private Object decodeJson(byte[] bytes) {
    if (bytes.length == 0) {
      if (primitive) {
        throw RpcTransportException.permanent(client, method,
            description + " returned an empty body for " + typeName, null);
      }
      return null;
    }
    try {
      return json.decode(bytes);
    } catch (IOException e) {
      // The codec's message may quote the body; the cause keeps it, our message does not.
      String unbound = BindingFailure.reason(e);
      if (unbound != null) {
        throw RpcTransportException.permanent(client, method,
            description + " returned JSON that does not bind to " + typeName + ": " + unbound, e);
      }
      throw RpcTransportException.permanent(client, method,
          description + " returned a body that is not valid JSON for " + typeName, e);
    }
  }

  private byte[] readBounded(ResponseBody body, Call call) throws IOException {
    long declared = body.contentLength();
    if (declared > maxBytes) {
      throw tooLarge("declares " + declared + " bytes", call);
    }
    BufferedSource source = body.source();
    // request(n) buffers until n bytes are there or the body ends: at most maxBytes + one segment.
    if (source.request(maxBytes == Long.MAX_VALUE ? maxBytes : maxBytes + 1)) {
      throw tooLarge("is larger", call);
    }
    return source.readByteArray();
  }

  /**
   * Cancels the call first: closing an unread body would otherwise drain it for up to 100 ms to
   * reuse the connection, reading far more than the bound.
   */
  private RpcTransportException tooLarge(String what, Call call) {
    call.cancel();
    return RpcTransportException.permanent(client, method, description + " response body " + what
        + " than maxResponseBytes (" + maxBytes + ")", null);
  }

  private RemoteCallException error(Response response, Clock clock) {
    int code = response.code();
    boolean callerError = code >= 400 && code < 500 && code != 408 && code != 429;
    boolean retryable = isRetryable(code);
    Duration retryAfter = null;
    if (retryable) {
      String header = response.header("Retry-After");
      if (header != null) {
        retryAfter = RetryAfter.parse(header, clock);
      }
    }
    String status = Integer.toString(code);
    String detail = errorBodyChars == 0 ? null : snippet(response.body(), errorBodyChars);
    if (callerError) {
      return RemoteCallException.callerError(client, method, status, detail, null);
    }
    return retryable
        ? RemoteCallException.retryable(client, method, status, retryAfter, detail, null)
        : RemoteCallException.failure(client, method, status, detail, null);
  }

  /** 408, 429, 500, 502, 503 and 504 may well succeed on another attempt; other statuses not. */
  static boolean isRetryable(int code) {
    return code == 408 || code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
  }

  /** {@link #snippet(ResponseBody, int)} of {@link #SNIPPET_CHARS}. */
  static String snippet(ResponseBody body) {
    return snippet(body, SNIPPET_CHARS);
  }

  /**
   * The start of an error body: at most {@link #SNIPPET_BYTES} read, decoded as UTF-8 (malformed
   * bytes replaced), control characters blanked, cut to {@code maxChars} (at most
   * {@link #SNIPPET_CHARS}). {@code null} if empty or unreadable.
   */
  static String snippet(ResponseBody body, int maxChars) {
    int limit = Math.min(maxChars, SNIPPET_CHARS);
    if (body == null) {
      return null;
    }
    byte[] bytes;
    try {
      BufferedSource source = body.source();
      source.request(SNIPPET_BYTES);
      bytes = source.getBuffer().readByteArray(Math.min(source.getBuffer().size(), SNIPPET_BYTES));
    } catch (IOException | RuntimeException e) {
      return null;
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(Math.min(text.length(), limit));
    for (int i = 0; i < text.length() && out.length() < limit; i++) {
      char c = text.charAt(i);
      out.append(Character.isISOControl(c) ? ' ' : c);
    }
    if (out.length() > 0 && Character.isHighSurrogate(out.charAt(out.length() - 1))) {
      out.setLength(out.length() - 1);
    }
    String snippet = out.toString().strip();
    return snippet.isEmpty() ? null : snippet;
  }
}
