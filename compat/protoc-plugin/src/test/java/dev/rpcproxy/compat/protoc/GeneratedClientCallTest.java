package dev.rpcproxy.compat.protoc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.compat.routeguide.Feature;
import dev.rpcproxy.compat.routeguide.Point;
import dev.rpcproxy.compat.routeguide.Rectangle;
import dev.rpcproxy.grpc.GrpcTransport;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import routeguide.lookup.RouteLookupClient;
import routeguide.lookup.RouteLookupGrpc;
import routeguide.lookup.RouteLookupOuterClass.Query;

/**
 * The RouteLookupClient the plugin wrote, bound through RpcProxy and GrpcTransport to an in-process
 * server: every method calls its RPC (the renamed ones too), and it passes the policy checks a
 * hand-written client passes: timeout, retry of the idempotent RPC only, breaker, fallback.
 */
class GeneratedClientCallTest {
  private static final Point POINT = Point.newBuilder().setLatitude(7).setLongitude(9).build();
  private static final Rectangle AREA = Rectangle.newBuilder().setLo(POINT).setHi(POINT).build();
  private static final Feature FALLBACK = Feature.newBuilder().setName("fallback").build();
  private static final Lookup service = new Lookup();
  private static Server server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void reset() {
    service.calls.clear();
    service.failures.clear();
    service.hang = false;
  }

  private static RpcProxy.Builder<RouteLookupClient> client(Policy policy) {
    return RpcProxy.builder(RouteLookupClient.class)
        .transport(GrpcTransport.builder(channel, RouteLookupGrpc.getServiceDescriptor()).build())
        .policy(policy);
  }

  @Test
  @SuppressWarnings("deprecation")
  void everyMethodCallsItsRpcAsTheAnnotationSays() throws Exception {
    RouteLookupClient lookup = client(Policy.defaults()).build();

    assertThat(lookup.getFeature(POINT).getName()).isEqualTo("GetFeature 7");
    assertThat(lookup.getFeatureAsync(POINT).get(10, TimeUnit.SECONDS).getName()).isEqualTo("GetFeature 7");
    try (Stream<Feature> features = lookup.listFeatures(AREA)) {
      assertThat(features.map(Feature::getName)).containsExactly("ListFeatures 1", "ListFeatures 2");
    }
    assertThat(collect(lookup.listFeaturesAsync(AREA)).get(10, TimeUnit.SECONDS))
        .extracting(Feature::getName).containsExactly("ListFeatures 1", "ListFeatures 2");
    assertThat(lookup.findFeature(POINT).getName()).isEqualTo("FindFeature 7");
    assertThat(lookup.default_(POINT).getName()).isEqualTo("Default 7");
    assertThat(lookup.defaultAsync(POINT).get(10, TimeUnit.SECONDS).getName()).isEqualTo("Default 7");
    // Get's async form is getAsync_; getAsync is GetAsync's plain form.
    assertThat(lookup.get(POINT).getName()).isEqualTo("Get 7");
    assertThat(lookup.getAsync_(POINT).get(10, TimeUnit.SECONDS).getName()).isEqualTo("Get 7");
    Query query = Query.newBuilder().setText("q").build();
    assertThat(lookup.getAsync(query).getText()).isEqualTo("GetAsync q");
    assertThat(lookup.getAsyncAsync(query).get(10, TimeUnit.SECONDS).getText()).isEqualTo("GetAsync q");

    assertThat(service.calls).containsExactly("GetFeature", "GetFeature", "ListFeatures", "ListFeatures",
        "FindFeature", "Default", "Default", "Get", "Get", "GetAsync", "GetAsync");
  }

  @Test
  void theDeadlineEndsACallTheServerNeverAnswers() {
    service.hang = true;
    RouteLookupClient lookup = client(Policy.builder().timeout(Duration.ofMillis(200)).build()).build();

    assertThatThrownBy(() -> lookup.getFeature(POINT)).isInstanceOf(RpcTimeoutException.class);
    assertThatThrownBy(() -> lookup.getFeatureAsync(POINT).join())
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(RpcTimeoutException.class);
  }

