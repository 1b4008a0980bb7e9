package dev.rpcproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.RpcProxy;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.MatrixParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.EntityPart;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.glassfish.jersey.media.multipart.MultiPartFeature;
import org.glassfish.jersey.server.ContainerFactory;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each JAX-RS parameter kind that generated clients use (form fields, cookies, matrix parameters,
 * bean parameters, JAX-RS 3.1 multipart) against Jersey serving the same interface: whatever the
 * proxy sends must reach the resource as given.
 */
class JaxRsParameterKindsTest {
  static Stream<String> awkwardValues() {
    return Stream.of("with space", "a+b", "a&b=c", "100%", "semi;colon", "slash/inside", "ünïcödé ✓", "emoji 😀",
        "quote\"", "plain");
  }

  /** Fields, a setter and a path variable: bound as if each were a parameter. */
  public static class Filter {
    @PathParam("id") String id;
    @QueryParam("q") String q;
    @HeaderParam("X-Trace") String trace;
    private int page;

    public Filter() {}

    Filter(String id, String q, String trace, int page) {
      this.id = id;
      this.q = q;
      this.trace = trace;
      this.page = page;
    }

    public int getPage() {
      return page;
    }

    @QueryParam("page")
    public void setPage(int page) {
      this.page = page;
    }
  }

  @Path("/kinds")
  public interface Kinds {
    @POST @Path("/form") @Consumes(MediaType.APPLICATION_FORM_URLENCODED) @Produces(MediaType.TEXT_PLAIN)
    String form(@FormParam("a") String a, @FormParam("n") List<Integer> n, @HeaderParam("X-H") String header);

    @GET @Path("/cookie") @Produces(MediaType.TEXT_PLAIN)
    String cookie(@CookieParam("session") String session, @CookieParam("theme") String theme);

    @GET @Path("/matrix") @Produces(MediaType.TEXT_PLAIN)
    String matrix(@MatrixParam("color") String color, @MatrixParam("size") Integer size);

    @GET @Path("/bean/{id}") @Produces(MediaType.TEXT_PLAIN)
    String bean(@BeanParam Filter filter);

    @POST @Path("/multipart") @Consumes(MediaType.MULTIPART_FORM_DATA) @Produces(MediaType.TEXT_PLAIN)
    String multipart(@FormParam("title") String title, @FormParam("file") EntityPart file);

    @POST @Path("/parts") @Consumes(MediaType.MULTIPART_FORM_DATA) @Produces(MediaType.TEXT_PLAIN)
    String parts(List<EntityPart> parts);

    @jakarta.ws.rs.PUT @Path("/unavailable") @Consumes(MediaType.MULTIPART_FORM_DATA)
    void putUnavailable(@FormParam("file") EntityPart file);
  }

  /** Jersey's side: every annotation inherited from {@link Kinds}. */
  @Path("/kinds")
  public static final class KindsResource implements Kinds {
    @Override public String form(String a, List<Integer> n, String header) { return a + "|" + n + "|" + header; }
    @Override public String cookie(String session, String theme) { return session + "|" + theme; }
    @Override public String matrix(String color, Integer size) { return color + "|" + size; }

    @Override
    public String bean(Filter filter) {
      return filter.id + "|" + filter.q + "|" + filter.trace + "|" + filter.getPage();
    }

    @Override
    public String multipart(String title, EntityPart file) {
      return title + "|" + describe(file);
    }

    @Override
    public String parts(List<EntityPart> parts) {
      return parts.stream().map(KindsResource::describe).collect(Collectors.joining(","));
    }

    @Override
    public void putUnavailable(EntityPart file) {
      unavailableCalls.incrementAndGet();
      throw new jakarta.ws.rs.WebApplicationException(503);
    }

    private static String describe(EntityPart part) {
      try {
        return part.getName() + ":" + part.getFileName().orElse("-") + ":" + part.getMediaType() + ":"
            + new String(part.getContent().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static final java.util.concurrent.atomic.AtomicInteger unavailableCalls =
      new java.util.concurrent.atomic.AtomicInteger();
  private static HttpServer server;
  private static Kinds kinds;

  @BeforeAll
  static void startJersey() throws Exception {
    ResourceConfig config = new ResourceConfig().register(new KindsResource()).register(MultiPartFeature.class);
    HttpHandler jersey = ContainerFactory.createContainer(HttpHandler.class, config);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", jersey);
    server.start();
    kinds = RpcProxy.builder(Kinds.class)
        .transport(HttpTransport.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort()).build())
        .policy(dev.rpcproxy.Policy.builder()
            .retry(dev.rpcproxy.RetryPolicy.builder().maxAttempts(3)
                .backoff(java.time.Duration.ZERO, java.time.Duration.ZERO).build())
            .build())
        .build();
  }

  @AfterAll
  static void stopJersey() {
    server.stop(0);
  }

  @ParameterizedTest
  @MethodSource("awkwardValues")
  void formFieldsArriveExactly(String value) {
    assertThat(kinds.form(value, List.of(1, 2), "h")).isEqualTo(value + "|[1, 2]|h");
  }

  @Test
  void nullFormFieldIsLeftOut() {
    assertThat(kinds.form(null, List.of(), null)).isEqualTo("null|[]|null");
  }

  @Test
  void cookiesArrive() {
    assertThat(kinds.cookie("abc123", "dark")).isEqualTo("abc123|dark");
    assertThat(kinds.cookie("abc123", null)).isEqualTo("abc123|null");
  }

  @Test
  void cookieValueThatWouldAddACookieIsRefusedWithoutQuotingIt() {
    assertThatThrownBy(() -> kinds.cookie("x; admin=true", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Kinds.class.getName() + ".cookie")
        .hasMessageContaining("@CookieParam(\"session\")")
        .hasMessageNotContaining("admin");
  }

  @ParameterizedTest
  @MethodSource("awkwardValues")
  void matrixParametersArriveExactly(String value) {
    assertThat(kinds.matrix(value, 3)).isEqualTo(value + "|3");
  }

  @Test
  void beanParamFieldsAndSettersAreBound() {
    assertThat(kinds.bean(new Filter("a/b c", "x&y", "t-1", 7))).isEqualTo("a/b c|x&y|t-1|7");
  }

  private static java.io.InputStream stream(String text) {
    return new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void entityPartsArriveWithNameFileNameAndType() throws Exception {
    EntityPart file = EntityPart.withName("ignored").fileName("notes.txt")
        .content(stream("hello ✓")).mediaType(MediaType.TEXT_PLAIN_TYPE).build();
    assertThat(kinds.multipart("Title", file)).isEqualTo("Title|file:notes.txt:text/plain:hello ✓");

    List<EntityPart> parts = List.of(
        EntityPart.withName("one").content(stream("1"))
            .mediaType(MediaType.TEXT_PLAIN_TYPE).build(),
        EntityPart.withFileName("two.json").content(stream("{\"n\":2}"))
            .mediaType(MediaType.APPLICATION_JSON_TYPE).build());
    assertThat(kinds.parts(parts)).isEqualTo("one:-:text/plain:1,two.json:two.json:application/json:{\"n\":2}");
  }

  @Test
  void aPutWithAStreamedPartIsNotRetriedForItsStreamIsSpent() throws IOException {
    EntityPart file = EntityPart.withName("file").content(stream("once")).mediaType(MediaType.TEXT_PLAIN_TYPE).build();

    assertThatThrownBy(() -> kinds.putUnavailable(file)).isInstanceOf(dev.rpcproxy.RemoteCallException.class);
    assertThat(unavailableCalls.get()).as("attempts").isEqualTo(1);
  }
}
