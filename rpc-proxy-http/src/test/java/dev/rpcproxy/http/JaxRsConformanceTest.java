package dev.rpcproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcProxy;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.glassfish.jersey.server.ContainerFactory;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Conformance with a real JAX-RS server: Jersey serves the very interface the proxy calls (its
 * resource class implements {@link Echo} and inherits every annotation), on loopback, and echoes
 * back what it decoded. Whatever the proxy sends must reach a JAX-RS resource exactly as given.
 */
class JaxRsConformanceTest {
  /** Values that need encoding somewhere: in a path segment, a query component or both. */
  static Stream<String> awkwardValues() {
    return Stream.of(
        "with space", "slash/inside", "100%", "%2F", "%zz", "a+b", "what?", "hash#tag", "a&b", "k=v",
        "semi;colon", "ünïcödé ✓ 日本", "emoji 😀", "tab\there", "quote\"", "back\\slash", "a:b@c",
        "[brackets]", "{braces}", "<angle>", "pipe|caret^grave`", "~-._!$'()*,", "...", "plain");
  }

  /** Header values: any visible ASCII and inner tabs (HTTP allows nothing else without encoding). */
  static Stream<String> awkwardHeaderValues() {
    return Stream.of(
        "with space", "slash/inside", "100%", "a+b", "what?", "hash#tag", "a&b", "k=v", "semi;colon",
        "tab\there", "quote\"", "back\\slash", "a:b@c", "comma, separated", "[brackets]", "plain");
  }

  public record Item(String name, int quantity, List<String> tags) {}

  @Path("/conformance")
  public interface Echo {
    @GET @Path("/path/{value}") @Produces(MediaType.TEXT_PLAIN)
    String path(@PathParam("value") String value);

    @GET @Path("/path/{a}/mixed-{b}.txt") @Produces(MediaType.TEXT_PLAIN)
    String twoInPath(@PathParam("a") String a, @PathParam("b") String b);

    @GET @Path("/query") @Produces(MediaType.TEXT_PLAIN)
    String query(@QueryParam("q") String q);

    @GET @Path("/header") @Produces(MediaType.TEXT_PLAIN)
    String header(@HeaderParam("X-Value") String value);

    @GET @Path("/list") @Produces(MediaType.APPLICATION_JSON)
    List<String> queryList(@QueryParam("v") List<String> values);

    @GET @Path("/headers") @Produces(MediaType.APPLICATION_JSON)
    List<String> headerList(@HeaderParam("X-Multi") List<String> values);

    @GET @Path("/default") @Produces(MediaType.TEXT_PLAIN)
    String defaulted(@QueryParam("d") @DefaultValue("fallback value") String query,
        @HeaderParam("X-D") @DefaultValue("header default") String header);

    @POST @Path("/json") @Consumes(MediaType.APPLICATION_JSON) @Produces(MediaType.APPLICATION_JSON)
    Item json(Item item);

    @POST @Path("/json-list") @Consumes(MediaType.APPLICATION_JSON) @Produces(MediaType.APPLICATION_JSON)
    List<Item> jsonList(List<Item> items);

    @PUT @Path("/json-async/{name}") @Consumes(MediaType.APPLICATION_JSON) @Produces(MediaType.APPLICATION_JSON)
    CompletableFuture<Item> jsonAsync(@PathParam("name") String name, Item item);

    @POST @Path("/bytes") @Consumes(MediaType.APPLICATION_OCTET_STREAM) @Produces(MediaType.APPLICATION_OCTET_STREAM)
    byte[] bytes(byte[] data);

    @POST @Path("/text") @Consumes(MediaType.TEXT_PLAIN) @Produces(MediaType.TEXT_PLAIN)
    String text(String text);

    @DELETE @Path("/items/{name}")
    void delete(@PathParam("name") String name);

    @GET @Path("/status/{code}") @Produces(MediaType.TEXT_PLAIN)
    String status(@PathParam("code") int code);
  }

  /** A client form a JAX-RS resource cannot declare (resources take lists, not arrays). */
  @Path("/extra")
  public interface Arrays {
    @GET @Path("/array") @Produces(MediaType.APPLICATION_JSON)
    List<Long> queryArray(@QueryParam("n") long[] numbers);
  }

  /** Jersey's side: no annotations of its own, every one inherited from {@link Echo}. */
  @Path("/conformance")
  public static final class EchoResource implements Echo {
    final ConcurrentLinkedQueue<String> deleted = new ConcurrentLinkedQueue<>();

    @Override public String path(String value) { return value; }
    @Override public String twoInPath(String a, String b) { return a + "|" + b; }
    @Override public String query(String q) { return q; }
    @Override public String header(String value) { return value; }
    @Override public List<String> queryList(List<String> values) { return values; }

    @Override public List<String> headerList(List<String> values) { return values; }
    @Override public String defaulted(String query, String header) { return query + "|" + header; }
    @Override public Item json(Item item) { return new Item(item.name() + "!", item.quantity() + 1, item.tags()); }
    @Override public List<Item> jsonList(List<Item> items) { return items; }

    @Override
    public CompletableFuture<Item> jsonAsync(String name, Item item) {
      return CompletableFuture.completedFuture(new Item(name, item.quantity(), item.tags()));
    }

    @Override public byte[] bytes(byte[] data) { return data; }
    @Override public String text(String text) { return "got " + text; }
    @Override public void delete(String name) { deleted.add(name); }

