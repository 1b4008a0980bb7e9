package dev.rpcproxy.protoc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MethodNamesTest {

  @Test
  void plainAndAsyncNamesFollowGrpcJavasLowerCamelCase() {
    assertThat(names(unary("GetFeature"), unary("list_features"), unary("URLFor")))
        .containsExactly(new MethodNames.Names("getFeature", "getFeatureAsync"),
            new MethodNames.Names("listFeatures", "listFeaturesAsync"),
            new MethodNames.Names("uRLFor", "uRLForAsync"));
  }

  @Test
  void keywordsLiteralsAndObjectMethodsGetAnUnderscore() {
    assertThat(names(unary("Default"), unary("Class"), unary("True"), unary("ToString"), unary("Wait")))
        .extracting(MethodNames.Names::plain)
        .containsExactly("default_", "class_", "true_", "toString_", "wait_");
    assertThat(names(unary("Default")).get(0).async()).isEqualTo("defaultAsync");
  }

  @Test
  void aPlainNameWinsOverAnotherRpcsAsyncFormWhicheverIsDeclaredFirst() {
    List<MethodNames.Names> getFirst = names(unary("Get"), unary("GetAsync"));
    List<MethodNames.Names> getAsyncFirst = names(unary("GetAsync"), unary("Get"));

    assertThat(getFirst).containsExactly(new MethodNames.Names("get", "getAsync_"),
        new MethodNames.Names("getAsync", "getAsyncAsync"));
    assertThat(getAsyncFirst).containsExactly(new MethodNames.Names("getAsync", "getAsyncAsync"),
        new MethodNames.Names("get", "getAsync_"));
  }

  @Test
  void equalPlainNamesKeepTheProtosOrder() {
    assertThat(names(unary("GetItem"), unary("Get_Item"), unary("get_item")))
        .extracting(MethodNames.Names::plain)
        .containsExactly("getItem", "getItem_", "getItem__");
  }

  @Test
  void clientStreamingAndBidiRpcsHaveOneForm() {
    assertThat(names(clientStreaming("Upload", false), clientStreaming("Chat", true)))
        .containsExactly(new MethodNames.Names("upload", null), new MethodNames.Names("chat", null));
  }

  @Test
  void everyNameIsUniqueEvenWhenSuffixesPileUp() {
    List<MethodNames.Names> names = names(unary("A"), unary("AAsync"), unary("AAsyncAsync"), unary("A_"));
    List<String> all = names.stream().flatMap(n -> Arrays.stream(new String[] {n.plain(), n.async()})).toList();

    assertThat(all).doesNotHaveDuplicates().hasSize(8);
  }

  private static List<MethodNames.Names> names(MethodDescriptorProto... methods) {
    return MethodNames.of(List.of(methods));
  }

  private static MethodDescriptorProto unary(String name) {
    return MethodDescriptorProto.newBuilder().setName(name).setInputType(".p.M").setOutputType(".p.M").build();
  }

  private static MethodDescriptorProto clientStreaming(String name, boolean serverStreaming) {
    return unary(name).toBuilder().setClientStreaming(true).setServerStreaming(serverStreaming).build();
  }
}
