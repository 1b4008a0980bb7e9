package dev.rpcproxy.http.internal;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Where one request value comes from: an argument, or a field or getter of a {@code @BeanParam}
 * argument. Made at bind time; {@link #label} names it in messages.
 */
abstract class ArgumentValue {
  /** E.g. {@code @PathParam("id") (parameter 1, id)}: for messages, never holding a value. */
  final String label;

  private ArgumentValue(String label) {
    this.label = label;
  }

  /** The value in this call, or {@code null}. */
  abstract Object get(Object[] args);

  static ArgumentValue argument(int index, String label) {
    return new ArgumentValue(label) {
      @Override
      Object get(Object[] args) {
        return args[index];
      }
    };
  }

  /** A field of the bean {@code owner} holds; {@code null} when the bean is. */
  static ArgumentValue field(ArgumentValue owner, Field field, String label) {
    field.setAccessible(true);
    return new ArgumentValue(label) {
      @Override
      Object get(Object[] args) {
        Object bean = owner.get(args);
        if (bean == null) {
          return null;
        }
        try {
          return field.get(bean);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(label + " could not be read", e);
        }
      }
    };
  }

  /** What the getter of the bean {@code owner} returns; {@code null} when the bean is. */
  static ArgumentValue getter(ArgumentValue owner, Method getter, String label) {
    getter.setAccessible(true);
    return new ArgumentValue(label) {
      @Override
      Object get(Object[] args) {
        Object bean = owner.get(args);
        if (bean == null) {
          return null;
        }
        try {
          return getter.invoke(bean);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(label + " could not be read", e);
        } catch (InvocationTargetException e) {
          throw new IllegalStateException(label + ": its getter threw " + e.getCause().getClass().getSimpleName(),
              e.getCause());
        }
      }
    };
  }
}
