package dev.rpcproxy.http.internal;

import dev.rpcproxy.http.BodyCodec;
import dev.rpcproxy.http.internal.ParameterBinder.Shape;
import dev.rpcproxy.http.internal.ParameterBinder.Target;
import dev.rpcproxy.http.internal.RequestTemplate.BodyKind;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;
import java.io.InputStream;
import java.io.Reader;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.time.temporal.TemporalAccessor;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import okhttp3.Headers;
import okhttp3.MediaType;

/**
 * What the parsers of both annotation families share: the type rules for parameters, bodies and
 * values, and {@link #bind}, which turns a {@link RequestPlan} into an {@link HttpBinding}. Every
 * rejection is an {@link IllegalArgumentException} whose message starts with
 * {@code api.Interface.method: }.
 */
abstract class ContractParser {
  static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS");
  static final Set<String> NO_BODY = Set.of("GET", "HEAD");
  private static final Set<String> REQUIRES_BODY = Set.of("POST", "PUT", "PATCH", "PROPPATCH", "REPORT");
  static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  static final MediaType TEXT = MediaType.get("text/plain; charset=utf-8");
  static final MediaType OCTETS = MediaType.get("application/octet-stream");
  static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded");

  final MethodContext context;
  final HttpSettings settings;
  final Method method;
  final String where;

  ContractParser(MethodContext context, HttpSettings settings) {
    this.context = context;
    this.settings = settings;
    this.method = context.method();
    this.where = context.api().getName() + "." + method.getName();
  }

  /** {@code parameter 2 (order)}: names a parameter in messages. */
  final String parameterLabel(int index) {
    return "parameter " + (index + 1) + " (" + method.getParameters()[index].getName() + ")";
  }

  /**
   * The binding of a complete plan: checks what both families require of a request (a body
   * only where the verb takes one; a body, form fields or parts, not two of them), then prepares
   * the request template, the response reader and the binding.
   */
  final BoundMethod bind(RequestPlan plan) {
    String verb = plan.verb;
    String description = verb + " " + plan.path.text();
    boolean form = false;
    boolean multipart = false;
    boolean readsOnce = false;
    for (ParameterBinder binder : plan.binders) {
      form |= binder.target == Target.FORM;
      multipart |= binder.target == Target.PART;
      readsOnce |= binder.readsOnce();
    }
    if (form && multipart) {
      throw reject("has both form fields and multipart parts; a request has one body");
    }
    if ((form || multipart) && plan.body != null) {
      throw reject("has a body parameter (" + plan.bodyLabel + ") and " + (form ? "form fields" : "multipart parts")
          + "; a request has one body");
    }
    if (NO_BODY.contains(verb) && (plan.body != null || form || multipart)) {
      String what = plan.body != null ? "a body parameter (" + plan.bodyLabel + ")"
          : form ? "form fields" : "multipart parts";
      throw reject("has " + what + " but " + verb + " requests have no body");
    }
    BodyKind kind = BodyKind.NONE;
    BodyEncoder encoder = null;
    MediaType formType = null;
    if (plan.body != null) {
      kind = BodyKind.ARGUMENT;
      encoder = bodyEncoder(plan.bodyType, plan.contentType, plan.bodyLabel);
    } else if (form) {
      kind = BodyKind.FORM;
      formType = plan.contentType != null ? plan.contentType : FORM;
    } else if (multipart) {
      kind = BodyKind.MULTIPART;
    }
    ResponseReader reader = responseReader(verb, description);
    Headers.Builder headers = plan.headers;
    if (plan.accept != null) {
      headers.set("Accept", plan.accept);
    } else if (reader.kind() == ResponseReader.Kind.JSON && headers.get("Accept") == null) {
      headers.set("Accept", "application/json");
    }
    RequestTemplate template = new RequestTemplate(where, verb, settings.baseUrl(),
        plan.path.resolve(plan.pathValues), plan.fixedQuery, plan.binders.toArray(ParameterBinder[]::new),
        headers.build(), kind, plan.body, encoder, formType, REQUIRES_BODY.contains(verb));
    return new HttpBinding(context.client(), method.getName(), description, settings.client(), template,
        reader, IDEMPOTENT.contains(verb) && !readsOnce, settings.balancer(), context.classifier(),
        settings.deadlineHeader());
  }

