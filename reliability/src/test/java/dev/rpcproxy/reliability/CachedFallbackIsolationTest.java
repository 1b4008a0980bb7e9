package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcException;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import dev.rpcproxy.reliability.proto.InventoryGrpc;
import dev.rpcproxy.reliability.proto.Item;
import dev.rpcproxy.reliability.proto.ItemRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * During an outage, concurrent callers with distinct arguments each get their own cached answer or
 * an error: never an answer cached for different arguments.
 */
class CachedFallbackIsolationTest {
  private static final int CACHED_IDS = 40;
  private static final int THREADS = 12;
  private static final int CALLS_PER_THREAD = 150;

  @Test
  void restCallersNeverGetAnotherArgumentsCachedAnswer() throws Exception {
    FaultInjector faults = new FaultInjector(3);
    try (ChaosRestServer server = new ChaosRestServer(faults)) {
      faults.off(true);
      RestInventory api = RpcProxy.builder(RestInventory.class)
          .transport(HttpTransport.builder().baseUrl(server.http.baseUrl()).build())
          .policy(Policy.builder().timeout(Duration.ofMillis(200)).maxConcurrentCalls(4).build())
          .fallback(Fallbacks.cached())
          .build();
      check(faults, id -> {
        ItemDto item = id % 2 == 0 ? api.item(id) : api.itemAsync(id).join();
        return item.id() + "/" + item.payload();
      }, id -> "item-" + id);
      RpcProxy.close(api);
    }
  }

  @Test
  void grpcCallersNeverGetAnotherArgumentsCachedAnswer() throws Exception {
    FaultInjector faults = new FaultInjector(4);
    try (ChaosGrpcServer server = new ChaosGrpcServer(faults)) {
      faults.off(true);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      GrpcInventory api = RpcProxy.builder(GrpcInventory.class)
          .transport(GrpcTransport.builder(channel, InventoryGrpc.getServiceDescriptor()).build())
          .policy(Policy.builder().timeout(Duration.ofMillis(200)).maxConcurrentCalls(4).build())
          .fallback(Fallbacks.cached())
          .build();
      check(faults, id -> {
        ItemRequest request = ItemRequest.newBuilder().setId(id).build();
        Item item = id % 2 == 0 ? api.getItem(request) : api.getItemAsync(request).join();
        return item.getId() + "/" + item.getPayload();
      }, id -> "item-" + id);
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void check(FaultInjector faults, LongFunction<String> call, LongFunction<String> payload)
      throws InterruptedException {
    // Fills the cache. On a loaded machine a cold first call can outlast the 200 ms timeout (the
    // timeout is for the outage below), so each call is tried again, for at most 30 s in all.
    long fillDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (long id = 0; id < CACHED_IDS; id++) {
      String answer;
      while (true) {
        try {
          answer = call.apply(id);
          break;
        } catch (dev.rpcproxy.RpcTimeoutException | java.util.concurrent.CompletionException slow) {
          if (System.nanoTime() > fillDeadline) {
            throw slow;
          }
        }
      }
      assertThat(answer).isEqualTo(id + "/" + payload.apply(id));
    }
    faults.outage(true);
    faults.off(false);
    List<String> wrong = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger cachedAnswers = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int seed = t;
      Thread thread = new Thread(() -> {
        java.util.Random random = new java.util.Random(seed);
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < CALLS_PER_THREAD; i++) {
          long id = random.nextInt(CACHED_IDS * 2); // half of them were never cached
          try {
            String answer = call.apply(id);
            if (!answer.equals(id + "/" + payload.apply(id)) || id >= CACHED_IDS) {
              wrong.add("asked " + id + ", got " + answer);
            } else {
              cachedAnswers.incrementAndGet();
            }
          } catch (RpcException | java.util.concurrent.CompletionException e) {
            errors.incrementAndGet();
          }
        }
      });
      threads.add(thread);
      thread.start();
    }
    go.countDown();
    for (Thread thread : threads) {
      thread.join(60_000);
    }
    assertThat(wrong).isEmpty();
    assertThat(cachedAnswers.get()).isPositive();
    assertThat(errors.get()).isPositive();
    assertThat(cachedAnswers.get() + errors.get()).isEqualTo(THREADS * CALLS_PER_THREAD);
  }
}
