package dev.rpcproxy.http.internal;

import dev.rpcproxy.http.internal.ParameterBinder.Shape;
import dev.rpcproxy.http.internal.ParameterBinder.Target;
import dev.rpcproxy.http.internal.PathTemplate.Encoding;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.Type;
import org.springframework.web.bind.annotation.CookieValue;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.ValueConstants;
import org.springframework.web.service.annotation.HttpExchange;

/**
 * Reads a Spring HTTP interface method ({@code @HttpExchange}, {@code @GetExchange} ... on the
 * interface and the method) once into a {@link RequestPlan}, with the values Spring's
 * {@code HttpServiceProxyFactory} would send: URLs joined as Spring joins them, path variables and
 * query parameters encoded as Spring encodes URI variables (everything but unreserved
 * characters), {@code @RequestParam}s as form fields when the content type is a url-encoded form.
 * Only Spring's annotations are read; no Spring context or {@code RestClient} is used. Loaded only
 * when spring-web is on the class path ({@link ContractParsers}).
 */
final class SpringExchangeParser extends ContractParser {
  private SpringExchangeParser(MethodContext context, HttpSettings settings) {
    super(context, settings);
  }

  /** Whether the method (or its interface) carries Spring's {@code @HttpExchange} family. */
  static boolean applies(MethodContext context) {
    return exchange(context.method()) != null || context.api().isAnnotationPresent(HttpExchange.class);
  }

  /**
   * Parses one method.
   *
   * @throws IllegalArgumentException naming the interface and method, if it cannot be served
   */
  static BoundMethod parse(MethodContext context, HttpSettings settings) {
    return new SpringExchangeParser(context, settings).parse();
  }

  /** The method's {@code @HttpExchange} or annotation meta-annotated with it, or {@code null}. */
  private static Annotation exchange(Method method) {
    for (Annotation a : method.getAnnotations()) {
      if (a instanceof HttpExchange || a.annotationType().isAnnotationPresent(HttpExchange.class)) {
        return a;
      }
    }
    return null;
  }

  private BoundMethod parse() {
    HttpExchange onType = context.api().getAnnotation(HttpExchange.class);
    Annotation onMethod = onlyExchange();
    if (onMethod == null) {
      throw reject("has no @HttpExchange, @GetExchange, @PostExchange, @PutExchange, @PatchExchange or"
          + " @DeleteExchange (its interface has @HttpExchange)");
    }
    String exchangeName = "@" + onMethod.annotationType().getSimpleName();
    RequestPlan plan = new RequestPlan();
    plan.verb = verb(onType, onMethod);
    if (!string(onMethod, "version").isEmpty() || (onType != null && !onType.version().isEmpty())) {
      throw reject(exchangeName + ": an API version needs Spring's ApiVersionInserter, which is not supported; "
          + "send it with @RequestHeader or in the URL");
    }
    String url = url(onType == null ? "" : url(onType), url(onMethod));
    int question = url.indexOf('?');
    String path = question < 0 ? url : url.substring(0, question);
    if (question >= 0) {
      String query = url.substring(question + 1);
      if (query.contains("{")) {
        throw reject("URL \"" + url + "\": variables in the query part are not supported; use @RequestParam");
      }
      plan.fixedQuery = query.isEmpty() ? null : encodeLiteralQuery(query);
    }
    if (path.contains("://") || path.startsWith("//")) {
      throw reject("URL \"" + url + "\" is absolute; give the service's address to HttpTransport.builder().baseUrl"
          + " and a path here");
    }
    if (path.contains("#")) {
      throw reject("URL \"" + url + "\" must not contain '#'");
    }
    try {
      plan.path = PathTemplate.parse(path.isEmpty() ? "/" : path.startsWith("/") ? path : "/" + path,
          Encoding.STRICT);
    } catch (IllegalArgumentException e) {
      throw reject(e.getMessage().replace("@Path", "URL"));
    }
    plan.headers = settings.defaultHeaders().newBuilder();
    if (onType != null) {
      headers(plan, onType.headers(), "@HttpExchange on the interface");
    }
    headers(plan, strings(onMethod, "headers"), exchangeName);
    String[] accept = strings(onMethod, "accept");
    if (accept.length == 0 && onType != null) {
      accept = onType.accept();
    }
    if (accept.length > 0) {
      for (String a : accept) {
        mediaType(a, exchangeName + " accept");
      }
      plan.accept = String.join(", ", accept);
    }
    String contentType = string(onMethod, "contentType");
    if (contentType.isEmpty() && onType != null) {
      contentType = onType.contentType();
    }
    boolean form = false;
    if (!contentType.isEmpty()) {
      plan.contentType = mediaType(contentType, exchangeName + " contentType");
      form = isForm(plan.contentType);
    }

    Parameter[] parameters = method.getParameters();
    Type[] types = method.getGenericParameterTypes();
    for (int i = 0; i < parameters.length; i++) {
      parameter(plan, i, parameters[i], types[i], form);
    }
    for (String variable : plan.path.variables()) {
      if (!plan.pathValues.containsKey(variable)) {
        throw reject("URL \"" + plan.path.text() + "\" has {" + variable + "} but no @PathVariable(\"" + variable
            + "\")");
      }
    }
    if (plan.contentType != null && isMultipart(plan.contentType)) {
      plan.contentType = null;  // the parts' body sets its own, with its boundary
    }
    return bind(plan);
  }

