package dev.rpcproxy.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal Chrome DevTools Protocol client over the JDK's WebSocket: sends a command, waits for
 * the answer with the same id. Enough to navigate, evaluate and take a screenshot.
 */
final class DevTools implements AutoCloseable {
  private final ObjectMapper json = new ObjectMapper();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final WebSocket socket;

  private DevTools(WebSocket socket) {
    this.socket = socket;
  }

  /** Connects to a target's {@code webSocketDebuggerUrl}. */
  static DevTools connect(String webSocketUrl) throws Exception {
    DevTools[] self = new DevTools[1];
    StringBuilder partial = new StringBuilder();
    WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create(webSocketUrl), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
              String message = partial.toString();
              partial.setLength(0);
              self[0].received(message);
            }
            ws.request(1);
            return null;
          }
        })
        .get(10, TimeUnit.SECONDS);
    self[0] = new DevTools(socket);
    return self[0];
  }

  private void received(String message) {
    try {
      JsonNode node = json.readTree(message);
      if (node.has("id")) {
        CompletableFuture<JsonNode> answer = pending.remove(node.get("id").asInt());
        if (answer != null) {
          answer.complete(node);
        }
      }
    } catch (Exception e) {
      pending.values().forEach(f -> f.completeExceptionally(e));
    }
  }

  /**
   * Sends {@code method} with {@code params} and returns the answer's {@code result}.
   *
   * @throws IllegalStateException if the browser answers with an error
   */
  JsonNode call(String method, Map<String, ?> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    ObjectNode command = json.createObjectNode();
    command.put("id", id);
    command.put("method", method);
    command.set("params", json.valueToTree(params));
    socket.sendText(json.writeValueAsString(command), true).get(10, TimeUnit.SECONDS);
    JsonNode node = answer.get(60, TimeUnit.SECONDS);
    if (node.has("error")) {
      throw new IllegalStateException(method + " failed: " + node.get("error"));
    }
    return node.get("result");
  }

  @Override
  public void close() {
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
  }
}