  /**
   * How a query, header, cookie, form or part parameter's values are walked.
   *
   * @param mapAllowed whether a {@code Map} (one value per entry) may stand for several parameters
   */
  final Shape shape(Type type, String what, boolean mapAllowed) {
    Class<?> raw = rawType(type);
    if (raw == Optional.class && type instanceof ParameterizedType p) {
      return shape(p.getActualTypeArguments()[0], what, false);
    }
    if (raw != null && raw.isArray() && raw != byte[].class && raw != char[].class
        && isScalar(raw.getComponentType())) {
      return Shape.ARRAY;
    }
    if (raw != null && Iterable.class.isAssignableFrom(raw)) {
      Type element = type instanceof ParameterizedType p && p.getActualTypeArguments().length == 1
          ? p.getActualTypeArguments()[0] : Object.class;
      Class<?> elementRaw = element instanceof WildcardType w ? rawType(w.getUpperBounds()[0]) : rawType(element);
      if (elementRaw == Object.class || (elementRaw != null && isScalar(elementRaw))) {
        return Shape.ITERABLE;
      }
      throw reject(what + ": " + type.getTypeName() + " is not supported; use a collection of "
          + "strings, numbers, booleans, enums, UUIDs or java.time values");
    }
    if (mapAllowed && raw != null && Map.class.isAssignableFrom(raw)) {
      return Shape.MAP;
    }
    requireScalar(type, what);
    return Shape.SCALAR;
  }

  final void requireScalar(Type type, String what) {
    Class<?> raw = rawType(type);
    if (raw == Optional.class && type instanceof ParameterizedType p) {
      raw = rawType(p.getActualTypeArguments()[0]);
    }
    if (raw == null || !isScalar(raw)) {
      throw reject(what + ": " + type.getTypeName() + " is not supported; use a string, number, boolean, "
          + "enum, UUID or java.time value");
    }
  }

  static boolean isScalar(Class<?> type) {
    return type.isPrimitive() || CharSequence.class.isAssignableFrom(type) || Number.class.isAssignableFrom(type)
        || type == Boolean.class || type == Character.class || type.isEnum() || type == UUID.class
        || TemporalAccessor.class.isAssignableFrom(type) || type == java.time.Duration.class
        || type == java.time.Period.class;
  }

  /** The encoder of a body (or part) of {@code type}, sent as {@code declared} if not {@code null}. */
  final BodyEncoder bodyEncoder(Type type, MediaType declared, String what) {
    if (type == String.class) {
      return BodyEncoder.text(declared != null ? declared : TEXT);
    }
    if (type == byte[].class) {
      return BodyEncoder.bytes(declared != null ? declared : OCTETS);
    }
    if (declared != null && !isJson(declared)) {
      throw reject("a body sent as " + declared + " must be a String or byte[]; other types are sent as JSON");
    }
    requireConcrete(type, what);
    return BodyEncoder.json(codec(type, what), declared != null ? declared : JSON);
  }

  static boolean isJson(MediaType type) {
    String subtype = type.subtype();
    return subtype.equals("json") || subtype.endsWith("+json") || type.type().equals("*");
  }

  static boolean isForm(MediaType type) {
    return type.type().equals("application") && type.subtype().equals("x-www-form-urlencoded");
  }

  static boolean isMultipart(MediaType type) {
    return type.type().equals("multipart") && type.subtype().equals("form-data");
  }

  /** {@code text} as a media type, or a rejection naming {@code annotation}. */
  final MediaType mediaType(String text, String annotation) {
    MediaType parsed = MediaType.parse(text.trim());
    if (parsed == null) {
      throw reject(annotation + "(\"" + text + "\") is not a media type");
    }
    return parsed;
  }

