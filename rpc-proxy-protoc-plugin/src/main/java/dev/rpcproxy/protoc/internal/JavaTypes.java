package dev.rpcproxy.protoc.internal;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java class protobuf-java generates for each message of a set of {@code .proto} files, found
 * as protoc's Java generator names them: {@code java_package} (else the proto package),
 * {@code java_multiple_files} (else the messages nest in the file's outer class),
 * {@code java_outer_classname} (else the file's name in camel case, with {@code OuterClass} added
 * when a message, enum or service of the file has that name).
 */
public final class JavaTypes {
  /** A Java class: its package and its name inside the package ({@code Outer.Inner}). */
  public record JavaType(String javaPackage, String relativeName) {
    /** The top-level class's simple name ({@code Outer} of {@code Outer.Inner}). */
    public String topLevelName() {
      int dot = relativeName.indexOf('.');
      return dot < 0 ? relativeName : relativeName.substring(0, dot);
    }

    /** The fully qualified name. */
    public String qualifiedName() {
      return javaPackage.isEmpty() ? relativeName : javaPackage + "." + relativeName;
    }
  }

  /** Proto full name with a leading dot ({@code .routeguide.Point}) to its Java class. */
  private final Map<String, JavaType> messages = new HashMap<>();
  /** "package/SimpleName" of every top-level class the files make, to what makes it. */
  private final Map<String, String> topLevel = new HashMap<>();

  private JavaTypes() {}

  /** The Java names of every message of {@code files} (the files to generate and all they import). */
  public static JavaTypes of(List<FileDescriptorProto> files) {
    JavaTypes types = new JavaTypes();
    for (FileDescriptorProto file : files) {
      types.add(file);
    }
    return types;
  }

  /** The Java class of the message {@code protoType} ({@code .routeguide.Point}). */
  public JavaType message(String protoType) {
    JavaType type = messages.get(protoType);
    if (type == null) {
      throw new IllegalArgumentException("message " + protoType + " is not in the request's files");
    }
    return type;
  }

  /**
   * What already has the top-level class name {@code simpleName} in {@code javaPackage} (a message,
   * an enum, a file's outer class, another client), or {@code null} when nothing does.
   */
  public String topLevelClassIn(String javaPackage, String simpleName) {
    return topLevel.get(javaPackage + "/" + simpleName);
  }

  /** Records that {@code what} is now the top-level class {@code simpleName} of {@code javaPackage}. */
  public void claim(String javaPackage, String simpleName, String what) {
    topLevel.putIfAbsent(javaPackage + "/" + simpleName, what);
  }

  /** The file's Java package: {@code java_package}, else its proto package (maybe empty). */
  public static String javaPackage(FileDescriptorProto file) {
    return file.getOptions().hasJavaPackage() ? file.getOptions().getJavaPackage() : file.getPackage();
  }

  /** The file's outer class: {@code java_outer_classname}, else as protoc's Java generator names it. */
  public static String outerClassName(FileDescriptorProto file) {
    if (file.getOptions().hasJavaOuterClassname()) {
      return file.getOptions().getJavaOuterClassname();
    }
    String base = file.getName().substring(file.getName().lastIndexOf('/') + 1);
    if (base.endsWith(".protodevel")) {
      base = base.substring(0, base.length() - ".protodevel".length());
    } else if (base.endsWith(".proto")) {
      base = base.substring(0, base.length() - ".proto".length());
    }
    String name = camelCase(base);
    return hasClassNamed(file, name) ? name + "OuterClass" : name;
  }

  private void add(FileDescriptorProto file) {
    String javaPackage = javaPackage(file);
    String protoPrefix = file.getPackage().isEmpty() ? "." : "." + file.getPackage() + ".";
    boolean multipleFiles = file.getOptions().getJavaMultipleFiles();
    String outer = outerClassName(file);
    String where = "file " + file.getName();
    claim(javaPackage, outer, "the outer class of " + where);
    for (DescriptorProto message : file.getMessageTypeList()) {
      String relative = multipleFiles ? message.getName() : outer + "." + message.getName();
      if (multipleFiles) {
        claim(javaPackage, message.getName(), "message " + message.getName() + " of " + where);
      }
      addMessage(message, protoPrefix + message.getName(), javaPackage, relative);
    }
    if (multipleFiles) {
      for (EnumDescriptorProto e : file.getEnumTypeList()) {
        claim(javaPackage, e.getName(), "enum " + e.getName() + " of " + where);
      }
    }
  }

  private void addMessage(DescriptorProto message, String protoName, String javaPackage, String relative) {
    messages.put(protoName, new JavaType(javaPackage, relative));
    for (DescriptorProto nested : message.getNestedTypeList()) {
      addMessage(nested, protoName + "." + nested.getName(), javaPackage, relative + "." + nested.getName());
    }
  }

  /** protoc's Java generator's rule: letters after a non-letter are capitalized, the rest dropped. */
  static String camelCase(String input) {
    StringBuilder out = new StringBuilder(input.length());
    boolean capitalizeNext = true;
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      if (c >= 'a' && c <= 'z') {
        out.append(capitalizeNext ? (char) (c - 'a' + 'A') : c);
        capitalizeNext = false;
      } else if (c >= 'A' && c <= 'Z') {
        out.append(c);
        capitalizeNext = false;
      } else if (c >= '0' && c <= '9') {
        out.append(c);
        capitalizeNext = true;
      } else {
        capitalizeNext = true;
      }
    }
    return out.toString();
  }

  private static boolean hasClassNamed(FileDescriptorProto file, String name) {
    for (EnumDescriptorProto e : file.getEnumTypeList()) {
      if (e.getName().equals(name)) {
        return true;
      }
    }
    for (var service : file.getServiceList()) {
      if (service.getName().equals(name)) {
        return true;
      }
    }
    for (DescriptorProto message : file.getMessageTypeList()) {
      if (messageHasClassNamed(message, name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean messageHasClassNamed(DescriptorProto message, String name) {
    if (message.getName().equals(name)) {
      return true;
    }
    for (EnumDescriptorProto e : message.getEnumTypeList()) {
      if (e.getName().equals(name)) {
        return true;
      }
    }
    for (DescriptorProto nested : message.getNestedTypeList()) {
      if (messageHasClassNamed(nested, name)) {
        return true;
      }
    }
    return false;
  }
}
