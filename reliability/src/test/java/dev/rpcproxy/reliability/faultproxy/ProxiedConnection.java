package dev.rpcproxy.reliability.faultproxy;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One client connection through a {@link FaultProxy} and its own connection to the upstream, with
 * a {@link Toxic} per direction that can be switched while bytes flow.
 *
 * <p>How closes travel: a FIN from one side is passed on as a FIN (after the toxic's slow-close
 * delay); a reset or I/O error resets both sides. A black-holed direction passes nothing on, not
 * even a close: the path is dead. Only when the client itself goes away is everything closed, so
 * that a dead path does not hold sockets and threads until the proxy closes.
 */
public final class ProxiedConnection {
  final FaultProxy proxy;
  private final int id;
  private final Socket client;
  private final Socket upstream;
  private final AtomicReferenceArray<Toxic> toxics = new AtomicReferenceArray<>(2);
  private final AtomicReferenceArray<Boolean> blackHoled = new AtomicReferenceArray<>(new Boolean[] {false, false});
  private final AtomicInteger pumpsRunning = new AtomicInteger(2);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread[] threads = new Thread[2];

  ProxiedConnection(FaultProxy proxy, int id, Socket client, Socket upstream, Toxic up, Toxic down) {
    this.proxy = proxy;
    this.id = id;
    this.client = client;
    this.upstream = upstream;
    toxics.set(Direction.UPSTREAM.ordinal(), up);
    toxics.set(Direction.DOWNSTREAM.ordinal(), down);
  }

  void start() throws IOException {
    threads[0] = proxy.thread(new Pump(this, Direction.UPSTREAM, client.getInputStream(), upstream.getOutputStream()),
        "conn-" + id + "-up");
    threads[1] = proxy.thread(new Pump(this, Direction.DOWNSTREAM, upstream.getInputStream(), client.getOutputStream()),
        "conn-" + id + "-down");
    threads[0].start();
    threads[1].start();
  }

  /** The order in which the proxy accepted this connection, from 1. */
  public int id() {
    return id;
  }

  public Toxic toxic(Direction direction) {
    return toxics.get(direction.ordinal());
  }

  /** Switches this connection's toxic for {@code direction}; its byte count starts afresh. */
  public void toxic(Direction direction, Toxic toxic) {
    toxics.set(direction.ordinal(), toxic);
  }

  public boolean isBlackHoled(Direction direction) {
    return blackHoled.get(direction.ordinal());
  }

  /** Half-open: from now on neither direction passes anything, not even a close. Sockets stay open. */
  public void blackHole() {
    blackHole(Direction.UPSTREAM);
    blackHole(Direction.DOWNSTREAM);
  }

  void blackHole(Direction direction) {
    if (blackHoled.compareAndSet(direction.ordinal(), false, true)) {
      proxy.stats.wentSilent(direction);
    }
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** Resets both sides now (RST). */
  public void reset() {
    if (closed.compareAndSet(false, true)) {
      rst(client);
      rst(upstream);
      interruptPumps();
      proxy.ended(this);
    }
  }

  void cut(Direction direction, Toxic.Cut cut) {
    proxy.stats.cut(cut);
    switch (cut) {
      case BLACK_HOLE -> blackHole(direction);
      case CLOSE -> close();
      case RESET -> reset();
    }
  }

  /** The source of {@code direction} sent a FIN. */
  void sourceClosed(Direction direction, long slowCloseMillis) throws InterruptedException {
    if (isBlackHoled(direction)) {
      if (direction == Direction.UPSTREAM) {
        close(); // the client is gone: free everything rather than wait for the proxy to close
      } else {
        pumpDone();
      }
      return;
    }
    if (slowCloseMillis > 0) {
      proxy.stats.slowClose();
      Thread.sleep(slowCloseMillis);
    }
    try {
      (direction == Direction.UPSTREAM ? upstream : client).shutdownOutput();
    } catch (IOException e) {
      abort();
      return;
    }
    pumpDone();
  }

  /** Reading or writing {@code direction} failed: a reset from one side, or our own close. */
  void broken(Direction direction) {
    if (closed.get()) {
      return;
    }
    if (isBlackHoled(direction) && direction == Direction.DOWNSTREAM) {
      pumpDone(); // the dead path does not carry the server's reset to the client
      return;
    }
    reset();
  }

  private void pumpDone() {
    if (pumpsRunning.decrementAndGet() == 0) {
      close();
    }
  }

  /** Closes both sides (FIN). Idempotent. */
  void close() {
    if (closed.compareAndSet(false, true)) {
      closeQuietly(client);
      closeQuietly(upstream);
      interruptPumps();
      proxy.ended(this);
    }
  }

  /** Closes both sides at once, for the proxy's own shutdown. */
  void abort() {
    close();
  }

  void join(long millis) throws InterruptedException {
    for (Thread t : threads) {
      if (t != null) {
        t.join(millis);
      }
    }
  }

  private void interruptPumps() {
    Thread self = Thread.currentThread();
    for (Thread t : threads) {
      if (t != null && t != self) {
        t.interrupt();
      }
    }
  }

  static void rst(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // already closed
    }
    closeQuietly(socket);
  }

  static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public String toString() {
    return "connection " + id + " (up: " + toxic(Direction.UPSTREAM).describe() + ", down: "
        + toxic(Direction.DOWNSTREAM).describe() + (isBlackHoled(Direction.UPSTREAM) ? ", up black-holed" : "")
        + (isBlackHoled(Direction.DOWNSTREAM) ? ", down black-holed" : "") + ")";
  }
}
