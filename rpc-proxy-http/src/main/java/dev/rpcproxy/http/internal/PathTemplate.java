package dev.rpcproxy.http.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.HttpUrl;

/**
 * A parsed {@code @Path} such as {@code /restaurants/{id}/menu}: segments of literal text and
 * {@code {name}} (or {@code {name: regex}}) variables. Immutable; {@link #appendTo} fills in the
 * variables, each percent-encoded as part of one path segment as JAX-RS clients do: only RFC 3986
 * unreserved characters, sub-delimiters but {@code ;}, {@code :} and {@code @} are sent as they
 * are, so {@code /} becomes {@code %2F} and {@code ;} (a matrix parameter to a JAX-RS server)
 * becomes {@code %3B}. Literal text keeps its {@code ;}.
 */
final class PathTemplate {
  private final String text;
  private final Segment[] segments;
  private final boolean trailingSlash;
  private final Set<String> variables;

  private PathTemplate(String text, Segment[] segments, boolean trailingSlash, Set<String> variables) {
    this.text = text;
    this.segments = segments;
    this.trailingSlash = trailingSlash;
    this.variables = variables;
  }

  /**
   * Parses {@code path}.
   *
   * @throws IllegalArgumentException on an unclosed or empty {@code {}}
   */
  static PathTemplate parse(String path) {
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
    return new PathTemplate(path, segments.toArray(Segment[]::new), trailingSlash, Set.copyOf(variables));
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
          encode(encoded[i], true, out);
          encoded[i] = out.toString();
        }
      }
      segments.add(new Segment(encoded));
      parts.clear();
    }
  }

  private static final boolean[] SAFE = new boolean[128];
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  static {
    String safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@";
    for (int i = 0; i < safe.length(); i++) {
      SAFE[safe.charAt(i)] = true;
    }
  }

  /**
   * Appends {@code text} percent-encoded for a path segment (UTF-8); {@code ;} stays as it is only
   * when {@code keepSemicolon} (literal template text, where it may start a matrix parameter).
   */
  static void encode(String text, boolean keepSemicolon, StringBuilder out) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 128 && (SAFE[c] || (c == ';' && keepSemicolon))) {
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
   * Resolves variable names to argument indexes, once at bind time.
   *
   * @param indexes every variable's parameter index (checked by the caller to be complete)
   */
  PathTemplate resolve(Map<String, Integer> indexes) {
    Segment[] resolved = new Segment[segments.length];
    for (int s = 0; s < segments.length; s++) {
      resolved[s] = segments[s].resolve(indexes);
    }
    return new PathTemplate(text, resolved, trailingSlash, variables);
  }

  /**
   * Appends the path to {@code url}, taking variable values from {@code args}.
   *
   * @throws IllegalArgumentException if a value is {@code null}, empty, {@code .} or {@code ..}
   */
  void appendTo(HttpUrl.Builder url, Object[] args) {
    for (Segment segment : segments) {
      url.addEncodedPathSegment(segment.expand(args));
    }
    if (trailingSlash) {
      url.addEncodedPathSegment("");
    }
  }

  /**
   * One path segment. {@code parts[i] == null} marks a variable whose name is {@code parts[i+1]};
   * after {@link #resolve}, its argument index is {@code args[i]}. Literal parts are stored
   * encoded; {@link #expand} encodes the values and returns the encoded segment.
   */
  private static final class Segment {
    private final String[] parts;
    private final int[] argIndexes;
    private final String literal;

    Segment(String[] parts) {
      this(parts, null);
    }

    private Segment(String[] parts, int[] argIndexes) {
      this.parts = parts;
      this.argIndexes = argIndexes;
      this.literal = parts.length == 1 ? parts[0] : null;
    }

    Segment resolve(Map<String, Integer> indexes) {
      int[] resolved = new int[parts.length];
      for (int i = 0; i < parts.length; i++) {
        if (parts[i] == null) {
          resolved[i] = indexes.get(parts[i + 1]);
          i++;
        }
      }
      return new Segment(parts, resolved);
    }

    String expand(Object[] args) {
      if (literal != null) {
        return literal;
      }
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < parts.length; i++) {
        if (parts[i] != null) {
          out.append(parts[i]);
          continue;
        }
        String name = parts[++i];
        Object value = args[argIndexes[i - 1]];
        if (value == null) {
          throw new IllegalArgumentException("@PathParam(\"" + name + "\") is null");
        }
        encode(value.toString(), false, out);
      }
      // Encoding keeps '.' and never yields it from anything else, so this sees the value as given.
      String segment = out.toString();
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("a @PathParam value made the path segment empty, '.' or '..'"
            + " (it would change the path)");
      }
      return segment;
    }
  }
}
