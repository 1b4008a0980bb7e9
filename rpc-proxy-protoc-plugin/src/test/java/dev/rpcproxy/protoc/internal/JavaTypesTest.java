package dev.rpcproxy.protoc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

class JavaTypesTest {

  @Test
  void theOuterClassIsTheFilesNameInCamelCaseUnlessSet() {
    assertThat(JavaTypes.outerClassName(file("a/b/route_guide.proto"))).isEqualTo("RouteGuide");
    assertThat(JavaTypes.outerClassName(file("v2-api.v1.proto"))).isEqualTo("V2ApiV1");
    assertThat(JavaTypes.outerClassName(file("x/foo_bar2baz.proto"))).isEqualTo("FooBar2Baz");
    assertThat(JavaTypes.outerClassName(file("x.proto").toBuilder()
        .setOptions(FileOptions.newBuilder().setJavaOuterClassname("Custom")).build())).isEqualTo("Custom");
  }

  @Test
  void theOuterClassGetsOuterClassWhenANestedTypeHasItsName() {
    FileDescriptorProto nestedEnum = file("orders.proto").toBuilder()
        .addMessageType(DescriptorProto.newBuilder().setName("Order")
            .addEnumType(EnumDescriptorProto.newBuilder().setName("Orders")))
        .build();

    assertThat(JavaTypes.outerClassName(nestedEnum)).isEqualTo("OrdersOuterClass");
  }

  @Test
  void messagesAreNamedAsProtocsJavaGeneratorNamesThem() {
    FileDescriptorProto nested = file("shop/orders.proto").toBuilder().setPackage("shop.v1")
        .addMessageType(DescriptorProto.newBuilder().setName("Order")
            .addNestedType(DescriptorProto.newBuilder().setName("Line")))
        .build();
    FileDescriptorProto multiple = file("shop/items.proto").toBuilder().setPackage("shop.v1")
        .setOptions(FileOptions.newBuilder().setJavaPackage("com.shop").setJavaMultipleFiles(true))
        .addMessageType(DescriptorProto.newBuilder().setName("Item")
            .addNestedType(DescriptorProto.newBuilder().setName("Sku")))
        .build();
    JavaTypes types = JavaTypes.of(List.of(nested, multiple));

    assertThat(types.message(".shop.v1.Order.Line").qualifiedName()).isEqualTo("shop.v1.Orders.Order.Line");
    assertThat(types.message(".shop.v1.Item").qualifiedName()).isEqualTo("com.shop.Item");
    assertThat(types.message(".shop.v1.Item.Sku").relativeName()).isEqualTo("Item.Sku");
    assertThat(types.topLevelClassIn("com.shop", "Item")).contains("message Item");
    assertThat(types.topLevelClassIn("shop.v1", "Orders")).contains("outer class");
    assertThatThrownBy(() -> types.message(".other.Missing")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(".other.Missing");
  }

  private static FileDescriptorProto file(String name) {
    return FileDescriptorProto.newBuilder().setName(name).build();
  }
}
