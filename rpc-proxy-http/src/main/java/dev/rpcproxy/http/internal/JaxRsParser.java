package dev.rpcproxy.http.internal;

import dev.rpcproxy.http.internal.ParameterBinder.Shape;
import dev.rpcproxy.http.internal.ParameterBinder.Target;
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
import jakarta.ws.rs.core.EntityPart;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.List;
import okhttp3.MediaType;

/**
 * Reads a method's JAX-RS annotations once into a {@link RequestPlan}. Every rejection is an
 * {@link IllegalArgumentException} whose message starts with {@code api.Interface.method: }.
 */
public final class JaxRsParser extends ContractParser {
  private MediaType consumes;
  private boolean multipart;

  private JaxRsParser(MethodContext context, HttpSettings settings) {
    super(context, settings);
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
    RequestPlan plan = new RequestPlan();
    plan.verb = verb();
    plan.path = path();
    plan.headers = settings.defaultHeaders().newBuilder();
    String[] consumesValues = consumes();
    if (consumesValues != null) {
      consumes = mediaType(consumesValues[0], "@Consumes");
      multipart = isMultipart(consumes);
      plan.contentType = multipart ? null : consumes;
    }
    String[] produces = produces();
    if (produces != null) {
      plan.accept = String.join(", ", produces);
    }

    Type[] types = method.getGenericParameterTypes();
    Annotation[][] annotations = method.getParameterAnnotations();
    int bodyIndex = -1;
    for (int i = 0; i < types.length; i++) {
      String which = parameterLabel(i);
      Annotation source = sourceAnnotation(annotations[i], which);
      if (source == null) {
        if (bodyIndex >= 0) {
          throw reject("has two body parameters (parameters " + (bodyIndex + 1) + " and " + (i + 1)
              + "); annotate all but one with @PathParam, @QueryParam, @HeaderParam, @FormParam, @CookieParam,"
              + " @MatrixParam or @BeanParam");
        }
        bodyIndex = i;
        if (multipart && isEntityPartList(types[i])) {
          plan.binders.add(new EntityParts(null, ArgumentValue.argument(i, which + ", a List<EntityPart>"),
              Shape.ITERABLE));
        } else if (multipart) {
          throw reject(which + ": with @Consumes(\"multipart/form-data\") the body must be a List<EntityPart>;"
              + " or send each part with @FormParam");
        } else {
          plan.body = ArgumentValue.argument(i, which);
          plan.bodyType = types[i];
          plan.bodyLabel = which;
        }
      } else if (source instanceof BeanParam) {
        bean(plan, types[i], ArgumentValue.argument(i, which), which);
      } else {
        param(plan, source, types[i], annotations[i], ArgumentValue.argument(i, which + ", " + describe(source)),
            which);
      }
    }
    for (String variable : plan.path.variables()) {
      if (!plan.pathValues.containsKey(variable)) {
        throw reject("@Path \"" + plan.path.text() + "\" has {" + variable + "} but no @PathParam(\"" + variable
            + "\")");
      }
    }
    if (plan.body != null && NO_BODY.contains(plan.verb)) {
      throw reject("has a body parameter (parameter " + (bodyIndex + 1) + ") but " + plan.verb
          + " requests have no body; annotate it with @PathParam, @QueryParam or @HeaderParam");
    }
    return bind(plan);
  }

  /** One parameter (or bean property) with a {@code *Param} annotation. */
  private void param(RequestPlan plan, Annotation source, Type type, Annotation[] annotations, ArgumentValue value,
      String which) {
    String defaultValue = defaultValue(annotations);
    String what = describe(source);
    if (source instanceof PathParam p) {
      requireScalar(type, what);
      if (!plan.path.variables().contains(p.value())) {
        throw reject(what + " names no {" + p.value() + "} in @Path \"" + plan.path.text() + "\"");
      }
      if (plan.pathValues.put(p.value(), value) != null) {
        throw reject("has two @PathParam(\"" + p.value() + "\")");
      }
    } else if (source instanceof QueryParam q) {
      requireName(q.value(), "@QueryParam", which);
      plan.binders.add(new ParameterBinder(Target.QUERY, q.value(), value, shape(type, what, false), defaultValue,
          false));
    } else if (source instanceof HeaderParam h) {
      requireName(h.value(), "@HeaderParam", which);
      requireHeaderName(h.value(), what);
      plan.binders.add(new ParameterBinder(Target.HEADER, h.value(), value, shape(type, what, false), defaultValue,
          false));
    } else if (source instanceof CookieParam c) {
      requireName(c.value(), "@CookieParam", which);
      requireCookieName(c.value(), what);
      plan.binders.add(new ParameterBinder(Target.COOKIE, c.value(), value, shape(type, what, false), defaultValue,
          false));
    } else if (source instanceof MatrixParam m) {
      requireName(m.value(), "@MatrixParam", which);
      plan.binders.add(new ParameterBinder(Target.MATRIX, m.value(), value, shape(type, what, false), defaultValue,
          false));
    } else if (source instanceof FormParam f) {
      requireName(f.value(), "@FormParam", which);
      formParam(plan, f.value(), type, value, defaultValue, what);
    }
  }