  @Test
  void theIdempotentRpcIsRetriedAndTheOtherIsNot() {
    RouteLookupClient lookup = client(Policy.builder()
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ZERO, Duration.ZERO).build())
        .build()).build();

    service.failures.add(Status.UNAVAILABLE);
    assertThat(lookup.getFeature(POINT).getName()).isEqualTo("GetFeature 7");
    assertThat(service.calls).containsExactly("GetFeature", "GetFeature");

    service.calls.clear();
    service.failures.add(Status.UNAVAILABLE);
    assertThatThrownBy(() -> lookup.get(POINT)).isInstanceOfSatisfying(RemoteCallException.class,
        e -> assertThat(e.status()).isEqualTo("UNAVAILABLE"));
    assertThat(service.calls).as("Get has no idempotency_level: one attempt").containsExactly("Get");
  }

  @Test
  void theBreakerOpensAndStopsCallingTheServer() {
    RouteLookupClient lookup = client(Policy.builder().circuitBreaker(CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(4).minimumNumberOfCalls(4).failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofMinutes(1))
        .build()).build()).build();

    for (int i = 0; i < 4; i++) {
      service.failures.add(Status.INTERNAL);
      assertThatThrownBy(() -> lookup.default_(POINT)).isInstanceOf(RemoteCallException.class);
    }
    assertThatThrownBy(() -> lookup.default_(POINT)).isInstanceOf(CircuitOpenException.class);
    assertThatThrownBy(() -> lookup.defaultAsync(POINT).join())
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(CircuitOpenException.class);
    assertThat(service.calls).hasSize(4);
  }

  @Test
  void aFailureIsAnsweredByTheFallback() {
    RouteLookupClient lookup = client(Policy.defaults()).fallback("getFeature", Fallbacks.value(FALLBACK)).build();

    service.failures.add(Status.INTERNAL);
    assertThat(lookup.getFeature(POINT)).isEqualTo(FALLBACK);
    service.failures.add(Status.INTERNAL);
    assertThatThrownBy(() -> lookup.get(POINT)).as("the fallback is getFeature's only")
        .isInstanceOf(RemoteCallException.class);
  }

  /** All the publisher's items, once it completes. */
  private static <T> CompletableFuture<List<T>> collect(Flow.Publisher<T> publisher) {
    CompletableFuture<List<T>> done = new CompletableFuture<>();
    publisher.subscribe(new Flow.Subscriber<T>() {
      private final List<T> items = new ArrayList<>();

      @Override
      public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(T item) {
        items.add(item);
      }

      @Override
      public void onError(Throwable failure) {
        done.completeExceptionally(failure);
      }

      @Override
      public void onComplete() {
        done.complete(items);
      }
    });
    return done;
  }

  /** Answers every RPC with its name; fails the next calls with {@code failures}; or never answers. */
  static final class Lookup extends RouteLookupGrpc.RouteLookupImplBase {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final Queue<Status> failures = new ConcurrentLinkedQueue<>();
    volatile boolean hang;

    @Override
    public void getFeature(Point request, StreamObserver<Feature> response) {
      answer("GetFeature", response, feature("GetFeature " + request.getLatitude()));
    }

    @Override
    public void listFeatures(Rectangle request, StreamObserver<Feature> response) {
      if (start("ListFeatures", response)) {
        response.onNext(feature("ListFeatures 1"));
        response.onNext(feature("ListFeatures 2"));
        response.onCompleted();
      }
    }

    @Override
    @SuppressWarnings("deprecation")
    public void findFeature(Point request, StreamObserver<Feature> response) {
      answer("FindFeature", response, feature("FindFeature " + request.getLatitude()));
    }

    @Override
    public void default_(Point request, StreamObserver<Feature> response) {
      answer("Default", response, feature("Default " + request.getLatitude()));
    }

    @Override
    public void get(Point request, StreamObserver<Feature> response) {
      answer("Get", response, feature("Get " + request.getLatitude()));
    }

    @Override
    public void getAsync(Query request, StreamObserver<Query.Answer> response) {
      answer("GetAsync", response, Query.Answer.newBuilder().setText("GetAsync " + request.getText()).build());
    }

    private <T> void answer(String rpc, StreamObserver<T> response, T value) {
      if (start(rpc, response)) {
        response.onNext(value);
        response.onCompleted();
      }
    }

    /** Records the call; {@code false} when it was failed or is left unanswered. */
    private boolean start(String rpc, StreamObserver<?> response) {
      calls.add(rpc);
      if (hang) {
        return false;
      }
      Status failure = failures.poll();
      if (failure != null) {
        response.onError(failure.asRuntimeException());
        return false;
      }
      return true;
    }

    private static Feature feature(String name) {
      return Feature.newBuilder().setName(name).build();
    }
  }
}
