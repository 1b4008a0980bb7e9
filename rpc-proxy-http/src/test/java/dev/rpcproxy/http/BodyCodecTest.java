package dev.rpcproxy.http;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTransportException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The JSON codec SPI: Jackson 3, a codec of one's own, and what happens without one. */
class BodyCodecTest {
  record Item(String id, int quantity) {}

  interface Service {
    @POST @Path("/items")
    List<Item> add(Item item);
  }

  private static final WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());

  @BeforeAll
  static void start() {
    server.start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @BeforeEach
  void reset() {
    server.resetAll();
  }

  private Service client(HttpTransport.Builder transport) {
    return RpcProxy.builder(Service.class).transport(transport.baseUrl(server.baseUrl()).build()).build();
  }

  @Test
  void jackson3MapperReadsAndWritesBodies() {
    server.stubFor(post(urlEqualTo("/items")).withRequestBody(equalToJson("{\"id\":\"a\",\"quantity\":2}"))
        .willReturn(okJson("[{\"id\":\"a\",\"quantity\":2,\"unknown\":true}]")));

    Service service = client(HttpTransport.builder().jsonMapper(JsonMapper.builder()
        .disable(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build()));

    assertThat(service.add(new Item("a", 2))).containsExactly(new Item("a", 2));
  }

  @Test
  void jackson3DefaultsIgnoreUnknownProperties() {
    server.stubFor(post(urlEqualTo("/items")).willReturn(okJson("[{\"id\":\"b\",\"quantity\":1,\"extra\":[1]}]")));

    Service service = client(HttpTransport.builder().codec(Jackson3CodecFactory.create()));

    assertThat(service.add(new Item("b", 1))).containsExactly(new Item("b", 1));
  }

  @Test
  void jackson3DecodingFailureIsATransportFailureKeepingTheCause() {
    // Opens as the List it should be, so that Jackson meets the syntax error, not a token of the wrong type.
    server.stubFor(post(urlEqualTo("/items")).willReturn(okJson("[{not json")));

    Service service = client(HttpTransport.builder().codec(Jackson3CodecFactory.create()));

    assertThatThrownBy(() -> service.add(new Item("c", 1)))
        .isInstanceOf(RpcTransportException.class)
        .hasMessageContaining("not valid JSON for List")
        .hasMessageNotContaining("{not json")
        .hasRootCauseInstanceOf(tools.jackson.core.JacksonException.class);
  }

  @Test
  void aCodecOfOnesOwnIsUsedForEveryJsonType() {
    server.stubFor(post(urlEqualTo("/items")).withRequestBody(equalToJson("\"item:d\""))
        .willReturn(okJson("[]")));
    BodyCodec.Factory own = new BodyCodec.Factory() {
      @Override
      public BodyCodec create(Type type) {
        return new BodyCodec() {
          @Override
          public byte[] encode(Object value) {
            return ("\"item:" + ((Item) value).id() + "\"").getBytes(StandardCharsets.UTF_8);
          }

          @Override
          public Object decode(byte[] body) {
            return List.of(new Item("from-codec", 0));
          }
        };
      }
    };

    Service service = client(HttpTransport.builder().codec(own));

    assertThat(service.add(new Item("d", 1))).containsExactly(new Item("from-codec", 0));
  }

  @Test
  void aFactoryThatDeclinesTheTypeFailsBuildNamingTheMethod() {
    HttpTransport transport = HttpTransport.builder().baseUrl(server.baseUrl()).codec(type -> null).build();

    assertThatThrownBy(() -> RpcProxy.builder(Service.class).transport(transport).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Service.class.getName() + ".add")
        .hasMessageContaining("needs a JSON codec");
  }
}
