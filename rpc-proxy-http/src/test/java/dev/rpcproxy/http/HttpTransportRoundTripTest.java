package dev.rpcproxy.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.rpcproxy.RpcProxy;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every annotation, parameter kind and return type, through the public front door. */
class HttpTransportRoundTripTest {
  record Restaurant(long id, String name) {}

  @Path("/api")
  @Produces("application/json")
  interface Service {
    @GET @Path("/restaurants/{id}")
    Restaurant restaurant(@PathParam("id") long id, @QueryParam("lang") String lang,
        @HeaderParam("X-Trace") String trace);

    @GET @Path("restaurants")
    List<Restaurant> restaurants(@QueryParam("tag") List<String> tags, @QueryParam("limit") Integer limit,
        @QueryParam("sort") @DefaultValue("name") String sort, @QueryParam("ids") long[] ids);

    @POST @Path("/restaurants")
    Restaurant create(Restaurant body);

    @PUT @Path("/restaurants/{id}")
    Restaurant replace(@PathParam("id") long id, Restaurant body);

    @DELETE @Path("/restaurants/{id}")
    void delete(@PathParam("id") long id);

    @PATCH @Path("/restaurants/{id}")
    Restaurant patch(@PathParam("id") long id, Map<String, Object> changes);

    @HEAD @Path("/restaurants/{id}")
    void exists(@PathParam("id") long id);

    @OPTIONS @Path("/restaurants")
    Void options();

    @GET @Path("/files/{dir}/{name}.txt") @Produces("text/plain")
    String file(@PathParam("dir") String dir, @PathParam("name") String name, @QueryParam("q") String q);

    @GET @Path("/blob")
    byte[] blob();

    @POST @Path("/notes") @Consumes("text/plain; charset=utf-8")
    String note(String text);

    @POST @Path("/raw") @Consumes("application/octet-stream")
    void upload(byte[] data);

    @POST @Path("/empty")
    Restaurant emptyPost();

    @GET @Path("/restaurants/{id}")
    CompletableFuture<Restaurant> restaurantAsync(@PathParam("id") long id);

    @GET @Path("/restaurants")
    CompletableFuture<List<Restaurant>> restaurantsAsync();

    @DELETE @Path("/restaurants/{id}")
    CompletableFuture<Void> deleteAsync(@PathParam("id") long id);

    @GET @Path("/blob")
    CompletableFuture<byte[]> blobAsync();

    @GET @Path("/nothing")
    Restaurant nothing();
  }

  static WireMockServer wm;
  static Service api;

  @BeforeAll
  static void start() {
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    wm.start();
    api = RpcProxy.builder(Service.class)
        .transport(HttpTransport.builder()
            .baseUrl(wm.baseUrl())
            .header("X-Client", "round-trip")
            .header("User-Agent", "rpc-proxy-test")
            .build())
        .build();
  }

  @AfterAll
  static void stop() {
    RpcProxy.close(api);
    wm.stop();
  }

  @BeforeEach
  void reset() {
    wm.resetAll();
  }

  @Test
  void getWithPathQueryAndHeaderParamsAndDefaultHeaders() {
    wm.stubFor(any(anyUrl()).willReturn(okJson("{\"id\":7,\"name\":\"Nonna\",\"unknown\":true}")));

    Restaurant r = api.restaurant(7, "it", "trace-1");

    assertThat(r).isEqualTo(new Restaurant(7, "Nonna"));
    LoggedRequest request = onlyRequest();
    assertThat(request.getMethod().getName()).isEqualTo("GET");
    assertThat(request.getUrl()).isEqualTo("/api/restaurants/7?lang=it");
    assertThat(request.getHeader("X-Trace")).isEqualTo("trace-1");
    assertThat(request.getHeader("X-Client")).isEqualTo("round-trip");
    assertThat(request.getHeader("User-Agent")).isEqualTo("rpc-proxy-test");
    assertThat(request.getHeader("Accept")).isEqualTo("application/json");
  }

  @Test
  void nullQueryParamsAreOmittedAndCollectionsRepeat() {
    wm.stubFor(any(anyUrl()).willReturn(okJson("[{\"id\":1,\"name\":\"A\"},{\"id\":2,\"name\":\"B\"}]")));

    List<Restaurant> list = api.restaurants(List.of("veg", "cheap"), null, null, new long[] {3, 4});

    assertThat(list).containsExactly(new Restaurant(1, "A"), new Restaurant(2, "B"));
    assertThat(onlyRequest().getUrl()).isEqualTo("/api/restaurants?tag=veg&tag=cheap&sort=name&ids=3&ids=4");
  }

