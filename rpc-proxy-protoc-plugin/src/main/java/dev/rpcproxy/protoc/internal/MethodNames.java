package dev.rpcproxy.protoc.internal;

import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The Java method names of a service's RPCs, unique within the interface and never a keyword.
 *
 * <p>An RPC's plain name is grpc-java's lower camel case of the RPC ({@code GetFeature} becomes
 * {@code getFeature}, {@code get_feature} too), its async name the plain one plus {@code Async}. A
 * name that is a Java keyword or literal, or the name of an {@code Object} method, gets a trailing
 * {@code _}. Plain names are given first, in declaration order, then async names in declaration
 * order; a name already given gets {@code _} appended until it is free. So a plain name always wins
 * over another RPC's async form ({@code GetAsync} keeps {@code getAsync}; {@code Get}'s async form
 * becomes {@code getAsync_}), and the result depends only on the {@code .proto}.
 */
public final class MethodNames {
  /** An RPC's method names; {@code async} is {@code null} for client-streaming and bidirectional RPCs. */
  public record Names(String plain, String async) {}

  private static final Set<String> RESERVED = Set.of(
      // Keywords, including contextual ones a method cannot comfortably use (yield), and literals.
      "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const",
      "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally", "float",
      "for", "goto", "if", "implements", "import", "instanceof", "int", "interface", "long", "native",
      "new", "package", "private", "protected", "public", "return", "short", "static", "strictfp",
      "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try", "void",
      "volatile", "while", "_", "yield", "record", "var", "sealed", "permits", "true", "false", "null",
      // Object's methods: an overload of one would read as the other.
      "equals", "hashCode", "toString", "getClass", "notify", "notifyAll", "wait", "clone", "finalize");

  private static final String ASYNC_SUFFIX = "Async";

  private MethodNames() {}

  /** The names of {@code methods}, in the same order. */
  public static List<Names> of(List<MethodDescriptorProto> methods) {
    Set<String> taken = new HashSet<>();
    List<String> plain = new ArrayList<>(methods.size());
    for (MethodDescriptorProto method : methods) {
      plain.add(claim(lowerCamel(method.getName()), taken));
    }
    List<Names> names = new ArrayList<>(methods.size());
    for (int i = 0; i < methods.size(); i++) {
      MethodDescriptorProto method = methods.get(i);
      String async = method.getClientStreaming()
          ? null
          : claim(lowerCamel(method.getName()) + ASYNC_SUFFIX, taken);
      names.add(new Names(plain.get(i), async));
    }
    return names;
  }

  private static String claim(String wanted, Set<String> taken) {
    String name = RESERVED.contains(wanted) ? wanted + "_" : wanted;
    while (!taken.add(name)) {
      name += "_";
    }
    return name;
  }

  /** grpc-java's rule for a stub's method name: first letter lower case, {@code _x} becomes {@code X}. */
  static String lowerCamel(String rpc) {
    StringBuilder out = new StringBuilder(rpc.length());
    out.append(Character.toLowerCase(rpc.charAt(0)));
    boolean afterUnderscore = false;
    for (int i = 1; i < rpc.length(); i++) {
      char c = rpc.charAt(i);
      if (c == '_') {
        afterUnderscore = true;
      } else {
        out.append(afterUnderscore ? Character.toUpperCase(c) : c);
        afterUnderscore = false;
      }
    }
    return out.toString();
  }
}