  private void parameter(RequestPlan plan, int i, Parameter parameter, Type type, boolean form) {
    String which = parameterLabel(i);
    Annotation source = null;
    for (Annotation a : parameter.getAnnotations()) {
      if (a instanceof PathVariable || a instanceof RequestParam || a instanceof RequestHeader
          || a instanceof RequestBody || a instanceof CookieValue || a instanceof RequestPart) {
        if (source != null) {
          throw reject(which + " has both @" + source.annotationType().getSimpleName() + " and @"
              + a.annotationType().getSimpleName());
        }
        source = a;
      } else if (a.annotationType().getName().startsWith("org.springframework.web.bind.annotation.")) {
        throw reject(which + ": @" + a.annotationType().getSimpleName() + " is not supported on an HTTP interface"
            + " bound by rpc-proxy");
      }
    }
    if (source == null) {
      throw reject(which + " has no annotation; add @PathVariable, @RequestParam, @RequestHeader, @CookieValue,"
          + " @RequestBody or @RequestPart (a URI, HttpMethod or UriBuilderFactory argument is not supported:"
          + " the transport's base URL and the annotations decide those)");
    }
    if (source instanceof RequestBody body) {
      if (plan.body != null) {
        throw reject("has two @RequestBody parameters (" + plan.bodyLabel + " and " + which + ")");
      }
      plan.body = ArgumentValue.argument(i, which + ", @RequestBody");
      plan.bodyType = type;
      plan.bodyLabel = which;
      return;
    }
    String name = name(source, parameter, which);
    String what = "@" + source.annotationType().getSimpleName() + "(\"" + name + "\")";
    ArgumentValue value = ArgumentValue.argument(i, what + " (" + which + ")");
    if (source instanceof PathVariable p) {
      requireScalar(type, what);
      if (!plan.path.variables().contains(name)) {
        throw reject(what + " names no {" + name + "} in URL \"" + plan.path.text() + "\"");
      }
      if (plan.pathValues.put(name, value) != null) {
        throw reject("has two @PathVariable(\"" + name + "\")");
      }
    } else if (source instanceof RequestParam r) {
      String defaultValue = defaultValue(r.defaultValue());
      Target target = form ? Target.FORM : Target.QUERY_STRICT;
      plan.binders.add(new ParameterBinder(target, name, value, shape(type, what, true), defaultValue,
          r.required() && defaultValue == null && !isOptional(type)));
    } else if (source instanceof RequestHeader h) {
      Shape shape = shape(type, what, true);
      if (shape != Shape.MAP) {
        requireHeaderName(name, what);
      }
      String defaultValue = defaultValue(h.defaultValue());
      plan.binders.add(new ParameterBinder(Target.HEADER, name, value, shape, defaultValue,
          h.required() && defaultValue == null && !isOptional(type)));
    } else if (source instanceof CookieValue c) {
      String defaultValue = defaultValue(c.defaultValue());
      plan.binders.add(new ParameterBinder(Target.COOKIE, name, value, shape(type, what, false), defaultValue,
          c.required() && defaultValue == null && !isOptional(type)));
    } else if (source instanceof RequestPart) {
      // As Spring's converters write a part: a String as text/plain, byte[] as octets, anything else as JSON.
      plan.binders.add(new ParameterBinder.Part(name, value, Shape.SCALAR, bodyEncoder(type, null, what)));
    }
  }

  private static boolean isOptional(Type type) {
    return rawType(type) == java.util.Optional.class;
  }

