package dev.rpcproxy.http.internal;

import java.io.IOException;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * Everything about a method's request that is known at bind time; {@link #toRequest} only fills
 * in the arguments. Immutable.
 */
final class RequestTemplate {
  private static final byte[] EMPTY = new byte[0];

  private final String verb;
  private final HttpUrl baseUrl;
  private final PathTemplate path;
  private final ParameterBinder[] binders;
  private final Headers fixedHeaders;
  private final int bodyIndex;
  private final BodyEncoder body;
  private final boolean requiresBody;

  RequestTemplate(String verb, HttpUrl baseUrl, PathTemplate path, ParameterBinder[] binders,
      Headers fixedHeaders, int bodyIndex, BodyEncoder body, boolean requiresBody) {
    this.verb = verb;
    this.baseUrl = baseUrl;
    this.path = path;
    this.binders = binders;
    this.fixedHeaders = fixedHeaders;
    this.bodyIndex = bodyIndex;
    this.body = body;
    this.requiresBody = requiresBody;
  }

  /**
   * The request for one call.
   *
   * @throws IllegalArgumentException if a path argument is missing or would change the path, or a
   *     header argument holds characters not allowed in a header
   * @throws IOException if the codec of the body cannot write it
   */
  Request toRequest(Object[] args) throws IOException {
    return toRequest(baseUrl, args);
  }

  /** The request for one call to {@code base} (an endpoint chosen for this attempt). */
  Request toRequest(HttpUrl base, Object[] args) throws IOException {
    HttpUrl.Builder url = base.newBuilder();
    path.appendTo(url, args);
    Request.Builder request = new Request.Builder().headers(fixedHeaders);
    for (ParameterBinder binder : binders) {
      binder.apply(args, url, request);
    }
    RequestBody requestBody = null;
    if (body != null) {
      requestBody = body.encode(args[bodyIndex]);
    } else if (requiresBody) {
      requestBody = RequestBody.create(EMPTY, null);
    }
    return request.url(url.build()).method(verb, requestBody).build();
  }
}
