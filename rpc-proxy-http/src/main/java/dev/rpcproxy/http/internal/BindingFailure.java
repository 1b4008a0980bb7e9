package dev.rpcproxy.http.internal;

import java.lang.reflect.Method;

/**
 * Tells a body that parsed but did not bind to its type (Jackson 2's or 3's
 * {@code DatabindException}: a missing creator property, a string where a number belongs) from one
 * that is not JSON at all, and says why without quoting the body: the Jackson exception's kind,
 * its path ({@code Item["count"]}) and, where its message never holds a value, that message.
 * Reads Jackson's exceptions by name so that neither Jackson must be present.
 */
final class BindingFailure {
  private static final int MAX_MESSAGE = 200;

  private BindingFailure() {}

  /** Why {@code failure} (or a cause of it) failed to bind, or {@code null} if it is no binding failure. */
  static String reason(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (isDatabind(t.getClass())) {
        return describe(t);
      }
    }
    return null;
  }

  private static boolean isDatabind(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      String name = c.getName();
      if (name.equals("com.fasterxml.jackson.databind.DatabindException")
          || name.equals("com.fasterxml.jackson.databind.JsonMappingException")
          || name.equals("tools.jackson.databind.DatabindException")) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Throwable t) {
    StringBuilder out = new StringBuilder(t.getClass().getSimpleName());
    String path = call(t, "getPathReference");
    if (path != null && !path.isEmpty()) {
      out.append(" at ").append(path);
    }
    // The plain MismatchedInputException's messages name types, tokens and properties, never a
    // value; its subclasses (InvalidFormatException: 'from String "abc"') may quote one.
    String simple = t.getClass().getName();
    if (simple.endsWith(".exc.MismatchedInputException")) {
      String message = call(t, "getOriginalMessage");
      if (message != null && !message.isEmpty()) {
        message = message.replaceAll("\\s+", " ");
        out.append(": ").append(message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "..." : message);
      }
    }
    return out.toString();
  }

  private static String call(Throwable t, String getter) {
    try {
      Method m = t.getClass().getMethod(getter);
      Object value = m.invoke(t);
      return value == null ? null : value.toString();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
