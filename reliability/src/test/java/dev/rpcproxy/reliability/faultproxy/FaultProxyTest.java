package dev.rpcproxy.reliability.faultproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each toxic of {@link FaultProxy} on raw sockets, against an upstream that sends {@link #PAYLOAD}
 * bytes on every connection and then keeps it open until the client closes. Waits are bounded
 * socket timeouts, chosen well above what the toxic should take.
 */
class FaultProxyTest {
  private static final int PAYLOAD = 10_000;
  private ServerSocket upstream;
  private final List<Socket> accepted = new CopyOnWriteArrayList<>();
  private Thread acceptor;
  private FaultProxy proxy;

  @BeforeEach
  void start() throws IOException {
    upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(() -> {
      try {
        while (true) {
          Socket s = upstream.accept();
          accepted.add(s);
          s.getOutputStream().write(new byte[PAYLOAD]);
          s.getOutputStream().flush();
        }
      } catch (IOException closed) {
        // test over
      }
    }, "test-upstream-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    proxy = new FaultProxy("test", upstream.getLocalPort());
  }

  @AfterEach
  void stop() throws Exception {
    proxy.close();
    assertThat(proxy.liveThreads()).as("proxy threads alive after close").isZero();
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("fault-proxy-test-"));
    upstream.close();
    for (Socket s : accepted) {
      s.close();
    }
    acceptor.join(2_000);
  }

  private Socket connect() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    s.setSoTimeout(3_000);
    return s;
  }

  /**
   * {@code true} if connects are refused. Linux lets a loopback connect to a port nobody listens on
   * land, rarely, on itself (the client picks that very port: a TCP self-connect); such a socket is
   * not the proxy's, so the connect is tried again.
   */
  private boolean refused() throws IOException {
    for (int i = 0; i < 3; i++) {
      try (Socket s = connect()) {
        if (s.getLocalPort() != s.getPort()) {
          return false;
        }
      } catch (ConnectException expected) {
        return true;
      }
    }
    return false;
  }

  /** Reads until {@code expected} bytes, EOF, or a failure; returns the bytes read. */
  private static int readUpTo(InputStream in, int expected) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    while (got.size() < expected) {
      int n = in.read(buffer);
      if (n < 0) {
        break;
      }
      got.write(buffer, 0, n);
    }
    return got.size();
  }

  @Test
  void forwardsAndCountsConnectionsAndBytes() throws IOException {
    try (Socket a = connect(); Socket b = connect()) {
      assertThat(readUpTo(a.getInputStream(), PAYLOAD)).isEqualTo(PAYLOAD);
      assertThat(readUpTo(b.getInputStream(), PAYLOAD)).isEqualTo(PAYLOAD);
    }
    assertThat(proxy.stats().connectionsOpened()).isEqualTo(2);
    assertThat(proxy.stats().bytesForwarded(Direction.DOWNSTREAM)).isEqualTo(2L * PAYLOAD);
  }

  @Test
  void blackHoleAfterNBytesStopsForwardingAndKeepsTheSocketOpen() throws IOException {
    proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.cutAfter(1_000, Toxic.Cut.BLACK_HOLE));
    try (Socket s = connect()) {
      s.setSoTimeout(500); // far more than loopback needs to deliver 10 kB
      InputStream in = s.getInputStream();
      assertThat(readUpTo(in, 1_000)).isEqualTo(1_000);
      assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class); // no FIN, no RST: silence
      assertThat(s.isClosed()).isFalse();
    }
    assertThat(proxy.stats().cuts(Toxic.Cut.BLACK_HOLE)).isEqualTo(1);
    assertThat(proxy.stats().bytesDiscarded(Direction.DOWNSTREAM)).isEqualTo(PAYLOAD - 1_000);
  }

  @Test
  void closeAfterNBytesSendsAFin() throws IOException {
    proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.cutAfter(2_500, Toxic.Cut.CLOSE));
    try (Socket s = connect()) {
      InputStream in = s.getInputStream();
      assertThat(readUpTo(in, PAYLOAD)).isEqualTo(2_500);
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void resetAfterNBytesSendsAnRst() throws IOException {
    proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.cutAfter(0, Toxic.Cut.RESET));
    try (Socket s = connect()) {
      assertThatThrownBy(() -> readUpTo(s.getInputStream(), PAYLOAD)).isInstanceOf(SocketException.class)
          .hasMessageContaining("reset");
    }
    assertThat(proxy.stats().cuts(Toxic.Cut.RESET)).isEqualTo(1);
  }

  @Test
  void refusingTakesEffectBeforeAcceptingReturns() throws IOException {
    // Each round parks the accept loop in accept() first: the JDK closes such a listener only once
    // that thread wakes up, and a connect in between used to land (CI saw it once).
    for (int round = 0; round < 50; round++) {
      proxy.accepting(FaultProxy.Accepting.NORMALLY);
      try (Socket s = connect()) {
        assertThat(readUpTo(s.getInputStream(), PAYLOAD)).isEqualTo(PAYLOAD);
      }
      proxy.accepting(FaultProxy.Accepting.REFUSE);
      assertThat(refused()).as("round %d: a connect right after refusing is refused", round).isTrue();
    }
  }

  @Test
  void refusedConnectsFailAndAcceptingAgainWorks() throws IOException {
    proxy.accepting(FaultProxy.Accepting.REFUSE);
    assertThat(refused()).as("a connect to the refusing proxy is refused").isTrue();
    proxy.accepting(FaultProxy.Accepting.RESET);
    try (Socket s = connect()) {
      assertThatThrownBy(() -> readUpTo(s.getInputStream(), PAYLOAD)).isInstanceOf(SocketException.class);
    }
    proxy.accepting(FaultProxy.Accepting.NORMALLY);
    try (Socket s = connect()) {
      assertThat(readUpTo(s.getInputStream(), PAYLOAD)).isEqualTo(PAYLOAD);
    }
    assertThat(proxy.stats().connectionsOpened()).isEqualTo(1);
    assertThat(proxy.stats().connectionsReset()).isEqualTo(1);
  }

  @Test
  void bandwidthAndLatencySlowTheBytesDown() throws IOException {
    // 10 kB at 20 kB/s: at least 0.5 s minus one 20 ms slice, whatever the machine does.
    proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.bandwidth(20_000).latency(Duration.ofMillis(100), Duration.ZERO));
    try (Socket s = connect()) {
      long t0 = System.nanoTime();
      assertThat(readUpTo(s.getInputStream(), PAYLOAD)).isEqualTo(PAYLOAD);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(100 + 480);
    }
  }

  @Test
  void slowCloseDelaysTheFin() throws Exception {
    proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.slowClose(Duration.ofMillis(300)));
    try (Socket s = connect()) {
      InputStream in = s.getInputStream();
      assertThat(readUpTo(in, PAYLOAD)).isEqualTo(PAYLOAD);
      long t0 = System.nanoTime();
      accepted.get(0).close(); // the server closes; the client sees the FIN 300 ms later
      assertThat(in.read()).isEqualTo(-1);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(290);
    }
    assertThat(proxy.stats().slowCloses()).isEqualTo(1);
  }

  @Test
  void halfOpenConnectionsGoSilentWhileNewOnesWork() throws IOException {
    try (Socket old = connect()) {
      assertThat(readUpTo(old.getInputStream(), PAYLOAD)).isEqualTo(PAYLOAD);
      assertThat(proxy.halfOpenExisting()).isEqualTo(1);
      accepted.get(0).close(); // the server's FIN is lost on the dead path
      old.setSoTimeout(300);
      assertThatThrownBy(() -> old.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
      try (Socket fresh = connect()) {
        assertThat(readUpTo(fresh.getInputStream(), PAYLOAD)).isEqualTo(PAYLOAD);
      }
    }
  }
}
