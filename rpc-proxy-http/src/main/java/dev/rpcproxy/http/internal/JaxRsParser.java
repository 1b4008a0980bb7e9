package dev.rpcproxy.http.internal;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rpcproxy.http.internal.ParameterBinder.Shape;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.MatrixParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import java.io.InputStream;
import java.io.Reader;
import java.lang.annotation.Annotation;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.CompletionStage;
import okhttp3.Headers;
import okhttp3.MediaType;

/**
 * Reads a method's JAX-RS annotations once and prepares its {@link HttpBinding}. Every rejection
 * is an {@link IllegalArgumentException} whose message starts with {@code api.Interface.method: }.
 */
public final class JaxRsParser {
  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS");
  private static final Set<String> NO_BODY = Set.of("GET", "HEAD");
  private static final Set<String> REQUIRES_BODY = Set.of("POST", "PUT", "PATCH", "PROPPATCH", "REPORT");
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final MediaType TEXT = MediaType.get("text/plain; charset=utf-8");
  private static final MediaType OCTETS = MediaType.get("application/octet-stream");

  private final MethodContext context;
  private final HttpSettings settings;
  private final Method method;
  private final String where;

  private JaxRsParser(MethodContext context, HttpSettings settings) {
    this.context = context;
    this.settings = settings;
    this.method = context.method();
    this.where = context.api().getName() + "." + method.getName();
  }

  /**
   * Parses one method.
   *
   * @throws IllegalArgumentException naming the interface and method, if it cannot be served
   */
  public static BoundMethod parse(MethodContext context, HttpSettings settings) {
    return new JaxRsParser(context, settings).parse();
  }

  private BoundMethod parse() {
    String verb = verb();
    PathTemplate path = path();
    String description = verb + " " + path.text();

    Type[] types = method.getGenericParameterTypes();
    Annotation[][] annotations = method.getParameterAnnotations();
    Map<String, Integer> pathIndexes = new HashMap<>();
    List<ParameterBinder> binders = new ArrayList<>();
    int bodyIndex = -1;
    for (int i = 0; i < types.length; i++) {
      String which = "parameter " + (i + 1) + " (" + method.getParameters()[i].getName() + ")";
      Annotation source = sourceAnnotation(annotations[i], which);
      String defaultValue = defaultValue(annotations[i]);
      if (source == null) {
        if (bodyIndex >= 0) {
          throw reject("has two body parameters (parameters " + (bodyIndex + 1) + " and " + (i + 1)
              + "); annotate all but one with @PathParam, @QueryParam or @HeaderParam");
        }
        bodyIndex = i;
      } else if (source instanceof PathParam p) {
        requireScalar(types[i], "@PathParam(\"" + p.value() + "\")");
        if (!path.variables().contains(p.value())) {
          throw reject("@PathParam(\"" + p.value() + "\") names no {" + p.value() + "} in @Path \""
              + path.text() + "\"");
        }
        if (pathIndexes.put(p.value(), i) != null) {
          throw reject("has two @PathParam(\"" + p.value() + "\")");
        }
      } else if (source instanceof QueryParam q) {
        requireName(q.value(), "@QueryParam");
        binders.add(new ParameterBinder.Query(q.value(), i, shape(types[i], "@QueryParam(\"" + q.value() + "\")"),
            defaultValue));
      } else if (source instanceof HeaderParam h) {
        requireName(h.value(), "@HeaderParam");
        requireHeaderName(h.value());
        binders.add(new ParameterBinder.Header(h.value(), i, shape(types[i], "@HeaderParam(\"" + h.value() + "\")"),
            defaultValue));
      }
    }
    for (String variable : path.variables()) {
      if (!pathIndexes.containsKey(variable)) {
        throw reject("@Path \"" + path.text() + "\" has {" + variable + "} but no @PathParam(\"" + variable + "\")");
      }
    }
    BodyEncoder body = null;
    if (bodyIndex >= 0) {
      if (NO_BODY.contains(verb)) {
        throw reject("has a body parameter (parameter " + (bodyIndex + 1) + ") but " + verb
            + " requests have no body; annotate it with @PathParam, @QueryParam or @HeaderParam");
      }
      body = bodyEncoder(types[bodyIndex]);
    }

    Headers.Builder headers = settings.defaultHeaders().newBuilder();
    String[] produces = produces();
    if (produces != null) {
      headers.set("Accept", String.join(", ", produces));
    }
    RequestTemplate template = new RequestTemplate(verb, settings.baseUrl(), path.resolve(pathIndexes),
        binders.toArray(ParameterBinder[]::new), headers.build(), bodyIndex, body,
        REQUIRES_BODY.contains(verb));
    ResponseReader reader = responseReader(verb, description);
    return new HttpBinding(context.client(), method.getName(), description, settings.client(), template,
        reader, IDEMPOTENT.contains(verb), settings.balancer(), context.classifier(), settings.deadlineHeader());
  }