  final ResponseReader responseReader(String verb, String description) {
    Type type = context.valueType();
    long max = settings.maxResponseBytes();
    int bodyChars = settings.errorBodyChars();
    if (type == Void.class || type == void.class) {
      return new ResponseReader(context.client(), method.getName(), description, ResponseReader.Kind.VOID,
          null, false, "void", max, bodyChars);
    }
    if (verb.equals("HEAD")) {
      throw reject("HEAD responses have no body; declare the method void (or CompletableFuture<Void>)");
    }
    if (type == String.class) {
      return new ResponseReader(context.client(), method.getName(), description, ResponseReader.Kind.STRING,
          null, false, "String", max, bodyChars);
    }
    if (type == byte[].class) {
      return new ResponseReader(context.client(), method.getName(), description, ResponseReader.Kind.BYTES,
          null, false, "byte[]", max, bodyChars);
    }
    requireConcrete(type, "return type");
    Class<?> raw = rawType(type);
    if (raw == Optional.class || raw == OptionalInt.class || raw == OptionalLong.class || raw == OptionalDouble.class
        || InputStream.class.isAssignableFrom(raw) || Reader.class.isAssignableFrom(raw)
        || Future.class.isAssignableFrom(raw) || CompletionStage.class.isAssignableFrom(raw)
        || raw.getName().startsWith("okhttp3.") || raw.getName().startsWith("org.springframework.")
        || raw.getName().startsWith("jakarta.ws.rs.")) {
      throw reject("return type " + type.getTypeName() + " is not supported; return a JSON-mapped type, "
          + "String, byte[] or void");
    }
    return new ResponseReader(context.client(), method.getName(), description, ResponseReader.Kind.JSON,
        codec(type, "return type"), raw.isPrimitive(), raw.getSimpleName(), max, bodyChars);
  }

  final BodyCodec codec(Type type, String what) {
    BodyCodec.Factory factory = settings.codecs();
    BodyCodec codec;
    try {
      codec = factory == null ? null : factory.create(type);
    } catch (IllegalArgumentException e) {
      throw reject(what + " " + type.getTypeName() + ": " + e.getMessage());
    }
    if (codec == null) {
      throw reject(what + " " + type.getTypeName() + " needs a JSON codec: put Jackson (com.fasterxml.jackson.core"
          + " or tools.jackson.core:jackson-databind) on the class path, or set HttpTransport.builder().codec(...)");
    }
    return codec;
  }

  /** Rejects type variables and wildcards, which Jackson would silently read as {@code Object}. */
  final void requireConcrete(Type type, String what) {
    if (type instanceof TypeVariable<?> || type instanceof WildcardType) {
      throw reject(what + " " + type.getTypeName() + " is not supported; use a concrete type");
    }
    if (type instanceof ParameterizedType p) {
      for (Type argument : p.getActualTypeArguments()) {
        requireConcrete(argument, what);
      }
    } else if (type instanceof GenericArrayType a) {
      requireConcrete(a.getGenericComponentType(), what);
    }
  }

  final void requireHeaderName(String name, String what) {
    try {
      new Headers.Builder().add(name, "");
    } catch (IllegalArgumentException e) {
      throw reject(what + " is not a valid header name");
    }
  }

  static Class<?> rawType(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
      return c;
    }
    if (type instanceof GenericArrayType a) {
      Class<?> component = rawType(a.getGenericComponentType());
      return component == null ? null : component.arrayType();
    }
    return null;
  }

  /** Joins a type-level and a method-level path as JAX-RS and Spring do: one {@code /} between them. */
  static String join(String left, String right) {
    if (left.isEmpty()) {
      return right.isEmpty() || right.startsWith("/") ? right : "/" + right;
    }
    String l = left.startsWith("/") ? left : "/" + left;
    if (right.isEmpty()) {
      return l;
    }
    return l.endsWith("/") || right.startsWith("/") ? l + right : l + "/" + right;
  }

  final IllegalArgumentException reject(String why) {
    return new IllegalArgumentException(where + ": " + why);
  }
}
