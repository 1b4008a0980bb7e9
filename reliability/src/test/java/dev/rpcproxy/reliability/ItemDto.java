package dev.rpcproxy.reliability;

/** The REST services' JSON body. {@code source} is "server" or, when a fallback answered, "fallback". */
public record ItemDto(long id, long seq, String source, String payload) {

  ItemDto markedAsFallback() {
    return new ItemDto(id, seq, "fallback", payload);
  }
}
