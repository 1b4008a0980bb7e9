package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.http.HttpTransport;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The REST transport's JSON decoding has no default typing: a body naming a class
 * ({@code ["java.lang.ProcessBuilder", ...]} or {@code "@class"}) is decoded into the declared type
 * only, and the named class is never instantiated.
 */
class NoDefaultTypingTest {
  private static volatile String body;
  private static LoopbackHttpServer server;

  /** A "gadget": counts its instantiations. */
  public static final class Gadget {
    static final AtomicInteger CREATED = new AtomicInteger();
    public String command;

    public Gadget() {
      CREATED.incrementAndGet();
    }
  }

  public record Envelope(Object data) {}

  interface Api {
    @GET
    @Path("/any")
    Object any();

    @GET
    @Path("/item")
    ItemDto item();

    @GET
    @Path("/envelope")
    Envelope envelope();

    @GET
    @Path("/map")
    Map<String, Object> map();
  }

  private static Api api;

  @BeforeAll
  static void start() {
    server = new LoopbackHttpServer(ex -> ex.respond(200, "application/json", body.getBytes(StandardCharsets.UTF_8)));
    api = RpcProxy.builder(Api.class).transport(HttpTransport.builder().baseUrl(server.baseUrl()).build()).build();
  }

  @AfterAll
  static void stop() {
    RpcProxy.close(api);
    server.close();
  }

  @BeforeEach
  void reset() {
    Gadget.CREATED.set(0);
  }

  private static final String GADGET = Gadget.class.getName();

  @Test
  void wrapperArrayNamingAClassIsJustAList() {
    body = "[\"java.lang.ProcessBuilder\", {\"command\": [\"touch\", \"/tmp/rpc-proxy-pwned\"]}]";
    assertThat(api.any()).isInstanceOf(List.class);

    body = "[\"" + GADGET + "\", {\"command\": \"calc\"}]";
    Object decoded = api.any();
    assertThat(decoded).isInstanceOf(List.class);
    assertThat(Gadget.CREATED).hasValue(0);
  }

  @Test
  void atClassPropertyIsJustAMapEntry() {
    body = "{\"@class\": \"" + GADGET + "\", \"command\": \"calc\"}";
    assertThat(api.any()).isInstanceOf(Map.class);
    assertThat(api.map()).containsEntry("@class", GADGET);
    assertThat(Gadget.CREATED).hasValue(0);
  }

  @Test
  void untypedFieldOfADeclaredTypeStaysPlainData() {
    body = "{\"data\": [\"" + GADGET + "\", {\"command\": \"calc\"}]}";
    assertThat(api.envelope().data()).isInstanceOf(List.class);
    body = "{\"data\": {\"@class\": \"" + GADGET + "\", \"command\": \"calc\"}}";
    assertThat(api.envelope().data()).isInstanceOf(Map.class);
    assertThat(Gadget.CREATED).hasValue(0);
  }

  @Test
  void polymorphicPayloadWhereAStringIsDeclaredIsADecodeFailure() {
    body = "{\"id\": 1, \"seq\": 1, \"source\": [\"java.lang.ProcessBuilder\", {\"command\": [\"calc\"]}], \"payload\": \"x\"}";

    Throwable thrown = catchThrowable(api::item);

    assertThat(thrown).isInstanceOf(RpcTransportException.class).hasMessageContaining("does not bind to ItemDto");
  }

  @Test
  void atClassOnADeclaredTypeIsIgnored() {
    body = "{\"@class\": \"" + GADGET + "\", \"id\": 5, \"seq\": 1, \"source\": \"s\", \"payload\": \"p\"}";

    assertThat(api.item()).isEqualTo(new ItemDto(5, 1, "s", "p"));
    assertThat(Gadget.CREATED).hasValue(0);
  }
}
