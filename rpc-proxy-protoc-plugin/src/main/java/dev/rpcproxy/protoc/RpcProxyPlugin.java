package dev.rpcproxy.protoc;

import com.google.protobuf.DescriptorProtos.Edition;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import dev.rpcproxy.protoc.internal.ClientWriter;
import dev.rpcproxy.protoc.internal.JavaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * A protoc plugin that writes, for each gRPC service {@code Foo} of the {@code .proto} files it is
 * given, an interface {@code FooClient} in the file's Java package that rpc-proxy binds to the
 * service. With protobuf-maven-plugin:
 *
 * <pre>{@code
 * <protocPlugins>
 *   <protocPlugin>
 *     <id>rpcproxy</id>
 *     <groupId>dev.rpcproxy</groupId>
 *     <artifactId>rpc-proxy-protoc-plugin</artifactId>
 *     <version>${rpc-proxy.version}</version>
 *     <mainClass>dev.rpcproxy.protoc.RpcProxyPlugin</mainClass>
 *   </protocPlugin>
 * </protocPlugins>
 * }</pre>
 *
 * and then, with the stubs protoc-gen-grpc-java writes beside it:
 *
 * <pre>{@code
 * FooClient foo = RpcProxy.builder(FooClient.class)
 *     .transport(GrpcTransport.builder(channel, FooGrpc.getServiceDescriptor()).build())
 *     .build();
 * }</pre>
 *
 * <p>Each RPC becomes one method per form: a unary RPC {@code Bar} becomes
 * {@code BarResponse bar(BarRequest)} and {@code CompletableFuture<BarResponse> barAsync(BarRequest)};
 * a server-streaming RPC {@code Baz} becomes {@code Stream<M> baz(Req)} and
 * {@code Flow.Publisher<M> bazAsync(Req)}; a client-streaming RPC {@code Up} becomes
 * {@code CompletableFuture<Resp> up(Flow.Publisher<Req>)}; a bidirectional RPC {@code Chat} becomes
 * {@code Flow.Publisher<Resp> chat(Flow.Publisher<Req>)}. Every method carries
 * {@code @GrpcMethod("Bar")}, so it calls its RPC whatever its Java name.
 *
 * <p>Names never clash: a name that would be a Java keyword or literal, or the name of one of
 * {@code Object}'s methods, gets a trailing {@code _} ({@code Default} becomes {@code default_});
 * every RPC keeps its plain name first, then the {@code Async} forms are named in the order the RPCs
 * are declared, and a name already taken gets a trailing {@code _} until it is free (with RPCs
 * {@code Get} and {@code GetAsync}, {@code getAsync} is the plain form of {@code GetAsync} and the
 * async form of {@code Get} is {@code getAsync_}). Two RPCs whose plain names are the same in Java
 * ({@code Get_Item} and {@code GetItem}) keep the order of the {@code .proto}: the later one gets the
 * {@code _}.
 *
 * <p>The proto comments of the service and of each RPC become its Javadoc; an RPC or service with
 * {@code option deprecated = true} is {@code @Deprecated}. proto2, proto3 and edition 2023 files
 * are accepted. The plugin takes no parameter.
 */
public final class RpcProxyPlugin {
  private static final String CLIENT_SUFFIX = "Client";

  private RpcProxyPlugin() {}

  /**
   * Reads a {@code CodeGeneratorRequest} from standard input and writes the
   * {@code CodeGeneratorResponse} to standard output, as protoc runs a plugin.
   *
   * @throws IOException when standard input or output fails
   */
  public static void main(String[] args) throws IOException {
    InputStream in = System.in;
    CodeGeneratorRequest request = CodeGeneratorRequest.parseFrom(in);
    OutputStream out = System.out;
    generate(request).writeTo(out);
    out.flush();
  }

  /**
   * Writes the client interfaces for the services of the request's files to generate. Never throws
   * for a bad request: the response's {@code error} then says what is wrong, as protoc expects.
   */
  public static CodeGeneratorResponse generate(CodeGeneratorRequest request) {
    CodeGeneratorResponse.Builder response = CodeGeneratorResponse.newBuilder()
        // Proto3 optional fields change nothing here: only messages' names are used. Edition 2023
        // names Java classes as proto3 does (java_multiple_files and java_outer_classname are still
        // options); 2024 changes that rule, so protoc refuses those files for this plugin.
        .setSupportedFeatures(CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE
            | CodeGeneratorResponse.Feature.FEATURE_SUPPORTS_EDITIONS_VALUE)
        .setMinimumEdition(Edition.EDITION_2023_VALUE)
        .setMaximumEdition(Edition.EDITION_2023_VALUE);
    if (!request.getParameter().isEmpty()) {
      return response.setError("rpc-proxy-protoc-plugin takes no parameter, but was given \""
          + request.getParameter() + "\"").build();
    }
    JavaTypes types = JavaTypes.of(request.getProtoFileList());
    Map<String, FileDescriptorProto> byName = new HashMap<>();
    for (FileDescriptorProto file : request.getProtoFileList()) {
      byName.put(file.getName(), file);
    }
    for (String name : request.getFileToGenerateList()) {
      FileDescriptorProto file = byName.get(name);
      if (file == null) {
        return response.setError(name + ": not among the request's proto files").build();
      }
      for (int i = 0; i < file.getServiceCount(); i++) {
        ServiceDescriptorProto service = file.getService(i);
        String simpleName = service.getName() + CLIENT_SUFFIX;
        String javaPackage = JavaTypes.javaPackage(file);
        String clash = types.topLevelClassIn(javaPackage, simpleName);
        if (clash != null) {
          return response.setError(file.getName() + ": the client of service " + service.getName()
              + " would be " + simpleName + ", but " + clash + " has that name in package "
              + (javaPackage.isEmpty() ? "(default)" : javaPackage)).build();
        }
        types.claim(javaPackage, simpleName, "the client of service " + service.getName());
        String source;
        try {
          source = new ClientWriter(file, i, simpleName, types).write();
        } catch (IllegalArgumentException e) {
          return response.setError(file.getName() + ": service " + service.getName() + ": "
              + e.getMessage()).build();
        }
        String path = (javaPackage.isEmpty() ? "" : javaPackage.replace('.', '/') + "/")
            + simpleName + ".java";
        response.addFile(CodeGeneratorResponse.File.newBuilder().setName(path).setContent(source));
      }
    }
    return response.build();
  }
}
