package dev.rpcproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.RpcProxy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.CookieValue;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.annotation.DeleteExchange;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.annotation.HttpExchange;
import org.springframework.web.service.annotation.PatchExchange;
import org.springframework.web.service.annotation.PostExchange;
import org.springframework.web.service.annotation.PutExchange;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * Spring HTTP interfaces bound by {@link HttpTransport}: each annotation and value rule, checked
 * by sending the same call through Spring's own {@code RestClient} + {@code HttpServiceProxyFactory}
 * and through rpc-proxy to one recording server, and comparing what arrived (method, raw path and
 * query, the headers the interface controls, content type and body).
 */
class SpringHttpInterfaceTest {
  public record Item(String name, int quantity) {}

  @HttpExchange(url = "/catalog", headers = "X-Client=contract-test")
  public interface Catalog {
    @GetExchange("/items/{id}")
    Item item(@PathVariable("id") String id);

    @GetExchange("/items/{a}-{b}/parts")
    Item twoInOneSegment(@PathVariable String a, @PathVariable String b);

    @GetExchange("/items")
    Item search(@RequestParam("q") String q, @RequestParam(name = "tag", required = false) List<String> tags,
        @RequestParam(required = false) Integer page);

    @GetExchange("/items")
    Item filter(@RequestParam MultiValueMap<String, String> filters);

    @GetExchange("/items")
    Item defaulted(@RequestParam(name = "sort", defaultValue = "name") String sort,
        @RequestParam(name = "dir") Optional<String> dir);

    @PostExchange("/items")
    Item create(@RequestBody Item item);

    @PutExchange("/items/{id}")
    void replace(@PathVariable("id") String id, @RequestBody Item item);

    @DeleteExchange("/items/{id}")
    void delete(@PathVariable("id") String id);

    @PatchExchange(url = "/items/{id}", contentType = "application/merge-patch+json")
    Item patch(@PathVariable("id") String id, @RequestBody Map<String, Object> changes);

    @GetExchange(url = "/me", accept = {"application/json", "application/problem+json"})
    Item me(@RequestHeader("X-Token") String token, @CookieValue("session") String session,
        @CookieValue(name = "theme", required = false) String theme);

    @GetExchange("/me")
    Item headers(@RequestHeader("X-Tags") List<String> tags, @RequestHeader Map<String, String> more);

    @PostExchange(url = "/login", contentType = "application/x-www-form-urlencoded")
    Item login(@RequestParam("user") String user, @RequestParam("password") String password);

    @HttpExchange(method = "GET", url = "fixed", headers = {"X-Multi=1,2", "X-One= spaced "})
    String fixed();

    @GetExchange("/search?type=book&lang=en")
    String literalQuery(@RequestParam("q") String q);

    @PostExchange(url = "/text", contentType = "text/plain;charset=UTF-8")
    String text(@RequestBody String text);
  }

  /** Multipart: compared part by part (the boundary is random). */
  public interface Uploads {
    @PostExchange("/upload")
    String upload(@RequestPart("meta") Item meta, @RequestPart("note") String note);
  }

  @HttpExchange("/flaky")
  public interface Flaky {
    @GetExchange void get();
    @PutExchange void put();
    @DeleteExchange void delete();
    @PostExchange void post();
    @PatchExchange void patch();
  }

  public interface Mixed {
    @GetExchange("/x")
    String noAnnotation(String q);
  }

  public interface RequiredParam {
    @GetExchange("/x")
    String find(@RequestParam("q") String q);
  }

  public interface EmptyPath {
    @GetExchange("/items/{id}")
    String item(@PathVariable("id") String id);
  }

  /** One request as the server saw it. */
  record Seen(String method, String target, String contentType, Map<String, List<String>> headers, String body) {}

  private static final List<String> COMPARED_HEADERS =
      List.of("x-client", "x-token", "cookie", "x-multi", "x-one", "x-tags", "x-a", "x-b");

