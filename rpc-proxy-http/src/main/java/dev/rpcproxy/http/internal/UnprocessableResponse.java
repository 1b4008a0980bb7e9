package dev.rpcproxy.http.internal;

import java.io.IOException;
import okhttp3.Interceptor;

/**
 * A response OkHttp itself failed on with a {@code RuntimeException} (e.g. its retry interceptor
 * parsing an overflowing {@code Retry-After}), turned into an {@code IOException} by
 * {@link #INTERCEPTOR} so that OkHttp reports it to the call like any I/O failure instead of
 * killing a dispatcher thread. Not retryable: the same answer would fail the same way.
 */
public final class UnprocessableResponse extends IOException {
  private static final long serialVersionUID = 1L;

  /** The application interceptor of the clients the transport builds. */
  public static final Interceptor INTERCEPTOR = chain -> {
    try {
      return chain.proceed(chain.request());
    } catch (RuntimeException e) {
      throw new UnprocessableResponse(e);
    }
  };

  private UnprocessableResponse(RuntimeException cause) {
    super(cause.getClass().getSimpleName(), cause);
  }
}
