package dev.rpcproxy.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTransportException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a newcomer reads when a call fails, and what the transport sends without being told. */
class ErrorMessagesTest {
  private static final String SECRET = "s3cr3t-in-body";

  record Count(int count, String label) {}

  interface Service {
    @GET @Path("/count")
    Count count();

    @GET @Path("/items/{id}")
    String item(@PathParam("id") String id);

    @GET @Path("/text") @Produces("text/plain")
    String text();
  }

  static WireMockServer wm;

  @BeforeAll
  static void start() {
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    wm.start();
  }

  @AfterAll
  static void stop() {
    wm.stop();
  }

  @BeforeEach
  void reset() {
    wm.resetAll();
  }

  private static Service client(HttpTransport.Builder transport) {
    return RpcProxy.builder(Service.class).transport(transport.baseUrl(wm.baseUrl()).build())
        .policy(Policy.builder().build()).build();
  }

  @Test
  void jsonThatDoesNotBindSaysSoWithJacksonsReasonAndNoBody() {
    wm.stubFor(get("/count").willReturn(okJson("{\"label\": \"" + SECRET + "\"}")));
    Service api = client(HttpTransport.builder()
        .objectMapper(new ObjectMapper().enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)));

    assertThatThrownBy(api::count)
        .isInstanceOf(RpcTransportException.class)
        .hasMessageContaining("returned JSON that does not bind to Count")
        .hasMessageContaining("'count'")
        .hasMessageNotContaining("not valid JSON")
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void aValueOfTheWrongTypeIsNamedByItsPathNotQuoted() {
    wm.stubFor(get("/count").willReturn(okJson("{\"count\": \"" + SECRET + "\"}")));

    assertThatThrownBy(client(HttpTransport.builder())::count)
        .isInstanceOf(RpcTransportException.class)
        .hasMessageContaining("does not bind to Count")
        .hasMessageContaining("[\"count\"]")
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void malformedJsonIsStillNotValidJson() {
    wm.stubFor(get("/count").willReturn(okJson("{\"count\": 1, " + SECRET)));

    assertThatThrownBy(client(HttpTransport.builder())::count)
        .isInstanceOf(RpcTransportException.class)
        .hasMessageContaining("not valid JSON for Count")
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void emptyPathValueIsRefusedNamingTheParameterAndMethod() {
    assertThatThrownBy(() -> client(HttpTransport.builder()).item(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Service.class.getName() + ".item")
        .hasMessageContaining("@PathParam(\"id\")")
        .hasMessageContaining("parameter 1 (id)")
        .hasMessageContaining("is empty");
    assertThat(wm.getAllServeEvents()).as("nothing was sent").isEmpty();
  }

  @Test
  void jsonMethodsWithoutProducesAcceptJson() {
    wm.stubFor(get("/count").willReturn(okJson("{\"count\": 1}")));
    wm.stubFor(get("/text").willReturn(aResponse().withBody("t")));

    Service api = client(HttpTransport.builder());
    api.count();
    api.text();

    wm.verify(getRequestedFor(urlEqualTo("/count")).withHeader("Accept",
        com.github.tomakehurst.wiremock.client.WireMock.equalTo("application/json")));
    wm.verify(getRequestedFor(urlEqualTo("/text")).withHeader("Accept",
        com.github.tomakehurst.wiremock.client.WireMock.equalTo("text/plain")));
  }

  @Test
  void errorBodiesStayOutOfExceptionsByDefault() {
    wm.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(500).withBody("{\"error\": \"" + SECRET + "\"}")));

    assertThatThrownBy(client(HttpTransport.builder())::count)
        .isInstanceOfSatisfying(RemoteCallException.class, e -> {
          assertThat(e.status()).isEqualTo("500");
          assertThat(e.detail()).isEmpty();
          assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain("error");
        });
  }

  @Test
  void errorBodiesGoIntoExceptionsWhenAskedUpToTheLimit() {
    wm.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(500).withBody("{\"error\": \"" + SECRET + "\"}")));

    assertThatThrownBy(client(HttpTransport.builder().includeResponseBodyInErrors(12))::count)
        .isInstanceOfSatisfying(RemoteCallException.class, e -> {
          assertThat(e.detail()).contains("{\"error\": \"s");
          assertThat(e.getMessage()).contains("{\"error\": \"s").doesNotContain(SECRET);
        });
    assertThatThrownBy(() -> HttpTransport.builder().includeResponseBodyInErrors(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
