package dev.rpcproxy.protoc.internal;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The comments a {@code .proto} file has on its services and RPCs (from the file's
 * {@code SourceCodeInfo}, which protoc always gives a plugin), as Javadoc-safe lines.
 */
public final class ProtoComments {
  /** FileDescriptorProto.service and ServiceDescriptorProto.method field numbers. */
  private static final int SERVICE = FileDescriptorProto.SERVICE_FIELD_NUMBER;
  private static final int METHOD = com.google.protobuf.DescriptorProtos.ServiceDescriptorProto.METHOD_FIELD_NUMBER;

  private final Map<List<Integer>, String> byPath = new HashMap<>();

  /** The comments of {@code file}'s services and RPCs. */
  public ProtoComments(FileDescriptorProto file) {
    for (SourceCodeInfo.Location location : file.getSourceCodeInfo().getLocationList()) {
      String text = !location.getLeadingComments().isBlank() ? location.getLeadingComments()
          : location.getTrailingComments();
      if (!text.isBlank()) {
        byPath.putIfAbsent(location.getPathList(), text);
      }
    }
  }

  /** The lines of service {@code service}'s comment, escaped for Javadoc; empty when it has none. */
  public List<String> service(int service) {
    return lines(byPath.get(List.of(SERVICE, service)));
  }

  /** The lines of the comment on RPC {@code method} of service {@code service}, escaped for Javadoc. */
  public List<String> method(int service, int method) {
    return lines(byPath.get(List.of(SERVICE, service, METHOD, method)));
  }

  private static List<String> lines(String comment) {
    List<String> lines = new ArrayList<>();
    if (comment == null) {
      return lines;
    }
    for (String line : comment.split("\n", -1)) {
      lines.add(escape(line.stripTrailing()));
    }
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    while (!lines.isEmpty() && lines.get(0).isEmpty()) {
      lines.remove(0);
    }
    return lines;
  }

  /**
   * Text that Javadoc shows as written and that cannot end the comment: HTML's special characters,
   * {@code @} (a tag), {@code \} (a unicode escape javac reads even in comments), {@code * /} and
   * {@code / *} as entities.
   */
  public static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    char previous = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '*' -> out.append(previous == '/' ? "&#42;" : "*");
        case '/' -> out.append(previous == '*' ? "&#47;" : "/");
        case '@' -> out.append("&#64;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '\\' -> out.append("&#92;");
        default -> out.append(c);
      }
      previous = c;
    }
    return out.toString();
  }
}
