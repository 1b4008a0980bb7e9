package dev.rpcproxy.compat.protoc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.compat.routeguide.RouteGuideClient;
import dev.rpcproxy.grpc.GrpcMethod;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The interface the plugin wrote for route_guide.proto's RouteGuide, with all four RPC kinds, as
 * the build compiled it. Client-streaming and bidirectional RPCs cannot be bound by GrpcTransport
 * yet (the call-shapes work adds them), so this service is checked for its shapes, and
 * {@link GeneratedClientCallTest} calls the unary and server-streaming RPCs of RouteLookup.
 */
class RouteGuideClientShapeTest {

  @Test
  void everyRpcHasItsFormsWithTheDesignedShapes() {
    List<String> methods = Arrays.stream(RouteGuideClient.class.getDeclaredMethods())
        .map(RouteGuideClientShapeTest::describe)
        .toList();

    assertThat(methods).containsExactlyInAnyOrder(
        "@Default Feature default_(Point)",
        "@Default CompletableFuture<Feature> defaultAsync(Point)",
        "@FindFeature @Deprecated Feature findFeature(Point)",
        "@FindFeature @Deprecated CompletableFuture<Feature> findFeatureAsync(Point)",
        "@Get Feature get(Point)",
        "@Get CompletableFuture<Feature> getAsync_(Point)",
        "@GetAsync Feature getAsync(Rectangle)",
        "@GetAsync CompletableFuture<Feature> getAsyncAsync(Rectangle)",
        "@GetFeature Feature getFeature(Point)",
        "@GetFeature CompletableFuture<Feature> getFeatureAsync(Point)",
        "@ListFeatures Stream<Feature> listFeatures(Rectangle)",
        "@ListFeatures Flow.Publisher<Feature> listFeaturesAsync(Rectangle)",
        "@RecordRoute CompletableFuture<RouteSummary> recordRoute(Flow.Publisher<Point>)",
        "@RouteChat Flow.Publisher<RouteNote> routeChat(Flow.Publisher<RouteNote>)");
  }

  /** "@Rpc [@Deprecated] Return name(Parameter)", with packages left out. */
  private static String describe(Method method) {
    return "@" + method.getAnnotation(GrpcMethod.class).value()
        + (method.isAnnotationPresent(Deprecated.class) ? " @Deprecated " : " ")
        + simple(method.getGenericReturnType().getTypeName()) + " " + method.getName() + "("
        + simple(method.getGenericParameterTypes()[0].getTypeName()) + ")";
  }

  private static String simple(String typeName) {
    return typeName.replaceAll("[a-z][a-z0-9_]*\\.", "").replace('$', '.');
  }
}
