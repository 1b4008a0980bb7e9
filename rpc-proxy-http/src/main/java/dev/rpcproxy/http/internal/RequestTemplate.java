package dev.rpcproxy.http.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * Everything about a method's request that is known at bind time; {@link #toRequest} only fills
 * in the arguments. Immutable.
 */
final class RequestTemplate {
  private static final byte[] EMPTY = new byte[0];

  /** Where the request body comes from. */
  enum BodyKind {
    /** No body (an empty one for verbs that require one). */
    NONE,
    /** One argument, written by a {@link BodyEncoder}. */
    ARGUMENT,
    /** Form fields, {@code application/x-www-form-urlencoded}. */
    FORM,
    /** Parts, {@code multipart/form-data}. */
    MULTIPART
  }

  private final String where;
  private final String verb;
  private final HttpUrl baseUrl;
  private final PathTemplate path;
  private final String fixedQuery;
  private final ParameterBinder[] binders;
  private final Headers fixedHeaders;
  private final BodyKind bodyKind;
  private final ArgumentValue bodyValue;
  private final BodyEncoder body;
  private final MediaType formType;
  private final boolean requiresBody;

  /**
   * @param where {@code api.Interface.method}, prefixed to the message of an argument refused
   * @param fixedQuery encoded query text of the template itself, or {@code null}
   * @param formType the content type of a {@link BodyKind#FORM} body
   */
  RequestTemplate(String where, String verb, HttpUrl baseUrl, PathTemplate path, String fixedQuery,
      ParameterBinder[] binders, Headers fixedHeaders, BodyKind bodyKind, ArgumentValue bodyValue,
      BodyEncoder body, MediaType formType, boolean requiresBody) {
    this.where = where;
    this.verb = verb;
    this.baseUrl = baseUrl;
    this.path = path;
    this.fixedQuery = fixedQuery;
    this.binders = binders;
    this.fixedHeaders = fixedHeaders;
    this.bodyKind = bodyKind;
    this.bodyValue = bodyValue;
    this.body = body;
    this.formType = formType;
    this.requiresBody = requiresBody;
  }

  /**
   * The request for one call.
   *
   * @throws IllegalArgumentException naming the method and parameter (never the value) if a
   *     required argument is missing, a path argument would change the path, or a header or
   *     cookie argument holds characters not allowed there
   * @throws IOException if the codec of the body cannot write it
   */
  Request toRequest(Object[] args) throws IOException {
    return toRequest(baseUrl, args);
  }

  /** The request for one call to {@code base} (an endpoint chosen for this attempt). */
  Request toRequest(HttpUrl base, Object[] args) throws IOException {
    HttpUrl.Builder url = base.newBuilder();
    if (fixedQuery != null) {
      url.encodedQuery(fixedQuery);
    }
    RequestParts parts = new RequestParts(url, new Request.Builder().headers(fixedHeaders));
    try {
      for (ParameterBinder binder : binders) {
        binder.apply(args, parts);
      }
      path.appendTo(url, args, parts.matrix());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage());
    }
    String cookies = parts.cookies();
    if (cookies != null) {
      parts.request.addHeader("Cookie", cookies);
    }
    RequestBody requestBody = switch (bodyKind) {
      case ARGUMENT -> body.encode(bodyValue.get(args));
      case FORM -> {
        String form = parts.form();
        // As bytes: OkHttp would add "; charset=utf-8" to a String body's type. Form text is ASCII.
        yield RequestBody.create(form == null ? EMPTY : form.getBytes(StandardCharsets.US_ASCII), formType);
      }
      case MULTIPART -> {
        MultipartBody.Builder multipart = parts.multipartOrNull();
        yield multipart == null ? RequestBody.create(EMPTY, null) : multipart.build();
      }
      case NONE -> requiresBody ? RequestBody.create(EMPTY, null) : null;
    };
    return parts.request.url(url.build()).method(verb, requestBody).build();
  }
}
