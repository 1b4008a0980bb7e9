package dev.rpcproxy.http.internal;

import dev.rpcproxy.http.BodyCodec;
import dev.rpcproxy.http.Jackson2CodecFactory;
import dev.rpcproxy.http.Jackson3CodecFactory;

/**
 * The JSON codec a transport uses when none was given: Jackson 2 if it is on the class path, else
 * Jackson 3, else none (methods with JSON bodies then fail {@code build()}). Each factory class
 * is loaded only after its Jackson was found.
 */
public final class ClassPathCodec {
  private ClassPathCodec() {}

  /** The default factory, or {@code null} if neither Jackson is present. */
  public static BodyCodec.Factory find() {
    ClassLoader loader = ClassPathCodec.class.getClassLoader();
    if (present("com.fasterxml.jackson.databind.ObjectMapper", loader)) {
      return Jackson2CodecFactory.create();
    }
    if (present("tools.jackson.databind.json.JsonMapper", loader)) {
      return Jackson3CodecFactory.create();
    }
    return null;
  }

  private static boolean present(String className, ClassLoader loader) {
    try {
      Class.forName(className, false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
