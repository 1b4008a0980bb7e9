package dev.rpcproxy.compat.protoc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import dev.rpcproxy.compat.routeguide.RouteGuideProto;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code jdk17} jar, the one Gradle's protobuf plugin is pointed at, runs on its own with
 * {@code java -jar} as protoc runs a plugin: a request on standard input, the response on standard
 * output.
 */
class SelfContainedPluginJarTest {

  @Test
  void theJdk17JarRunsAsAProtocPlugin() throws Exception {
    Path jar = Path.of(System.getProperty("plugin.jar"));
    assertThat(jar.getFileName().toString()).endsWith("-jdk17.jar");
    assertThat(Files.isRegularFile(jar)).isTrue();
    CodeGeneratorRequest request = CodeGeneratorRequest.newBuilder()
        .addFileToGenerate("route_guide.proto")
        .addProtoFile(RouteGuideProto.getDescriptor().toProto())
        .build();

    Process plugin = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    try (OutputStream in = plugin.getOutputStream()) {
      request.writeTo(in);
    }
    byte[] out = plugin.getInputStream().readAllBytes();
    assertThat(plugin.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(plugin.exitValue()).isZero();
    CodeGeneratorResponse response = CodeGeneratorResponse.parseFrom(out);

    assertThat(response.getError()).isEmpty();
    assertThat(response.getFileCount()).isEqualTo(1);
    assertThat(response.getFile(0).getName()).isEqualTo("dev/rpcproxy/compat/routeguide/RouteGuideClient.java");
    assertThat(response.getFile(0).getContent())
        .contains("public interface RouteGuideClient {")
        .contains("CompletableFuture<RouteSummary> recordRoute(Flow.Publisher<Point> requests);")
        .contains("CompletableFuture<Feature> getAsync_(Point request);");
  }
}
