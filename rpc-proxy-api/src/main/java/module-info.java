/**
 * rpc-proxy's core: the typed proxy, its policy pipeline and the transport SPI. Only the public
 * API ({@code dev.rpcproxy}) and the SPI ({@code dev.rpcproxy.spi}) are exported.
 */
module dev.rpcproxy {
  exports dev.rpcproxy;
  exports dev.rpcproxy.spi;

  requires transitive io.github.resilience4j.circuitbreaker;
  requires transitive io.github.resilience4j.core;
  requires transitive micrometer.core;
  requires transitive micrometer.observation;
  requires io.github.resilience4j.ratelimiter;
  requires io.github.resilience4j.micrometer;
  requires com.github.benmanes.caffeine;
  requires org.slf4j;
  requires java.naming;
  requires jdk.naming.dns; // Endpoints.srv: the JDK's JNDI DNS provider, loaded by name

  uses dev.rpcproxy.spi.InboundDeadline;
  uses dev.rpcproxy.spi.CallAdapter.Factory;
}