  /**
   * A {@code @FormParam}: a field of a url-encoded form, or with {@code @Consumes("multipart/form-data")}
   * a part (an {@code EntityPart} as it is, text as a text part, any other type as JSON).
   */
  private void formParam(RequestPlan plan, String name, Type type, ArgumentValue value, String defaultValue,
      String what) {
    if (!multipart) {
      if (consumes != null && !isForm(consumes)) {
        throw reject(what + " needs @Consumes(\"application/x-www-form-urlencoded\") or \"multipart/form-data\""
            + ", not \"" + consumes + "\"");
      }
      plan.binders.add(new ParameterBinder(Target.FORM, name, value, shape(type, what, false), defaultValue, false));
      return;
    }
    Class<?> raw = rawType(type);
    if (raw == EntityPart.class) {
      plan.binders.add(new EntityParts(name, value, Shape.SCALAR));
    } else if (isEntityPartList(type)) {
      plan.binders.add(new EntityParts(name, value, Shape.ITERABLE));
    } else if (raw != null && isScalar(raw)) {
      plan.binders.add(new ParameterBinder(Target.PART, name, value, shape(type, what, false), defaultValue, false));
    } else {
      plan.binders.add(new ParameterBinder.Part(name, value, Shape.SCALAR, bodyEncoder(type, null, what)));
    }
  }

  private static boolean isEntityPartList(Type type) {
    return type instanceof ParameterizedType p && List.class.isAssignableFrom(rawType(p.getRawType()))
        && p.getActualTypeArguments()[0] == EntityPart.class;
  }

