package dev.rpcproxy.protoc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every golden file compiles, with every lint warning an error, against the message classes protoc's
 * Java generator wrote for the same protos (on the test class path): the names the plugin works out
 * ({@code OrdersOuterClass.Order.Receipt}, {@code shop.events.Stream}) are protoc's.
 */
class GoldenFilesCompileTest {
  private static final Path GOLDEN = Path.of(System.getProperty("golden.dir", "src/test/resources/golden"));

  @Test
  void goldenFilesCompileAgainstProtocsMessages(@TempDir Path out) throws IOException {
    List<String> sources;
    try (Stream<Path> files = Files.walk(GOLDEN)) {
      sources = files.filter(p -> p.toString().endsWith(".java")).map(Path::toString)
          .collect(Collectors.toList());
    }
    assertThat(sources).hasSizeGreaterThanOrEqualTo(4);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    List<String> args = new java.util.ArrayList<>(List.of("--release", "17", "-Xlint:all", "-Werror",
        "-Xdoclint:all,-missing", "-classpath", System.getProperty("java.class.path"), "-d", out.toString()));
    args.addAll(sources);
    int status = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
    assertThat(status).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();
  }
}
