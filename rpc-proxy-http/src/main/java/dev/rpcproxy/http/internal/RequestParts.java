package dev.rpcproxy.http.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import okhttp3.HttpUrl;
import okhttp3.MultipartBody;
import okhttp3.Request;

/**
 * The parts of one request while {@link ParameterBinder}s fill them in: its URL and headers, and
 * the cookies, matrix parameters, form fields and multipart parts collected for it. One per call,
 * used by one thread.
 */
final class RequestParts {
  final HttpUrl.Builder url;
  final Request.Builder request;
  private StringBuilder cookies;
  private StringBuilder matrix;
  private StringBuilder form;
  private MultipartBody.Builder multipart;

  RequestParts(HttpUrl.Builder url, Request.Builder request) {
    this.url = url;
    this.request = request;
  }

  void addCookie(String name, String value) {
    if (cookies == null) {
      cookies = new StringBuilder();
    } else {
      cookies.append("; ");
    }
    cookies.append(name).append('=').append(value);
  }

  /** Appends {@code ;name=value} for the last path segment, both encoded as in a path segment. */
  void addMatrix(String name, String value) {
    if (matrix == null) {
      matrix = new StringBuilder();
    }
    matrix.append(';');
    PathTemplate.encode(name, PathTemplate.Encoding.STRICT, matrix);
    matrix.append('=');
    PathTemplate.encode(value, PathTemplate.Encoding.STRICT, matrix);
  }

  /** Adds a field of an {@code application/x-www-form-urlencoded} body (as HTML forms encode it). */
  void addFormField(String name, String value) {
    if (form == null) {
      form = new StringBuilder();
    } else {
      form.append('&');
    }
    form.append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
        .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }

  MultipartBody.Builder multipart() {
    if (multipart == null) {
      multipart = new MultipartBody.Builder().setType(MultipartBody.FORM);
    }
    return multipart;
  }

  /** The {@code Cookie} header's value, or {@code null}. */
  String cookies() {
    return cookies == null ? null : cookies.toString();
  }

  /** The matrix parameters, or {@code null}. */
  String matrix() {
    return matrix == null ? null : matrix.toString();
  }

  /** The form body's text, or {@code null} if no field was added. */
  String form() {
    return form == null ? null : form.toString();
  }

  /** The multipart builder, or {@code null} if no part was added. */
  MultipartBody.Builder multipartOrNull() {
    return multipart;
  }
}