  @Test
  void pathAndQueryValuesAreEncoded() {
    wm.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("contents")));

    String text = api.file("a b/c", "résumé ✓", "x&y=z /ü");

    assertThat(text).isEqualTo("contents");
    LoggedRequest request = onlyRequest();
    assertThat(request.getUrl()).isEqualTo(
        "/api/files/a%20b%2Fc/r%C3%A9sum%C3%A9%20%E2%9C%93.txt?q=x%26y%3Dz%20%2F%C3%BC");
    assertThat(request.getHeader("Accept")).isEqualTo("text/plain");
  }

  @Test
  void postPutPatchSendJsonBodies() {
    wm.stubFor(any(anyUrl()).willReturn(okJson("{\"id\":9,\"name\":\"Saved\"}")));

    assertThat(api.create(new Restaurant(0, "New"))).isEqualTo(new Restaurant(9, "Saved"));
    assertThat(api.replace(9, new Restaurant(9, "Re"))).isEqualTo(new Restaurant(9, "Saved"));
    assertThat(api.patch(9, Map.of("name", "Pa"))).isEqualTo(new Restaurant(9, "Saved"));

    List<LoggedRequest> requests = requestsInOrder();
    assertThat(requests).extracting(r -> r.getMethod().getName()).containsExactly("POST", "PUT", "PATCH");
    assertThat(requests).extracting(LoggedRequest::getUrl)
        .containsExactly("/api/restaurants", "/api/restaurants/9", "/api/restaurants/9");
    assertThat(requests.get(0).getBodyAsString()).isEqualTo("{\"id\":0,\"name\":\"New\"}");
    assertThat(requests.get(1).getBodyAsString()).isEqualTo("{\"id\":9,\"name\":\"Re\"}");
    assertThat(requests.get(2).getBodyAsString()).isEqualTo("{\"name\":\"Pa\"}");
    assertThat(requests).allSatisfy(r ->
        assertThat(r.getHeader("Content-Type")).isEqualToIgnoringCase("application/json; charset=utf-8"));
  }

  @Test
  void deleteHeadAndOptionsReturnNothing() {
    wm.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(204)));

    api.delete(3);
    api.exists(3);
    assertThat(api.options()).isNull();

    assertThat(requestsInOrder()).extracting(r -> r.getMethod().getName() + " " + r.getUrl())
        .containsExactly("DELETE /api/restaurants/3", "HEAD /api/restaurants/3", "OPTIONS /api/restaurants");
  }

  @Test
  void consumesSetsContentTypeOfRawBodies() {
    wm.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/plain; charset=utf-8").withBody("noted ✓")));

    assertThat(api.note("hello ✓")).isEqualTo("noted ✓");
    api.upload(new byte[] {1, 2, 3});

    List<LoggedRequest> requests = requestsInOrder();
    assertThat(requests.get(0).getHeader("Content-Type")).isEqualToIgnoringCase("text/plain; charset=utf-8");
    assertThat(requests.get(0).getBodyAsString()).isEqualTo("hello ✓");
    assertThat(requests.get(1).getHeader("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(requests.get(1).getBody()).containsExactly(1, 2, 3);
  }

  @Test
  void bytesComeBackRaw() {
    byte[] bytes = "\u0000\u00ff binary".getBytes(StandardCharsets.ISO_8859_1);
    wm.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody(bytes)));

    assertThat(api.blob()).containsExactly(bytes);
  }

  @Test
  void postWithoutBodyParameterSendsAnEmptyBody() {
    wm.stubFor(any(anyUrl()).willReturn(okJson("{\"id\":1,\"name\":\"x\"}")));

    assertThat(api.emptyPost()).isEqualTo(new Restaurant(1, "x"));
    assertThat(onlyRequest().getBody()).isEmpty();
  }

  @Test
  void emptyOrNoContentBodyIsNull() {
    wm.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(204)));

    assertThat(api.nothing()).isNull();
  }

  @Test
  void asyncVariantsRoundTrip() throws Exception {
    wm.stubFor(any(anyUrl()).willReturn(okJson("{\"id\":5,\"name\":\"Async\"}")));
    assertThat(api.restaurantAsync(5).get(5, TimeUnit.SECONDS)).isEqualTo(new Restaurant(5, "Async"));

    wm.resetAll();
    wm.stubFor(any(anyUrl()).willReturn(okJson("[{\"id\":1,\"name\":\"A\"}]")));
    assertThat(api.restaurantsAsync().get(5, TimeUnit.SECONDS)).containsExactly(new Restaurant(1, "A"));

    wm.resetAll();
    wm.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody(new byte[] {4, 2})));
    assertThat(api.blobAsync().get(5, TimeUnit.SECONDS)).containsExactly(4, 2);
    assertThat(api.deleteAsync(5).get(5, TimeUnit.SECONDS)).isNull();
  }

  private static LoggedRequest onlyRequest() {
    List<LoggedRequest> requests = requestsInOrder();
    assertThat(requests).hasSize(1);
    return requests.get(0);
  }

  private static List<LoggedRequest> requestsInOrder() {
    List<LoggedRequest> requests = new java.util.ArrayList<>(wm.findAll(com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(anyUrl())));
    requests.sort(java.util.Comparator.comparing(LoggedRequest::getLoggedDate));
    return requests;
  }
}