  /**
   * A {@code @BeanParam}: the fields and getters of its class (or setters, whose getter is then
   * read) that carry {@code *Param} annotations, each bound as if it were a parameter.
   */
  private void bean(RequestPlan plan, Type type, ArgumentValue bean, String which) {
    Class<?> raw = rawType(type);
    if (raw == null || raw.isInterface() || raw.isPrimitive() || raw.isArray()) {
      throw reject(which + ": @BeanParam needs a class with annotated fields or setters, not " + type.getTypeName());
    }
    int found = 0;
    for (Class<?> c = raw; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        Annotation source = sourceAnnotation(field.getAnnotations(), which + " field " + field.getName());
        if (source == null) {
          continue;
        }
        requireNotNested(source, which + " field " + field.getName());
        param(plan, source, field.getGenericType(), field.getAnnotations(),
            ArgumentValue.field(bean, field, describe(source) + " (" + which + ", field " + field.getName() + ")"),
            which);
        found++;
      }
      for (Method setter : c.getDeclaredMethods()) {
        if (Modifier.isStatic(setter.getModifiers()) || setter.getParameterCount() != 1) {
          continue;
        }
        Annotation source = sourceAnnotation(setter.getAnnotations(), which + " setter " + setter.getName());
        if (source == null) {
          continue;
        }
        requireNotNested(source, which + " setter " + setter.getName());
        Method getter = getterOf(c, setter, which);
        param(plan, source, getter.getGenericReturnType(), setter.getAnnotations(),
            ArgumentValue.getter(bean, getter, describe(source) + " (" + which + ", " + getter.getName() + "())"),
            which);
        found++;
      }
    }
    if (found == 0) {
      throw reject(which + ": @BeanParam " + raw.getSimpleName() + " has no field or setter with a @PathParam,"
          + " @QueryParam, @HeaderParam, @CookieParam, @MatrixParam or @FormParam");
    }
  }

  private void requireNotNested(Annotation source, String which) {
    if (source instanceof BeanParam) {
      throw reject(which + ": a @BeanParam inside a @BeanParam is not supported");
    }
  }

  private Method getterOf(Class<?> type, Method setter, String which) {
    String name = setter.getName();
    String property = name.startsWith("set") && name.length() > 3 ? name.substring(3) : null;
    if (property != null) {
      for (String prefix : new String[] {"get", "is"}) {
        try {
          Method getter = type.getDeclaredMethod(prefix + property);
          if (getter.getReturnType() != void.class) {
            return getter;
          }
        } catch (NoSuchMethodException e) {
          // try the next prefix
        }
      }
    }
    throw reject(which + ": @BeanParam setter " + name + " has no getter"
        + (property == null ? "" : " (get" + property + "() or is" + property + "())") + " to read the value from");
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
      throw reject("has no HTTP method annotation; add one of @GET, @POST, @PUT, @DELETE, @PATCH, @HEAD, @OPTIONS"
          + " (or, with spring-web on the class path, @GetExchange, @PostExchange, ... or @HttpExchange)");
    }
    return verb;
  }

  private PathTemplate path() {
    Path onType = context.api().getAnnotation(Path.class);
    Path onMethod = method.getAnnotation(Path.class);
    String joined = join(onType == null ? "" : onType.value(), onMethod == null ? "" : onMethod.value());
    if (joined.isEmpty()) {
      joined = "/";
    }
    if (joined.contains("?") || joined.contains("#")) {
      throw reject("@Path \"" + joined + "\" must not contain '?' or '#'; use @QueryParam");
    }
    try {
      return PathTemplate.parse(joined);
    } catch (IllegalArgumentException e) {
      throw reject(e.getMessage());
    }
  }

  private Annotation sourceAnnotation(Annotation[] annotations, String which) {
    Annotation found = null;
    for (Annotation a : annotations) {
      if (a.annotationType().getName().equals("jakarta.ws.rs.core.Context")) {
        throw reject(which + ": @Context is filled in by a JAX-RS server; a client has nothing to send for it");
      }
      if (a instanceof PathParam || a instanceof QueryParam || a instanceof HeaderParam || a instanceof FormParam
          || a instanceof CookieParam || a instanceof MatrixParam || a instanceof BeanParam) {
        if (found != null) {
          throw reject(which + " has both @" + found.annotationType().getSimpleName() + " and @"
              + a.annotationType().getSimpleName());
        }
        found = a;
      }
    }
    return found;
  }

  private static String describe(Annotation source) {
    String name = source instanceof PathParam p ? p.value()
        : source instanceof QueryParam q ? q.value()
        : source instanceof HeaderParam h ? h.value()
        : source instanceof CookieParam c ? c.value()
        : source instanceof MatrixParam m ? m.value()
        : source instanceof FormParam f ? f.value()
        : null;
    return "@" + source.annotationType().getSimpleName() + (name == null ? "" : "(\"" + name + "\")");
  }

  private static String defaultValue(Annotation[] annotations) {
    for (Annotation a : annotations) {
      if (a instanceof DefaultValue d) {
        return d.value();
      }
    }
    return null;
  }

  private void requireName(String name, String what, String which) {
    if (name.isEmpty()) {
      throw reject(which + ": " + what + " needs a name");
    }
  }

  private void requireCookieName(String name, String what) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
        throw reject(what + " is not a valid cookie name");
      }
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

  /**
   * JAX-RS 3.1 {@link EntityPart}s as parts of a {@code multipart/form-data} body: each keeps its
   * name (or takes the {@code @FormParam}'s), file name, media type and headers; its content is
   * read when the request is made, and a stream can be read once: so a method with parts is never
   * retried or hedged, whatever its verb.
   */
  private static final class EntityParts extends ParameterBinder {
    EntityParts(String name, ArgumentValue value, Shape shape) {
      super(Target.PART, name, value, shape, null, false);
    }

    @Override
    boolean readsOnce() {
      return true;
    }

    @Override
    void addOne(RequestParts parts, String name, Object value) throws java.io.IOException {
      EntityPart part = (EntityPart) value;
      String partName = name != null ? name : part.getName();
      okhttp3.Headers.Builder headers = new okhttp3.Headers.Builder();
      String disposition = "form-data; name=\"" + quoted(partName) + "\""
          + part.getFileName().map(f -> "; filename=\"" + quoted(f) + "\"").orElse("");
      headers.add("Content-Disposition", disposition);
      part.getHeaders().forEach((header, values) -> {
        if (!header.equalsIgnoreCase("Content-Disposition") && !header.equalsIgnoreCase("Content-Type")
            && !header.equalsIgnoreCase("Content-Length")) {
          values.forEach(v -> headers.add(header, v));
        }
      });
      MediaType type = part.getMediaType() == null ? null : MediaType.parse(part.getMediaType().toString());
      byte[] bytes;
      try (java.io.InputStream in = part.getContent()) {
        bytes = in.readAllBytes();
      }
      parts.multipart().addPart(headers.build(), okhttp3.RequestBody.create(bytes, type));
    }

    private static String quoted(String text) {
      return text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "").replace("\n", "");
    }
  }
}