    @Override
    public String status(int code) {
      throw new WebApplicationException(Response.status(code).entity("status " + code).type(MediaType.TEXT_PLAIN).build());
    }
  }

  /** The server's spelling of {@link Arrays}. */
  @Path("/extra")
  public static final class ArrayResource {
    @GET @Path("/array") @Produces(MediaType.APPLICATION_JSON)
    public List<Long> queryArray(@QueryParam("n") List<Long> numbers) {
      return numbers;
    }
  }

  private static HttpServer server;
  private static EchoResource resource;
  private static Echo echo;
  private static Arrays arrays;

  @BeforeAll
  static void startJersey() throws Exception {
    resource = new EchoResource();
    ResourceConfig config = new ResourceConfig().register(resource)
        .register(ArrayResource.class);
    // Jersey's JDK-HttpServer container, on a server bound to loopback only.
    HttpHandler jersey = ContainerFactory.createContainer(HttpHandler.class, config);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", jersey);
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    echo = RpcProxy.builder(Echo.class)
        .transport(HttpTransport.builder().baseUrl(base).build())
        .build();
    arrays = RpcProxy.builder(Arrays.class)
        .transport(HttpTransport.builder().baseUrl(base).build())
        .build();
  }

  @AfterAll
  static void stopJersey() {
    server.stop(0);
  }

  @ParameterizedTest
  @MethodSource("awkwardValues")
  void pathValuesArriveExactly(String value) {
    assertThat(echo.path(value)).isEqualTo(value);
  }

  @ParameterizedTest
  @MethodSource("awkwardValues")
  void pathValuesInsideLiteralTextArriveExactly(String value) {
    assertThat(echo.twoInPath(value, value)).isEqualTo(value + "|" + value);
  }

  @ParameterizedTest
  @MethodSource("awkwardValues")
  void queryValuesArriveExactly(String value) {
    assertThat(echo.query(value)).isEqualTo(value);
  }

  @Test
  void emptyQueryValueArrivesEmpty() {
    assertThat(echo.query("")).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("awkwardHeaderValues")
  void headerValuesArriveExactly(String value) {
    // A tab inside a header value is legal HTTP and OkHttp sends it; the server side here (the JDK's
    // HttpServer under Jersey) hands it to the resource as a space.
    assertThat(echo.header(value)).isEqualTo(value.replace('\t', ' '));
  }

  @Test
  void headerValuesHttpCannotCarryAreRejectedBeforeSending() {
    assertThatThrownBy(() -> echo.header("ünïcödé")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> echo.header("line\nbreak")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void listsAndArraysBecomeRepeatedParameters() {
    List<String> values = awkwardValues().toList();
    assertThat(echo.queryList(values)).isEqualTo(values);
    assertThat(echo.queryList(List.of())).isEmpty();
    List<String> withNull = new ArrayList<>(List.of("a", "b"));
    withNull.add(1, null);
    assertThat(echo.queryList(withNull)).containsExactly("a", "b");
    assertThat(arrays.queryArray(new long[] {3, -1, 42})).containsExactly(3L, -1L, 42L);
    assertThat(echo.headerList(List.of("one", "two; three", "four"))).containsExactly("one", "two; three", "four");
  }

  @Test
  void defaultValuesAreSentForNullArguments() {
    assertThat(echo.defaulted(null, null)).isEqualTo("fallback value|header default");
    assertThat(echo.defaulted("given", "also given")).isEqualTo("given|also given");
  }

  @Test
  void jsonBodiesRoundTrip() throws Exception {
    Item item = new Item("ünïcödé \"quoted\" / name", 41, List.of("a", "b;c"));
    assertThat(echo.json(item)).isEqualTo(new Item(item.name() + "!", 42, item.tags()));
    List<Item> items = List.of(item, new Item("second", 0, List.of()));
    assertThat(echo.jsonList(items)).isEqualTo(items);
    assertThat(echo.jsonAsync("semi;colon / ünï", item).get(10, TimeUnit.SECONDS))
        .isEqualTo(new Item("semi;colon / ünï", 41, item.tags()));
  }

  @Test
  void bytesAndTextBodiesRoundTrip() {
    byte[] data = new byte[256];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    assertThat(echo.bytes(data)).isEqualTo(data);
    assertThat(echo.bytes(new byte[0])).isEmpty();
    assertThat(echo.text("ünïcödé ✓ 日本\ttab\nline")).isEqualTo("got ünïcödé ✓ 日本\ttab\nline");
  }

  @Test
  void voidMethodsComplete() {
    echo.delete("semi;colon item");
    assertThat(resource.deleted).containsExactly("semi;colon item");
  }

  @Test
  void errorStatusesBecomeRemoteCallExceptions() {
    // A client of its own, so the service errors below never meet the other tests' breaker.
    Echo failing = RpcProxy.builder(Echo.class).name("failing")
        .transport(HttpTransport.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort()).build())
        .build();
    for (Map.Entry<Integer, Boolean> status : Map.of(400, true, 404, true, 409, true, 500, false, 503, false).entrySet()) {
      assertThatThrownBy(() -> failing.status(status.getKey()))
          .isInstanceOfSatisfying(RemoteCallException.class, e -> {
            assertThat(e.status()).isEqualTo(String.valueOf(status.getKey()));
            assertThat(e.isClientError()).isEqualTo(status.getValue());
          });
    }
    assertThat(failing.status(200)).isEqualTo("status 200");
  }
}
