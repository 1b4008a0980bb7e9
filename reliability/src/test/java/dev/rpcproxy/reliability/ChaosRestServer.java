package dev.rpcproxy.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** The REST service of the chaos harness: {@code GET /items/{id}}, {@code POST /items}, with injected faults. */
final class ChaosRestServer implements AutoCloseable {
  private static final String JSON = "application/json";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final FaultInjector faults;
  private final AtomicLong seq = new AtomicLong();
  final LoopbackHttpServer http;

  ChaosRestServer(FaultInjector faults) {
    this.faults = faults;
    this.http = new LoopbackHttpServer(this::handle);
  }

  private void handle(LoopbackHttpServer.Exchange ex) throws IOException {
    long id;
    String payload;
    if (ex.method.equals("POST")) {
      ItemDto in = MAPPER.readValue(ex.body, ItemDto.class);
      id = in.id();
      payload = in.payload();
    } else {
      id = Long.parseLong(ex.path.substring(ex.path.lastIndexOf('/') + 1));
      payload = "item-" + id;
    }
    byte[] ok = MAPPER.writeValueAsBytes(new ItemDto(id, seq.incrementAndGet(), "server", payload));
    switch (faults.next()) {
      case NONE -> ex.respond(200, JSON, ok);
      case LATENCY -> {
        if (!ex.awaitClientGone(faults.between(50, 400))) {
          ex.respond(200, JSON, ok);
        }
      }
      case ERROR -> ex.respond(faults.between(0, 2) == 0 ? 503 : 500, "text/plain",
          "injected failure".getBytes(StandardCharsets.UTF_8), Map.of("Retry-After", "0"));
      case RESET -> ex.reset();
      case MALFORMED -> ex.respond(200, JSON, "{\"id\": 1, \"seq\": <html>".getBytes(StandardCharsets.UTF_8));
      case TRUNCATED -> {
        ex.writeRaw(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + (ok.length + 50) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        ex.writeRaw(java.util.Arrays.copyOf(ok, ok.length / 2));
        ex.closeConnection();
      }
      case DRIBBLE -> {
        ex.writeRaw(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + ok.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        int pause = faults.between(2, 25);
        for (int i = 0; i < ok.length; i++) {
          if (ex.awaitClientGone(pause)) {
            return;
          }
          if (i == ok.length - 1) {
            ex.finish();
          }
          ex.writeRaw(new byte[] {ok[i]});
        }
      }
      case HANG -> {
        ex.awaitClientGone(5_000);
        ex.closeConnection();
      }
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