  private String verb() {
    String verb = null;
    for (Annotation annotation : method.getAnnotations()) {
      HttpMethod http = annotation.annotationType().getAnnotation(HttpMethod.class);
      if (http == null) {
        continue;
      }
      if (verb != null) {
        throw reject("has two HTTP method annotations (" + verb + " and " + http.value() + ")");
      }
      verb = http.value();
    }
    if (verb == null) {
      throw reject("has no HTTP method annotation; add one of @GET, @POST, @PUT, @DELETE, @PATCH, @HEAD, @OPTIONS");
    }
    return verb;
  }

  private PathTemplate path() {
    Path onType = context.api().getAnnotation(Path.class);
    Path onMethod = method.getAnnotation(Path.class);
    String joined = join(onType == null ? "" : onType.value(), onMethod == null ? "" : onMethod.value());
    if (joined.contains("?") || joined.contains("#")) {
      throw reject("@Path \"" + joined + "\" must not contain '?' or '#'; use @QueryParam");
    }
    try {
      return PathTemplate.parse(joined);
    } catch (IllegalArgumentException e) {
      throw reject(e.getMessage());
    }
  }

  private static String join(String left, String right) {
    if (left.isEmpty()) {
      return right.startsWith("/") ? right : "/" + right;
    }
    String l = left.startsWith("/") ? left : "/" + left;
    if (right.isEmpty()) {
      return l;
    }
    return l.endsWith("/") || right.startsWith("/") ? l + right : l + "/" + right;
  }

  private Annotation sourceAnnotation(Annotation[] annotations, String which) {
    Annotation found = null;
    for (Annotation a : annotations) {
      if (a instanceof FormParam || a instanceof CookieParam || a instanceof MatrixParam || a instanceof BeanParam) {
        throw reject(which + ": @" + a.annotationType().getSimpleName() + " is not supported");
      }
      if (a instanceof PathParam || a instanceof QueryParam || a instanceof HeaderParam) {
        if (found != null) {
          throw reject(which + " has both @" + found.annotationType().getSimpleName() + " and @"
              + a.annotationType().getSimpleName());
        }
        found = a;
      }
    }
    return found;
  }

  private static String defaultValue(Annotation[] annotations) {
    for (Annotation a : annotations) {
      if (a instanceof DefaultValue d) {
        return d.value();
      }
    }
    return null;
  }

  private void requireName(String name, String what) {
    if (name.isEmpty()) {
      throw reject(what + " needs a name");
    }
  }

  private void requireHeaderName(String name) {
    try {
      new Headers.Builder().add(name, "");
    } catch (IllegalArgumentException e) {
      throw reject("@HeaderParam(\"" + name + "\") is not a valid header name");
    }
  }

  private Shape shape(Type type, String what) {
    Class<?> raw = rawType(type);
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
    requireScalar(type, what);
    return Shape.SCALAR;
  }

  private void requireScalar(Type type, String what) {
    Class<?> raw = rawType(type);
    if (raw == null || !isScalar(raw)) {
      throw reject(what + ": " + type.getTypeName() + " is not supported; use a string, number, boolean, "
          + "enum, UUID or java.time value");
    }
  }

