package dev.rpcproxy.protoc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.Edition;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import org.junit.jupiter.api.Test;

/** What protoc is told: the files written, or an error it prints instead of failing obscurely. */
class RpcProxyPluginTest {
  private static final FileDescriptorProto FILE = FileDescriptorProto.newBuilder()
      .setName("pets.proto").setPackage("pets")
      .setOptions(FileOptions.newBuilder().setJavaPackage("com.pets").setJavaMultipleFiles(true))
      .addMessageType(DescriptorProto.newBuilder().setName("Pet"))
      .addService(ServiceDescriptorProto.newBuilder().setName("Pets")
          .addMethod(MethodDescriptorProto.newBuilder().setName("Adopt")
              .setInputType(".pets.Pet").setOutputType(".pets.Pet")))
      .build();

  @Test
  void onlyTheFilesToGenerateGetClients() {
    FileDescriptorProto other = FILE.toBuilder().setName("other.proto").setPackage("other")
        .setOptions(FileOptions.newBuilder().setJavaPackage("com.other")).build();
    CodeGeneratorResponse response = RpcProxyPlugin.generate(CodeGeneratorRequest.newBuilder()
        .addProtoFile(other).addProtoFile(FILE).addFileToGenerate("pets.proto").build());

    assertThat(response.getError()).isEmpty();
    assertThat(response.getFileList()).extracting(CodeGeneratorResponse.File::getName)
        .containsExactly("com/pets/PetsClient.java");
    assertThat(response.getSupportedFeatures() & CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE)
        .as("proto3 optional fields are accepted").isNotZero();
    assertThat(response.getSupportedFeatures() & CodeGeneratorResponse.Feature.FEATURE_SUPPORTS_EDITIONS_VALUE)
        .isNotZero();
    assertThat(response.getMinimumEdition()).isEqualTo(Edition.EDITION_2023_VALUE);
    assertThat(response.getMaximumEdition()).as("2024 names classes otherwise").isEqualTo(Edition.EDITION_2023_VALUE);
  }

  @Test
  void aParameterIsAnErrorProtocReports() {
    CodeGeneratorResponse response = RpcProxyPlugin.generate(CodeGeneratorRequest.newBuilder()
        .addProtoFile(FILE).addFileToGenerate("pets.proto").setParameter("shapes=unary").build());

    assertThat(response.getError()).contains("takes no parameter").contains("shapes=unary");
    assertThat(response.getFileList()).isEmpty();
  }

  @Test
  void aClientNamedLikeAMessageOfItsPackageIsAnError() {
    FileDescriptorProto clashing = FILE.toBuilder()
        .addMessageType(DescriptorProto.newBuilder().setName("PetsClient")).build();
    CodeGeneratorResponse response = RpcProxyPlugin.generate(CodeGeneratorRequest.newBuilder()
        .addProtoFile(clashing).addFileToGenerate("pets.proto").build());

    assertThat(response.getError())
        .isEqualTo("pets.proto: the client of service Pets would be PetsClient, but message PetsClient of"
            + " file pets.proto has that name in package com.pets");
  }

  @Test
  void aMessageMissingFromTheRequestIsAnError() {
    FileDescriptorProto dangling = FILE.toBuilder().setService(0, FILE.getService(0).toBuilder()
        .setMethod(0, FILE.getService(0).getMethod(0).toBuilder().setOutputType(".pets.Gone"))).build();
    CodeGeneratorResponse response = RpcProxyPlugin.generate(CodeGeneratorRequest.newBuilder()
        .addProtoFile(dangling).addFileToGenerate("pets.proto").build());

    assertThat(response.getError()).isEqualTo("pets.proto: service Pets: message .pets.Gone is not in the"
        + " request's files");
  }

  @Test
  void anUnknownFileToGenerateIsAnError() {
    CodeGeneratorResponse response = RpcProxyPlugin.generate(CodeGeneratorRequest.newBuilder()
        .addProtoFile(FILE).addFileToGenerate("missing.proto").build());

    assertThat(response.getError()).contains("missing.proto");
  }
}
