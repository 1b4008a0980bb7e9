package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.ScriptedTransport;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code Stream} and {@code Flow.Publisher} return types: a transport that streams serves them
 * (see the gRPC tests); {@code Transports.direct} passes the target's value through as before;
 * any other transport fails {@code build()}.
 */
class StreamReturnTypesTest {

  interface Lister {
    Stream<String> names();

    Flow.Publisher<String> namesAsync();
  }

  static final class Local implements Lister {
    @Override
    public Stream<String> names() {
      return Stream.of("a", "b");
    }

    @Override
    public Flow.Publisher<String> namesAsync() {
      return new SubmissionPublisher<>();
    }
  }

  @Test
  void aDirectTargetsStreamIsReturnedAsItIs() {
    Lister lister = RpcProxy.builder(Lister.class).transport(Transports.direct(new Local())).build();

    assertThat(lister.names().toList()).isEqualTo(List.of("a", "b"));
    assertThat(lister.namesAsync()).isInstanceOf(SubmissionPublisher.class);
  }

  @Test
  void aTransportThatDoesNotStreamFailsBuild() {
    assertThatThrownBy(() -> RpcProxy.builder(Lister.class).transport(new ScriptedTransport()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Lister.class.getName() + ".names")
        .hasMessageContaining("does not stream");
  }
}
