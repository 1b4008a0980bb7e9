package dev.rpcproxy.http.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.HttpUrl;

/**
 * A parsed {@code @Path} or {@code @HttpExchange} URL such as {@code /restaurants/{id}/menu}:
 * segments of literal text and {@code {name}} (or {@code {name: regex}}) variables. Immutable;
 * {@link #appendTo} fills in the variables, each percent-encoded as part of one path segment, by
 * the template's {@link Encoding}. Literal text keeps its {@code ;}.
 */
final class PathTemplate {
  /** How a variable's value is encoded. */
  enum Encoding {
    /**
     * As JAX-RS clients do: RFC 3986 unreserved characters, sub-delimiters but {@code ;},
     * {@code :} and {@code @} are sent as they are, so {@code /} becomes {@code %2F} and
     * {@code ;} (a matrix parameter to a JAX-RS server) becomes {@code %3B}.
     */
    PATH_SEGMENT,
    /**
     * As Spring encodes a URI variable: everything but RFC 3986 unreserved characters
     * ({@code A-Z a-z 0-9 - . _ ~}) is percent-encoded.
     */
    STRICT
  }

  private final String text;
  private final Segment[] segments;
  private final boolean trailingSlash;
  private final Set<String> variables;
  private final Encoding encoding;

  private PathTemplate(String text, Segment[] segments, boolean trailingSlash, Set<String> variables,
      Encoding encoding) {
    this.text = text;
    this.segments = segments;
    this.trailingSlash = trailingSlash;
    this.variables = variables;
    this.encoding = encoding;
  }

  /** Parses a JAX-RS {@code path}. */
  static PathTemplate parse(String path) {
    return parse(path, Encoding.PATH_SEGMENT);
  }