  /** The annotation's {@code name} (or {@code value}), else the parameter's name as compiled with {@code -parameters}. */
  private String name(Annotation source, Parameter parameter, String which) {
    String name = string(source, "name");
    if (name.isEmpty()) {
      name = string(source, "value");
    }
    if (name.isEmpty()) {
      Class<?> raw = rawType(parameter.getParameterizedType());
      if (raw != null && java.util.Map.class.isAssignableFrom(raw)) {
        return "";
      }
      if (!parameter.isNamePresent()) {
        throw reject(which + ": @" + source.annotationType().getSimpleName() + " has no name and the parameter's"
            + " name was not compiled in; give the annotation a name, or compile with -parameters");
      }
      name = parameter.getName();
    }
    return name;
  }

  private static String defaultValue(String value) {
    return ValueConstants.DEFAULT_NONE.equals(value) ? null : value;
  }

  private Annotation onlyExchange() {
    Annotation found = null;
    for (Annotation a : method.getAnnotations()) {
      if (a instanceof HttpExchange || a.annotationType().isAnnotationPresent(HttpExchange.class)) {
        if (found != null) {
          throw reject("has two exchange annotations (@" + found.annotationType().getSimpleName() + " and @"
              + a.annotationType().getSimpleName() + ")");
        }
        found = a;
      }
    }
    return found;
  }

  private String verb(HttpExchange onType, Annotation onMethod) {
    String verb = onMethod instanceof HttpExchange h ? h.method()
        : onMethod.annotationType().getAnnotation(HttpExchange.class).method();
    if (verb.isEmpty() && onType != null) {
      verb = onType.method();
    }
    if (verb.isEmpty()) {
      throw reject("@HttpExchange has no method; set method = \"GET\" (or use @GetExchange, @PostExchange, ...)");
    }
    return verb.toUpperCase(java.util.Locale.ROOT);
  }

  /** The annotation's {@code url}, else its {@code value} (Spring's alias for it). */
  private static String url(Annotation exchange) {
    String url = string(exchange, "url");
    return url.isEmpty() ? string(exchange, "value") : url;
  }

  /** Joins a type-level and a method-level URL as Spring does: a {@code /} between them only if neither has one. */
  private static String url(String type, String method) {
    boolean hasType = !type.isBlank();
    boolean hasMethod = !method.isBlank();
    if (hasType && hasMethod) {
      return type + (!type.endsWith("/") && !method.startsWith("/") ? "/" : "") + method;
    }
    return hasMethod ? method : hasType ? type : "";
  }

  /** {@code name=value} entries; a value with commas is several values, as Spring reads them. */
  private void headers(RequestPlan plan, String[] entries, String where) {
    for (String entry : entries) {
      int equals = entry.indexOf('=');
      if (equals <= 0) {
        throw reject(where + " headers: \"" + entry + "\" is not name=value");
      }
      String name = entry.substring(0, equals).trim();
      requireHeaderName(name, where + " header \"" + name + "\"");
      for (String value : entry.substring(equals + 1).split(",")) {
        try {
          plan.headers.add(name, value.trim());
        } catch (IllegalArgumentException e) {
          throw reject(where + " header \"" + name + "\" has a character not allowed in a header");
        }
      }
    }
  }

  private static String encodeLiteralQuery(String query) {
    StringBuilder out = new StringBuilder();
    for (String pair : query.split("&", -1)) {
      if (out.length() > 0) {
        out.append('&');
      }
      int equals = pair.indexOf('=');
      if (equals < 0) {
        out.append(PathTemplate.encode(pair, Encoding.STRICT));
      } else {
        out.append(PathTemplate.encode(pair.substring(0, equals), Encoding.STRICT)).append('=')
            .append(PathTemplate.encode(pair.substring(equals + 1), Encoding.STRICT));
      }
    }
    return out.toString();
  }

  private static String string(Annotation annotation, String attribute) {
    Object value = attribute(annotation, attribute);
    return value instanceof String s ? s : "";
  }

  private static String[] strings(Annotation annotation, String attribute) {
    Object value = attribute(annotation, attribute);
    return value instanceof String[] s ? s : new String[0];
  }

  /** An attribute that only some of the exchange annotations have (e.g. {@code contentType}); {@code null} if absent. */
  private static Object attribute(Annotation annotation, String attribute) {
    try {
      return annotation.annotationType().getMethod(attribute).invoke(annotation);
    } catch (NoSuchMethodException e) {
      return null;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + attribute + " of " + annotation, e);
    }
  }
}