  private static HttpServer server;
  private static final java.util.concurrent.atomic.AtomicInteger flakyRequests =
      new java.util.concurrent.atomic.AtomicInteger();
  private static final LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
  private static final LinkedBlockingQueue<byte[]> rawBodies = new LinkedBlockingQueue<>();
  private static Catalog spring;
  private static Catalog ours;
  private static String base;

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      Map<String, List<String>> headers = new TreeMap<>();
      exchange.getRequestHeaders().forEach((name, values) -> {
        if (COMPARED_HEADERS.contains(name.toLowerCase()) || name.equalsIgnoreCase("accept")) {
          headers.put(name.toLowerCase(), values);
        }
      });
      String query = exchange.getRequestURI().getRawQuery();
      seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath()
          + (query == null ? "" : "?" + query), exchange.getRequestHeaders().getFirst("Content-Type"), headers,
          new String(body, StandardCharsets.UTF_8)));
      rawBodies.add(body);
      boolean text = exchange.getRequestURI().getPath().startsWith("/catalog/fixed")
          || exchange.getRequestURI().getPath().contains("search") || exchange.getRequestURI().getPath().contains("text")
          || exchange.getRequestURI().getPath().contains("upload") || exchange.getRequestURI().getPath().equals("/x");
      byte[] answer = (text ? "ok" : "{\"name\":\"ok\",\"quantity\":1}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", text ? "text/plain" : "application/json");
      exchange.sendResponseHeaders(200, answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    server.createContext("/flaky", exchange -> {
      flakyRequests.incrementAndGet();
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(503, -1);
      exchange.close();
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    spring = springClient(Catalog.class);
    ours = RpcProxy.builder(Catalog.class).transport(HttpTransport.builder().baseUrl(base).build()).build();
  }

  private static <T> T springClient(Class<T> api) {
    RestClient rest = RestClient.builder().baseUrl(base).requestFactory(new JdkClientHttpRequestFactory()).build();
    return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(rest)).build().createClient(api);
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  static Stream<String> awkwardValues() {
    return Stream.of("with space", "slash/inside", "100%", "a+b", "what?", "hash#tag", "a&b", "k=v", "semi;colon",
        "ünïcödé ✓", "emoji 😀", "quote\"", "a:b@c", "[brackets]", "~-._!$'()*,", "plain");
  }

  static Stream<Arguments> calls() {
    LinkedMultiValueMap<String, String> filters = new LinkedMultiValueMap<>();
    filters.add("color", "red");
    filters.add("color", "blue & green");
    filters.add("size", "L");
    return Stream.of(
        call("path variable", c -> c.item("42")),
        call("two variables in one segment", c -> c.twoInOneSegment("a b", "c/d")),
        call("query with list and optional", c -> c.search("q", List.of("x", "y z"), 2)),
        call("query with missing optional", c -> c.search("q", null, null)),
        call("MultiValueMap", c -> c.filter(filters)),
        call("defaultValue and Optional", c -> c.defaulted(null, Optional.empty())),
        call("defaultValue and Optional, given", c -> c.defaulted("price", Optional.of("desc"))),
        call("JSON body", c -> c.create(new Item("tea", 3))),
        call("PUT", c -> c.replace("7", new Item("tea", 4))),
        call("DELETE", c -> c.delete("7")),
        call("PATCH with content type", c -> c.patch("7", Map.of("quantity", 5))),
        call("accept, header and cookies", c -> c.me("t0k3n", "s1", "dark")),
        call("a missing optional cookie", c -> c.me("t0k3n", "s1", null)),
        call("list and map headers", c -> c.headers(List.of("a", "b"), Map.of("X-A", "1", "X-B", "2"))),
        call("form", c -> c.login("jo@example.com", "p&ss w=rd+ü")),
        call("headers attribute and relative url", Catalog::fixed),
        call("literal query", c -> c.literalQuery("x y")),
        call("text body", c -> c.text("héllo")));
  }

  private static Arguments call(String name, Consumer<Catalog> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("calls")
  void sendsWhatSpringsRestClientSends(String name, Consumer<Catalog> call) throws Exception {
    Seen bySpring = send(spring, call);
    Seen byUs = send(ours, call);

    assertThat(byUs.method()).isEqualTo(bySpring.method());
    assertThat(byUs.target()).isEqualTo(bySpring.target());
    assertThat(byUs.body()).isEqualTo(bySpring.body());
    assertThat(mediaType(byUs.contentType())).isEqualTo(mediaType(bySpring.contentType()));
    Map<String, List<String>> springHeaders = new TreeMap<>(bySpring.headers());
    Map<String, List<String>> ourHeaders = new TreeMap<>(byUs.headers());
    if (!name.startsWith("accept")) {
      // Without a declared accept, RestClient lists every type its converters read; we send application/json.
      springHeaders.remove("accept");
      ourHeaders.remove("accept");
    }
    assertThat(ourHeaders).isEqualTo(springHeaders);
  }

  @ParameterizedTest
  @MethodSource("awkwardValues")
  void pathAndQueryValuesAreEncodedAsSpringEncodesThem(String value) throws Exception {
    for (Consumer<Catalog> call : List.<Consumer<Catalog>>of(c -> c.item(value), c -> c.search(value, List.of(value), 1),
        c -> c.login(value, value))) {
      Seen bySpring = send(spring, call);
      Seen byUs = send(ours, call);
      assertThat(byUs.target()).isEqualTo(bySpring.target());
      assertThat(byUs.body()).isEqualTo(bySpring.body());
    }
  }

  @Test
  void multipartPartsMatchSprings() throws Exception {
    Uploads springUploads = springClient(Uploads.class);
    Uploads ourUploads = RpcProxy.builder(Uploads.class).transport(HttpTransport.builder().baseUrl(base).build())
        .build();
    Seen bySpring = send(springUploads, u -> u.upload(new Item("tea", 2), "a note ✓"));
    Seen byUs = send(ourUploads, u -> u.upload(new Item("tea", 2), "a note ✓"));

    assertThat(mediaType(byUs.contentType())).isEqualTo("multipart/form-data");
    assertThat(parts(byUs)).isEqualTo(parts(bySpring));
  }

  @Test
  void jsonMethodsAskForJson() throws Exception {
    Seen byUs = send(ours, c -> c.item("1"));
    assertThat(byUs.headers().get("accept")).containsExactly("application/json");
  }

  @Test
  void idempotentVerbsAreRetriedAndPostIsNot() {
    for (Consumer<Flaky> call : List.<Consumer<Flaky>>of(Flaky::get, Flaky::put, Flaky::delete)) {
      assertThat(attempts(call)).as("attempts of an idempotent call").isEqualTo(3);
    }
    for (Consumer<Flaky> call : List.<Consumer<Flaky>>of(Flaky::post, Flaky::patch)) {
      assertThat(attempts(call)).as("attempts of a non-idempotent call").isEqualTo(1);
    }
  }

  /** Requests one call made to a server that always answers 503, on a client of its own (a fresh breaker). */
  private static int attempts(Consumer<Flaky> call) {
    Flaky flaky = RpcProxy.builder(Flaky.class).transport(HttpTransport.builder().baseUrl(base).build())
        .policy(dev.rpcproxy.Policy.builder()
            .timeout(java.time.Duration.ofSeconds(5))
            .retry(dev.rpcproxy.RetryPolicy.builder().maxAttempts(3)
                .backoff(java.time.Duration.ZERO, java.time.Duration.ZERO).build())
            .build())
        .build();
    flakyRequests.set(0);
    assertThatThrownBy(() -> call.accept(flaky)).isInstanceOf(dev.rpcproxy.RemoteCallException.class);
    return flakyRequests.get();
  }

  @Test
  void declarationErrorsNameTheMethodAndParameter() {
    HttpTransport transport = HttpTransport.builder().baseUrl(base).build();
    assertThatThrownBy(() -> RpcProxy.builder(Mixed.class).transport(transport).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Mixed.class.getName() + ".noAnnotation")
        .hasMessageContaining("parameter 1 (q) has no annotation");
  }

  @Test
  void requiredParamAndEmptyPathVariableAreRefusedNamingThem() {
    HttpTransport transport = HttpTransport.builder().baseUrl(base).build();
    RequiredParam required = RpcProxy.builder(RequiredParam.class).transport(transport).build();
    assertThatThrownBy(() -> required.find(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(RequiredParam.class.getName() + ".find")
        .hasMessageContaining("@RequestParam(\"q\")").hasMessageContaining("required");
    EmptyPath empty = RpcProxy.builder(EmptyPath.class).transport(transport).build();
    assertThatThrownBy(() -> empty.item(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(EmptyPath.class.getName() + ".item")
        .hasMessageContaining("@PathVariable(\"id\")").hasMessageContaining("is empty");
  }

  private static <T> Seen send(T client, Consumer<T> call) throws InterruptedException {
    seen.clear();
    rawBodies.clear();
    call.accept(client);
    Seen request = seen.poll(10, TimeUnit.SECONDS);
    assertThat(request).as("the server saw the request").isNotNull();
    return request;
  }

  private static String mediaType(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase();
  }

  /** Each part's name, content type (without parameters) and body, in order. */
  private static List<String> parts(Seen request) {
    String contentType = request.contentType();
    String boundary = contentType.substring(contentType.indexOf("boundary=") + 9).split(";")[0].replace("\"", "");
    List<String> parts = new ArrayList<>();
    for (String chunk : request.body().split("--" + java.util.regex.Pattern.quote(boundary))) {
      int split = chunk.indexOf("\r\n\r\n");
      if (split < 0) {
        continue;
      }
      String head = chunk.substring(0, split).toLowerCase();
      String body = chunk.substring(split + 4, chunk.length() - 2);
      String name = head.replaceAll("(?s).*name=\"([^\"]*)\".*", "$1");
      String type = head.contains("content-type:")
          ? mediaType(head.replaceAll("(?s).*content-type:\\s*([^\\r\\n]*).*", "$1")) : null;
      parts.add(name + " " + type + " " + body);
    }
    return parts;
  }
}