  /**
   * Parses {@code path}, whose variables will be encoded by {@code encoding}.
   *
   * @throws IllegalArgumentException on an unclosed or empty {@code {}}
   */
  static PathTemplate parse(String path, Encoding encoding) {
    List<Segment> segments = new ArrayList<>();
    Set<String> variables = new LinkedHashSet<>();
    List<String> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < path.length()) {
      char c = path.charAt(i);
      if (c == '/') {
        endSegment(segments, parts, literal);
        i++;
      } else if (c == '{') {
        int end = closingBrace(path, i);
        String inside = path.substring(i + 1, end);
        int colon = inside.indexOf(':');
        String name = (colon < 0 ? inside : inside.substring(0, colon)).trim();
        if (name.isEmpty()) {
          throw new IllegalArgumentException("@Path \"" + path + "\" has a template variable with no name");
        }
        if (literal.length() > 0) {
          parts.add(literal.toString());
          literal.setLength(0);
        }
        parts.add(null);
        parts.add(name);
        variables.add(name);
        i = end + 1;
      } else {
        literal.append(c);
        i++;
      }
    }
    endSegment(segments, parts, literal);
    boolean trailingSlash = path.endsWith("/") && !segments.isEmpty();
    return new PathTemplate(path, segments.toArray(Segment[]::new), trailingSlash, Set.copyOf(variables),
        encoding);
  }

  private static int closingBrace(String path, int open) {
    int depth = 0;
    for (int i = open; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        return i;
      }
    }
    throw new IllegalArgumentException("@Path \"" + path + "\" has an unclosed '{'");
  }

  /** Parts come as literals, or {@code null} followed by a variable name. */
  private static void endSegment(List<Segment> segments, List<String> parts, StringBuilder literal) {
    if (literal.length() > 0) {
      parts.add(literal.toString());
      literal.setLength(0);
    }
    if (!parts.isEmpty()) {
      String[] encoded = parts.toArray(String[]::new);
      for (int i = 0; i < encoded.length; i++) {
        if (encoded[i] == null) {
          i++;  // a variable's name
        } else {
          StringBuilder out = new StringBuilder();
          encodeLiteral(encoded[i], out);
          encoded[i] = out.toString();
        }
      }
      segments.add(new Segment(encoded));
      parts.clear();
    }
  }

  private static final boolean[] UNRESERVED = new boolean[128];
  private static final boolean[] SEGMENT = new boolean[128];
  private static final boolean[] LITERAL = new boolean[128];
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  static {
    String unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    String segment = unreserved + "!$&'()*+,=:@";
    for (int i = 0; i < segment.length(); i++) {
      SEGMENT[segment.charAt(i)] = true;
      LITERAL[segment.charAt(i)] = true;
      if (i < unreserved.length()) {
        UNRESERVED[segment.charAt(i)] = true;
      }
    }
    LITERAL[';'] = true;
  }

  /** Appends {@code text} percent-encoded (UTF-8) as a variable's value by {@code encoding}. */
  static void encode(String text, Encoding encoding, StringBuilder out) {
    encode(text, encoding == Encoding.STRICT ? UNRESERVED : SEGMENT, out);
  }

  /** {@code text} percent-encoded (UTF-8) by {@code encoding}. */
  static String encode(String text, Encoding encoding) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    encode(text, encoding, out);
    return out.toString();
  }

  /** Literal template text: as a path segment, keeping {@code ;} (it may start a matrix parameter). */
  private static void encodeLiteral(String text, StringBuilder out) {
    encode(text, LITERAL, out);
  }

  private static void encode(String text, boolean[] safe, StringBuilder out) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 128 && safe[c]) {
        out.append(c);
        continue;
      }
      int codePoint = c;
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        codePoint = Character.toCodePoint(c, text.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        codePoint = '?';  // unpaired: what String.getBytes(UTF_8) sends too
      }
      if (codePoint < 0x80) {
        percent(codePoint, out);
      } else if (codePoint < 0x800) {
        percent(0xC0 | codePoint >> 6, out);
        percent(0x80 | codePoint & 0x3F, out);
      } else if (codePoint < 0x10000) {
        percent(0xE0 | codePoint >> 12, out);
        percent(0x80 | codePoint >> 6 & 0x3F, out);
        percent(0x80 | codePoint & 0x3F, out);
      } else {
        percent(0xF0 | codePoint >> 18, out);
        percent(0x80 | codePoint >> 12 & 0x3F, out);
        percent(0x80 | codePoint >> 6 & 0x3F, out);
        percent(0x80 | codePoint & 0x3F, out);
      }
    }
  }

  private static void percent(int octet, StringBuilder out) {
    out.append('%').append(HEX[octet >> 4 & 0xF]).append(HEX[octet & 0xF]);
  }

  /** The template as written, for logs and messages. */
  String text() {
    return text;
  }

  /** The variable names, in no particular order. */
  Set<String> variables() {
    return variables;
  }

  /**
   * Resolves variable names to where their values come from, once at bind time.
   *
   * @param values every variable's value (checked by the caller to be complete)
   */
  PathTemplate resolve(Map<String, ArgumentValue> values) {
    Segment[] resolved = new Segment[segments.length];
    for (int s = 0; s < segments.length; s++) {
      resolved[s] = segments[s].resolve(values);
    }
    return new PathTemplate(text, resolved, trailingSlash, variables, encoding);
  }

  /**
   * Appends the path to {@code url}, taking variable values from {@code args}, and
   * {@code matrix} (encoded {@code ;name=value} pairs, or {@code null}) to its last segment.
   *
   * @throws IllegalArgumentException naming the parameter (not its value) if a value is
   *     {@code null}, or makes its segment empty, {@code .} or {@code ..}
   */
  void appendTo(HttpUrl.Builder url, Object[] args, String matrix) {
    for (int s = 0; s < segments.length; s++) {
      String segment = segments[s].expand(args, encoding);
      url.addEncodedPathSegment(matrix != null && s == segments.length - 1 && !trailingSlash
          ? segment + matrix : segment);
    }
    if (trailingSlash || (segments.length == 0 && matrix != null)) {
      url.addEncodedPathSegment(matrix != null ? matrix : "");
    }
  }

  /**
   * One path segment. {@code parts[i] == null} marks a variable whose name is {@code parts[i+1]};
   * after {@link #resolve}, its value comes from {@code values[i]}. Literal parts are stored
   * encoded; {@link #expand} encodes the values and returns the encoded segment.
   */
  private static final class Segment {
    private final String[] parts;
    private final ArgumentValue[] values;
    private final String literal;

    Segment(String[] parts) {
      this(parts, null);
    }

    private Segment(String[] parts, ArgumentValue[] values) {
      this.parts = parts;
      this.values = values;
      this.literal = parts.length == 1 ? parts[0] : null;
    }

    Segment resolve(Map<String, ArgumentValue> byName) {
      ArgumentValue[] resolved = new ArgumentValue[parts.length];
      for (int i = 0; i < parts.length; i++) {
        if (parts[i] == null) {
          resolved[i] = byName.get(parts[i + 1]);
          i++;
        }
      }
      return new Segment(parts, resolved);
    }

    String expand(Object[] args, Encoding encoding) {
      if (literal != null) {
        return literal;
      }
      StringBuilder out = new StringBuilder();
      ArgumentValue last = null;
      for (int i = 0; i < parts.length; i++) {
        if (parts[i] != null) {
          out.append(parts[i]);
          continue;
        }
        ArgumentValue source = values[i];
        i++;
        Object value = source.get(args);
        if (value instanceof java.util.Optional<?> optional) {
          value = optional.orElse(null);
        }
        if (value == null) {
          throw new IllegalArgumentException(source.label + " is null; a path variable needs a value");
        }
        String text = value.toString();
        if (text.isEmpty() && parts.length == 2) {
          throw new IllegalArgumentException(source.label + " is empty; a path variable needs a value"
              + " (an empty one would change the path)");
        }
        encode(text, encoding, out);
        last = source;
      }
      // Encoding keeps '.' and never yields it from anything else, so this sees the value as given.
      if (out.length() == 0 || ".".contentEquals(out) || "..".contentEquals(out)) {
        throw new IllegalArgumentException(last.label + " made its path segment empty, '.' or '..'"
            + " (it would change the path)");
      }
      return out.toString();
    }
  }
}
