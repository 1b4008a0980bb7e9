/**
 * rpc-proxy's REST transport: JAX-RS-annotated interfaces over OkHttp 5, JSON with Jackson 2 or 3.
 * Exports {@code dev.rpcproxy.http} only; its {@code internal} package stays inside. OkHttp 4 (no
 * module descriptor, another okio) is supported on the class path only.
 *
 * <p>Jackson binds your request and response types by reflection: open their package to it, e.g.
 * {@code opens com.example.orders.model to com.fasterxml.jackson.databind;} (Jackson 3:
 * {@code to tools.jackson.databind}).
 */
module dev.rpcproxy.http {
  exports dev.rpcproxy.http;

  requires transitive dev.rpcproxy;
  requires transitive okhttp3; // HttpTransport.Builder.client(OkHttpClient)
  requires okio;
  requires transitive jakarta.ws.rs; // the annotations a user's interface carries
  requires transitive com.fasterxml.jackson.databind; // Builder.objectMapper, Jackson2CodecFactory
  requires static spring.web; // optional: Spring HTTP interfaces (@HttpExchange), read for their annotations only
  requires static tools.jackson.databind; // optional: Builder.jsonMapper, Jackson3CodecFactory (not transitive: a consumer would need it to compile)
  requires org.slf4j;
}
