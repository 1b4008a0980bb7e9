package dev.rpcproxy.compat.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.http.HttpTransport;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Interfaces openapi-generator wrote at build time from src/main/openapi (jaxrs-spec, and java
 * with library=microprofile), bound unedited with RpcProxy + HttpTransport and called against a
 * loopback server: every parameter kind of the specs arrives, and a policy (timeout, breaker,
 * retry of an idempotent call, fallback) behaves as it does for a hand-written client.
 */
class GeneratedClientsTest {
  private HttpServer server;
  private String base;
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final Map<String, String> lastSeen = new ConcurrentHashMap<>();
  private final CountDownLatch release = new CountDownLatch(1);
  /** Status the server answers for /pets/{id} while not 200 (set by a test). */
  private volatile int petStatus = 200;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.createContext("/pets", this::pets);
    server.createContext("/search", ex -> {
      record(ex);
      respond(ex, 200, "{\"total\": 1, \"records\": [{\"id\": \"r1\", \"title\": \"Rivers\", \"keywords\": [\"water\"]}]}");
    });
    server.createContext("/records", ex -> {
      record(ex);
      String id = ex.getRequestURI().getRawPath().substring("/records/".length());
      respond(ex, 200, "{\"id\": \"" + id + "\", \"title\": \"T\"}");
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  private void pets(HttpExchange ex) throws IOException {
    String key = ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath();
    int n = hits.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    record(ex);
    String path = ex.getRequestURI().getRawPath();
    if (path.equals("/pets") && ex.getRequestMethod().equals("GET")) {
      respond(ex, 200, "[{\"id\": 1, \"name\": \"Rex\", \"status\": \"available\"}, {\"id\": 2, \"name\": \"Tom\"}]");
    } else if (path.equals("/pets") && ex.getRequestMethod().equals("POST")) {
      respond(ex, petStatus == 200 ? 201 : petStatus, "{\"id\": 3, \"name\": \"Kit\", \"tag\": \"cat\"}");
    } else if (path.equals("/pets/slow")) {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      respond(ex, 200, "{\"id\": 9, \"name\": \"Late\"}");
    } else if (path.equals("/pets/flaky") && n == 1) {
      respond(ex, 503, "");
    } else if (ex.getRequestMethod().equals("DELETE")) {
      ex.sendResponseHeaders(204, -1);
      ex.close();
    } else if (petStatus != 200) {
      respond(ex, petStatus, "{\"code\": 1, \"message\": \"down\"}");
    } else {
      respond(ex, 200, "{\"id\": 7, \"name\": \"" + path.substring("/pets/".length()) + "\"}");
    }
  }

  private void record(HttpExchange ex) throws IOException {
    lastSeen.put("target", ex.getRequestURI().getRawPath()
        + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
    lastSeen.put("body", new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    lastSeen.put("contentType", String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")));
    lastSeen.put("accept", String.valueOf(ex.getRequestHeaders().getFirst("Accept")));
    lastSeen.put("cookie", String.valueOf(ex.getRequestHeaders().getFirst("Cookie")));
    lastSeen.put("requestId", String.valueOf(ex.getRequestHeaders().getFirst("X-Request-Id")));
  }

  private static void respond(HttpExchange ex, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      ex.getResponseBody().write(body);
    }
    ex.close();
  }

  private <T> RpcProxy.Builder<T> client(Class<T> api) {
    return RpcProxy.builder(api).transport(HttpTransport.builder().baseUrl(base).build());
  }

  private static Policy policy() {
    return Policy.builder()
        .timeout(Duration.ofMillis(500))
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ZERO, Duration.ZERO).build())
        .circuitBreaker(CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(4).minimumNumberOfCalls(4).failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofMinutes(1)).build())
        .build();
  }

  // ---- jaxrs-spec ----

  @Test
  void jaxrsSpecPetstoreBindsAndCalls() {
    com.example.petstore.jaxrs.api.PetsApi pets = client(com.example.petstore.jaxrs.api.PetsApi.class).build();

    List<com.example.petstore.jaxrs.model.Pet> list = pets.listPets(10, List.of("a b", "c&d"));
    assertEquals("/pets?limit=10&tags=a%20b&tags=c%26d", lastSeen.get("target"));
    assertEquals("application/json", lastSeen.get("accept"));
    assertEquals(2, list.size());
    assertEquals("Rex", list.get(0).getName());
    assertEquals(com.example.petstore.jaxrs.model.Pet.StatusEnum.AVAILABLE, list.get(0).getStatus());

    com.example.petstore.jaxrs.model.Pet created = pets.createPet(new com.example.petstore.jaxrs.model.NewPet()
        .name("Kit").tag("cat"));
    assertEquals(3L, created.getId());
    assertEquals("{\"name\":\"Kit\",\"tag\":\"cat\"}", lastSeen.get("body"));
    assertTrue(lastSeen.get("contentType").startsWith("application/json"));

    assertEquals("a%2Fb", pets.showPetById("a/b").getName());
    pets.deletePet("3");
    assertEquals(1, hits.get("DELETE /pets/3").get());
  }

  @Test
  void jaxrsSpecFormCookieAndHeaderParametersArrive() {
    com.example.search.jaxrs.api.SearchApi search = client(com.example.search.jaxrs.api.SearchApi.class).build();

    com.example.search.jaxrs.model.SearchResult result = search.performSearch("title:\"rivers & lakes\"", "req-1",
        "s3ss10n", 0, 20);
    assertEquals(1L, result.getTotal());
    assertEquals("Rivers", result.getRecords().get(0).getTitle());
    assertEquals("application/x-www-form-urlencoded", lastSeen.get("contentType"));
    assertEquals(Map.of("criteria", "title:\"rivers & lakes\"", "start", "0", "rows", "20"), form(lastSeen.get("body")));
    assertEquals("req-1", lastSeen.get("requestId"));
    assertEquals("session=s3ss10n", lastSeen.get("cookie"));

    com.example.search.jaxrs.api.RecordsApi records = client(com.example.search.jaxrs.api.RecordsApi.class).build();
    assertEquals("r%201", records.getRecord("r 1", null, "abc").getId());
    assertEquals("session=abc", lastSeen.get("cookie"));
  }

  // ---- java, library=microprofile ----

  @Test
  void microprofileClientsBindAndCall() throws Exception {
    com.example.petstore.mp.api.PetsApi pets = client(com.example.petstore.mp.api.PetsApi.class).build();
    assertEquals("Tom", pets.listPets(null, null).get(1).getName());
    assertEquals("/pets", lastSeen.get("target"));
    assertEquals("Kit", pets.createPet(new com.example.petstore.mp.model.NewPet().name("Kit")).getName());

    com.example.search.mp.api.SearchApi search = client(com.example.search.mp.api.SearchApi.class).build();
    assertEquals(1L, search.performSearch("*:*", null, "c1", null, 5).getTotal());
    assertEquals(Map.of("criteria", "*:*", "rows", "5"), form(lastSeen.get("body")));
    assertEquals("session=c1", lastSeen.get("cookie"));
  }

  // ---- the policy checks a hand-written client passes ----

  @Test
  void timeoutEndsASlowCall() {
    com.example.petstore.jaxrs.api.PetsApi pets = client(com.example.petstore.jaxrs.api.PetsApi.class)
        .policy(Policy.builder().timeout(Duration.ofMillis(300)).build()).build();
    long start = System.nanoTime();
    assertThrows(RpcTimeoutException.class, () -> pets.showPetById("slow"));
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5_000, "ended by the deadline");
  }

