package dev.rpcproxy.http.internal;

import java.io.IOException;
import java.lang.reflect.Array;
import java.util.Map;
import java.util.Optional;
import okhttp3.RequestBody;

/**
 * Puts one request value (a query parameter, header, cookie, matrix parameter, form field or
 * multipart part) into a request. Made once per parameter at bind time; a {@code null} value (or
 * an empty {@code Optional}) falls back to the default value, is refused if required, or is
 * omitted; a collection or array adds one value per non-null element, a map one per entry (and per
 * element of a collection value, as a {@code MultiValueMap} holds them).
 */
class ParameterBinder {
  /** How the argument's values are walked. */
  enum Shape { SCALAR, ITERABLE, ARRAY, MAP }

  /** Where a value goes. */
  enum Target {
    /** A query parameter, encoded by OkHttp as a query component (as JAX-RS clients do). */
    QUERY {
      @Override
      void add(RequestParts parts, String name, String value) {
        parts.url.addQueryParameter(name, value);
      }
    },
    /**
     * A query parameter with every character but RFC 3986's unreserved ones percent-encoded, as
     * Spring encodes a URI variable (its {@code @RequestParam}s are expanded as such).
     */
    QUERY_STRICT {
      @Override
      void add(RequestParts parts, String name, String value) {
        parts.url.addEncodedQueryParameter(PathTemplate.encode(name, PathTemplate.Encoding.STRICT),
            PathTemplate.encode(value, PathTemplate.Encoding.STRICT));
      }
    },
    HEADER {
      @Override
      void add(RequestParts parts, String name, String value) {
        try {
          parts.request.addHeader(name, value);
        } catch (IllegalArgumentException e) {
          // OkHttp's message may quote the value, which can be a secret: do not keep it.
          throw new IllegalArgumentException("has a character not allowed in a header");
        }
      }
    },
    COOKIE {
      @Override
      void add(RequestParts parts, String name, String value) {
        for (int i = 0; i < value.length(); i++) {
          char c = value.charAt(i);
          if (c <= 0x20 || c >= 0x7f || c == ';' || c == ',' || c == '"' || c == '\\') {
            throw new IllegalArgumentException("has a character not allowed in a cookie value");
          }
        }
        parts.addCookie(name, value);
      }
    },
    MATRIX {
      @Override
      void add(RequestParts parts, String name, String value) {
        parts.addMatrix(name, value);
      }
    },
    FORM {
      @Override
      void add(RequestParts parts, String name, String value) {
        parts.addFormField(name, value);
      }
    },
    /** A text part of a {@code multipart/form-data} body. */
    PART {
      @Override
      void add(RequestParts parts, String name, String value) {
        parts.multipart().addFormDataPart(name, value);
      }
    };

    abstract void add(RequestParts parts, String name, String value);
  }

  final String name;
  final Target target;
  final ArgumentValue value;
  private final Shape shape;
  private final String defaultValue;
  private final boolean required;

  ParameterBinder(Target target, String name, ArgumentValue value, Shape shape, String defaultValue,
      boolean required) {
    this.target = target;
    this.name = name;
    this.value = value;
    this.shape = shape;
    this.defaultValue = defaultValue;
    this.required = required;
  }

  /**
   * Adds this parameter's values.
   *
   * @throws IllegalArgumentException naming the parameter (never its value) if it is required and
   *     missing, or a value cannot go where it must
   * @throws IOException if a part's codec cannot write its value
   */
  void apply(Object[] args, RequestParts parts) throws IOException {
    Object v = value.get(args);
    if (v instanceof Optional<?> optional) {
      v = optional.orElse(null);
    }
    try {
      if (v == null) {
        if (defaultValue != null) {
          addOne(parts, name, defaultValue);
        } else if (required) {
          throw new IllegalArgumentException("is required but was null");
        }
        return;
      }
      switch (shape) {
        case SCALAR -> addOne(parts, name, v);
        case ITERABLE -> addAll(parts, name, (Iterable<?>) v);
        case ARRAY -> {
          int length = Array.getLength(v);
          for (int i = 0; i < length; i++) {
            Object element = Array.get(v, i);
            if (element != null) {
              addOne(parts, name, element);
            }
          }
        }
        case MAP -> {
          for (Map.Entry<?, ?> entry : ((Map<?, ?>) v).entrySet()) {
            if (entry.getKey() == null || entry.getValue() == null) {
              continue;
            }
            String key = entry.getKey().toString();
            if (entry.getValue() instanceof Iterable<?> values) {
              addAll(parts, key, values);
            } else {
              addOne(parts, key, entry.getValue());
            }
          }
        }
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(value.label + " " + e.getMessage());
    }
  }

  private void addAll(RequestParts parts, String name, Iterable<?> values) throws IOException {
    for (Object element : values) {
      if (element != null) {
        addOne(parts, name, element);
      }
    }
  }

  void addOne(RequestParts parts, String name, Object value) throws IOException {
    target.add(parts, name, value.toString());
  }

  /**
   * Whether the value can be read for one request only (a stream), so that the method must not be
   * retried or hedged: a second attempt would send it empty.
   */
  boolean readsOnce() {
    return false;
  }

  /**
   * A multipart part whose value is written by an encoder chosen at bind time (JSON, text or
   * bytes), as Spring's {@code @RequestPart} and JAX-RS {@code @FormParam} in a multipart method send it.
   */
  static final class Part extends ParameterBinder {
    private final BodyEncoder encoder;

    Part(String name, ArgumentValue value, Shape shape, BodyEncoder encoder) {
      super(Target.PART, name, value, shape, null, false);
      this.encoder = encoder;
    }

    @Override
    void addOne(RequestParts parts, String name, Object value) throws IOException {
      RequestBody body = encoder.encode(value);
      parts.multipart().addFormDataPart(name, null, body);
    }
  }
}
