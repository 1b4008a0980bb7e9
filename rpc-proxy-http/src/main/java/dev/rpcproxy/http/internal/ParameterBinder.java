package dev.rpcproxy.http.internal;

import java.lang.reflect.Array;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * Puts one {@code @QueryParam} or {@code @HeaderParam} argument into a request. Made once per
 * parameter at bind time; a {@code null} argument falls back to {@code @DefaultValue} or is
 * omitted, and a collection or array adds one value per non-null element.
 */
abstract class ParameterBinder {
  /** How the argument's values are walked. */
  enum Shape { SCALAR, ITERABLE, ARRAY }

  final String name;
  private final int index;
  private final Shape shape;
  private final String defaultValue;

  ParameterBinder(String name, int index, Shape shape, String defaultValue) {
    this.name = name;
    this.index = index;
    this.shape = shape;
    this.defaultValue = defaultValue;
  }

  final void apply(Object[] args, HttpUrl.Builder url, Request.Builder request) {
    Object value = args[index];
    if (value == null) {
      if (defaultValue != null) {
        add(url, request, defaultValue);
      }
      return;
    }
    switch (shape) {
      case SCALAR -> add(url, request, value.toString());
      case ITERABLE -> {
        for (Object element : (Iterable<?>) value) {
          if (element != null) {
            add(url, request, element.toString());
          }
        }
      }
      case ARRAY -> {
        int length = Array.getLength(value);
        for (int i = 0; i < length; i++) {
          Object element = Array.get(value, i);
          if (element != null) {
            add(url, request, element.toString());
          }
        }
      }
    }
  }

  abstract void add(HttpUrl.Builder url, Request.Builder request, String value);

  /** A {@code @QueryParam}: encoded by OkHttp as a query component. */
  static final class Query extends ParameterBinder {
    Query(String name, int index, Shape shape, String defaultValue) {
      super(name, index, shape, defaultValue);
    }

    @Override
    void add(HttpUrl.Builder url, Request.Builder request, String value) {
      url.addQueryParameter(name, value);
    }
  }

  /** A {@code @HeaderParam}. An invalid value is reported without repeating it. */
  static final class Header extends ParameterBinder {
    Header(String name, int index, Shape shape, String defaultValue) {
      super(name, index, shape, defaultValue);
    }

    @Override
    void add(HttpUrl.Builder url, Request.Builder request, String value) {
      try {
        request.addHeader(name, value);
      } catch (IllegalArgumentException e) {
        // OkHttp's message may quote the value, which can be a secret: do not keep it.
        throw new IllegalArgumentException("@HeaderParam(\"" + name + "\") has a character not allowed in a header");
      }
    }
  }
}