  private static boolean isScalar(Class<?> type) {
    return type.isPrimitive() || CharSequence.class.isAssignableFrom(type) || Number.class.isAssignableFrom(type)
        || type == Boolean.class || type == Character.class || type.isEnum() || type == UUID.class
        || TemporalAccessor.class.isAssignableFrom(type) || type == java.time.Duration.class
        || type == java.time.Period.class;
  }

  private BodyEncoder bodyEncoder(Type type) {
    String[] consumes = consumes();
    MediaType declared = null;
    if (consumes != null) {
      declared = MediaType.parse(consumes[0]);
      if (declared == null) {
        throw reject("@Consumes(\"" + consumes[0] + "\") is not a media type");
      }
    }
    if (type == String.class) {
      return BodyEncoder.text(declared != null ? declared : TEXT);
    }
    if (type == byte[].class) {
      return BodyEncoder.bytes(declared != null ? declared : OCTETS);
    }
    if (declared != null && !isJson(declared)) {
      throw reject("a body sent as " + declared + " must be a String or byte[]; other types are sent as JSON");
    }
    requireConcrete(type, "body parameter");
    ObjectMapper mapper = settings.objectMapper();
    JavaType javaType = mapper.getTypeFactory().constructType(type);
    return BodyEncoder.json(mapper.writerFor(javaType), declared != null ? declared : JSON);
  }

  private static boolean isJson(MediaType type) {
    String subtype = type.subtype();
    return subtype.equals("json") || subtype.endsWith("+json") || type.type().equals("*");
  }

  private ResponseReader responseReader(String verb, String description) {
    Type type = context.valueType();
    long max = settings.maxResponseBytes();
    if (type == Void.class || type == void.class) {
      return new ResponseReader(context.client(), method.getName(), description, ResponseReader.Kind.VOID,
          null, false, "void", max);
    }
    if (verb.equals("HEAD")) {
      throw reject("HEAD responses have no body; declare the method void (or CompletableFuture<Void>)");
    }
    if (type == String.class) {
      return new ResponseReader(context.client(), method.getName(), description, ResponseReader.Kind.STRING,
          null, false, "String", max);
    }
    if (type == byte[].class) {
      return new ResponseReader(context.client(), method.getName(), description, ResponseReader.Kind.BYTES,
          null, false, "byte[]", max);
    }
    requireConcrete(type, "return type");
    Class<?> raw = rawType(type);
    if (raw == Optional.class || raw == OptionalInt.class || raw == OptionalLong.class || raw == OptionalDouble.class
        || InputStream.class.isAssignableFrom(raw) || Reader.class.isAssignableFrom(raw)
        || Future.class.isAssignableFrom(raw) || CompletionStage.class.isAssignableFrom(raw)
        || raw.getName().startsWith("okhttp3.")) {
      throw reject("return type " + type.getTypeName() + " is not supported; return a JSON-mapped type, "
          + "String, byte[] or void");
    }
    ObjectMapper mapper = settings.objectMapper();
    JavaType javaType = mapper.getTypeFactory().constructType(type);
    return new ResponseReader(context.client(), method.getName(), description, ResponseReader.Kind.JSON,
        mapper.readerFor(javaType), raw.isPrimitive(), raw.getSimpleName(), max);
  }

  /** Rejects type variables and wildcards, which Jackson would silently read as {@code Object}. */
  private void requireConcrete(Type type, String what) {
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

  private String[] produces() {
    Produces onMethod = method.getAnnotation(Produces.class);
    Produces p = onMethod != null ? onMethod : context.api().getAnnotation(Produces.class);
    return p == null || p.value().length == 0 ? null : p.value();
  }

  private String[] consumes() {
    Consumes onMethod = method.getAnnotation(Consumes.class);
    Consumes c = onMethod != null ? onMethod : context.api().getAnnotation(Consumes.class);
    return c == null || c.value().length == 0 ? null : c.value();
  }

  private static Class<?> rawType(Type type) {
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

  private IllegalArgumentException reject(String why) {
    return new IllegalArgumentException(where + ": " + why);
  }
}
