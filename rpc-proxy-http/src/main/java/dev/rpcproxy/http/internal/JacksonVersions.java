package dev.rpcproxy.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

/**
 * The Jackson 2 jars on the class path, checked before the first {@code ObjectMapper} is made.
 * Jackson's rule is that jackson-core and jackson-annotations are of databind's minor version or a
 * later one; a build tool's nearest-wins can break it (databind 2.23 beside WireMock's annotations
 * 2.20), and databind then fails in a static initializer with a {@code NoClassDefFoundError} that
 * names an annotation, not the cause. This check names the versions found and the fix instead.
 *
 * <p>It touches no databind class but {@code cfg.PackageVersion}, and that one only reflectively:
 * loading {@code ObjectMapper} is what fails on a skewed class path.
 */
public final class JacksonVersions {
  private static final String DATABIND = "com.fasterxml.jackson.databind.cfg.PackageVersion";
  private static final String CORE = "com.fasterxml.jackson.core.json.PackageVersion";
  private static final String ANNOTATIONS = "com.fasterxml.jackson.annotation.JsonProperty";

  private JacksonVersions() {}

  /**
   * Throws if the Jackson 2 jars visible to {@code loader} do not fit together.
   *
   * @throws IllegalStateException naming the three versions found and the fix
   */
  public static void check(ClassLoader loader) {
    String databind = packageVersion(DATABIND, loader);
    String core = packageVersion(CORE, loader);
    String annotations = annotationsVersion(loader);
    String problem = problem(databind, core, annotations);
    if (problem != null) {
      throw new IllegalStateException(problem);
    }
  }

  /**
   * What is wrong with these versions, or {@code null} if they fit. A version is {@code null} when
   * it could not be read; {@code "missing"} when the jar is absent.
   */
  static String problem(String databind, String core, String annotations) {
    int databindMinor = minor(databind);
    if (databindMinor < 0) {
      return null; // no databind version to judge by: nothing to compare against
    }
    boolean coreBehind = "missing".equals(core) || (minor(core) >= 0 && minor(core) < databindMinor);
    boolean annotationsBehind = "missing".equals(annotations)
        || (minor(annotations) >= 0 && minor(annotations) < databindMinor);
    if (!coreBehind && !annotationsBehind) {
      return null;
    }
    String wanted = "2." + databindMinor;
    return "Jackson 2 jars on the class path do not fit together: jackson-databind " + databind
        + " needs jackson-core and jackson-annotations " + wanted + " or later, found jackson-core "
        + orUnknown(core) + " and jackson-annotations " + orUnknown(annotations)
        + " (databind would fail with a NoClassDefFoundError). Fix: import com.fasterxml.jackson:jackson-bom:"
        + databind + " (type pom, scope import) in <dependencyManagement>, or declare rpc-proxy-http before the"
        + " dependency that brings the older Jackson, or declare jackson-annotations/jackson-core " + wanted
        + " or later yourself; see rpc-proxy's docs/supported-versions.md";
  }

  private static String orUnknown(String version) {
    return version == null ? "(version unknown)" : version;
  }

  /** The minor of a 2.x version ("2.19.2", "2.20", "2.21.0-rc1"), or -1 if it is not one. */
  static int minor(String version) {
    if (version == null || !version.startsWith("2.")) {
      return -1;
    }
    int end = 2;
    while (end < version.length() && Character.isDigit(version.charAt(end))) {
      end++;
    }
    return end == 2 ? -1 : Integer.parseInt(version.substring(2, end));
  }

  private static String packageVersion(String className, ClassLoader loader) {
    try {
      Object version = Class.forName(className, true, loader).getField("VERSION").get(null);
      return version == null ? null : versionText(version.toString());
    } catch (ClassNotFoundException e) {
      return "missing";
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }

  /** Jackson's {@code Version.toString()} is "2.19.2" or "2.21.0-SNAPSHOT". */
  private static String versionText(String text) {
    return text.isBlank() ? null : text;
  }

  /** jackson-annotations has no PackageVersion in 2.x: its module descriptor or jar manifest says. */
  private static String annotationsVersion(ClassLoader loader) {
    Class<?> annotation;
    try {
      annotation = Class.forName(ANNOTATIONS, false, loader);
    } catch (ClassNotFoundException e) {
      return "missing";
    } catch (LinkageError e) {
      return null;
    }
    Module module = annotation.getModule();
    if (module.isNamed() && module.getDescriptor() != null) {
      String raw = module.getDescriptor().rawVersion().orElse(null);
      if (raw != null) {
        return raw;
      }
    }
    Package pkg = annotation.getPackage();
    if (pkg != null && pkg.getImplementationVersion() != null) {
      return pkg.getImplementationVersion();
    }
    return manifestVersion(annotation);
  }

  private static String manifestVersion(Class<?> type) {
    try {
      if (type.getProtectionDomain().getCodeSource() == null) {
        return null;
      }
      URL jar = type.getProtectionDomain().getCodeSource().getLocation();
      try (InputStream in = jar.openStream(); JarInputStream jarIn = new JarInputStream(in)) {
        Manifest manifest = jarIn.getManifest();
        return manifest == null ? null : manifest.getMainAttributes().getValue("Implementation-Version");
      }
    } catch (IOException | SecurityException e) {
      return null;
    }
  }
}