  @Test
  void idempotentCallIsRetriedAndPostIsNot() {
    com.example.petstore.jaxrs.api.PetsApi pets = client(com.example.petstore.jaxrs.api.PetsApi.class)
        .policy(policy()).build();
    assertEquals("flaky", pets.showPetById("flaky").getName());
    assertEquals(2, hits.get("GET /pets/flaky").get(), "a GET answered 503 once is tried again");

    petStatus = 503;
    assertThrows(RemoteCallException.class, () -> pets.createPet(new com.example.petstore.jaxrs.model.NewPet().name("x")));
    assertEquals(1, hits.get("POST /pets").get(), "a POST is not repeated");
  }

  @Test
  void breakerOpensAndStopsCalls() throws Exception {
    com.example.petstore.mp.api.PetsApi pets = client(com.example.petstore.mp.api.PetsApi.class)
        .policy(policy()).build();
    petStatus = 500;
    RuntimeException last = null;
    for (int i = 0; i < 6; i++) {
      last = assertThrows(RuntimeException.class, () -> pets.showPetById("down"));
    }
    assertInstanceOf(CircuitOpenException.class, last);
    int seen = hits.get("GET /pets/down").get();
    assertThrows(CircuitOpenException.class, () -> pets.showPetById("down"));
    assertEquals(seen, hits.get("GET /pets/down").get(), "an open breaker sends nothing");
  }

  @Test
  void fallbackAnswersAFailedCall() {
    com.example.petstore.jaxrs.model.Pet placeholder = new com.example.petstore.jaxrs.model.Pet().id(0L).name("unknown");
    com.example.petstore.jaxrs.api.PetsApi pets = client(com.example.petstore.jaxrs.api.PetsApi.class)
        .policy(policy()).fallback("showPetById", Fallbacks.value(placeholder)).build();
    petStatus = 503;
    assertEquals("unknown", pets.showPetById("gone").getName());
  }

  private static Map<String, String> form(String body) {
    Map<String, String> fields = new java.util.HashMap<>();
    for (String pair : body.split("&")) {
      int equals = pair.indexOf('=');
      fields.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
    return fields;
  }
}
