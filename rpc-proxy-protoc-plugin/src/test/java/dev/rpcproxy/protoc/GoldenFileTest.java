package dev.rpcproxy.protoc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The source the plugin writes for each proto of {@code src/test/proto}, compared with the files
 * under {@code src/test/resources/golden/}. The descriptors are protoc's own (the build writes them
 * with source info, as protoc hands them to a plugin).
 *
 * <p>To regenerate the golden files after an intended change, run
 * {@code mvn -B -ntp -pl rpc-proxy-protoc-plugin -am verify -Dtest=GoldenFileTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dgolden.update=true} and review the diff.
 */
class GoldenFileTest {
  private static final Path DESCRIPTORS = Path.of(System.getProperty("golden.descriptors",
      "target/test-descriptors/golden.pb"));
  private static final Path GOLDEN = Path.of(System.getProperty("golden.dir", "src/test/resources/golden"));
  private static final boolean UPDATE = Boolean.getBoolean("golden.update");

  @Test
  void generatedSourcesMatchTheGoldenFiles() throws IOException {
    FileDescriptorSet set;
    try (InputStream in = Files.newInputStream(DESCRIPTORS)) {
      set = FileDescriptorSet.parseFrom(in);
    }
    TreeSet<String> written = new TreeSet<>();
    List<String> mismatches = new ArrayList<>();
    for (FileDescriptorProto file : set.getFileList()) {
      if (file.getName().startsWith("google/protobuf/")) {
        continue;
      }
      CodeGeneratorResponse response = RpcProxyPlugin.generate(requestFor(set, file.getName()));
      assertThat(response.hasError()).as(response.getError()).isFalse();
      for (CodeGeneratorResponse.File out : response.getFileList()) {
        Path golden = GOLDEN.resolve(out.getName());
        written.add(out.getName());
        if (UPDATE) {
          Files.createDirectories(golden.getParent());
          Files.writeString(golden, out.getContent(), StandardCharsets.UTF_8);
        } else if (!Files.exists(golden)
            || !Files.readString(golden, StandardCharsets.UTF_8).equals(out.getContent())) {
          mismatches.add(out.getName() + " differs from " + golden + "; it is now:\n" + out.getContent());
        }
      }
    }
    assertThat(mismatches).as("regenerate with -Dgolden.update=true if the change is intended").isEmpty();
    assertThat(goldenFiles()).as("golden files the plugin no longer writes").isEqualTo(written);
    assertThat(written).contains("dev/rpcproxy/example/routeguide/RouteGuideClient.java",
        "shop/v1/OrdersClient.java", "PingerClient.java", "dev/rpcproxy/example/notes/NoteBookClient.java");
  }

  /** A request as protoc sends it: the file to generate and every file, imports first. */
  static CodeGeneratorRequest requestFor(FileDescriptorSet set, String fileToGenerate) {
    return CodeGeneratorRequest.newBuilder()
        .addFileToGenerate(fileToGenerate)
        .addAllProtoFile(set.getFileList())
        .build();
  }

  private static TreeSet<String> goldenFiles() throws IOException {
    try (Stream<Path> files = Files.walk(GOLDEN)) {
      TreeSet<String> names = new TreeSet<>();
      files.filter(Files::isRegularFile)
          .forEach(p -> names.add(GOLDEN.relativize(p).toString().replace('\\', '/')));
      return names;
    }
  }
}
