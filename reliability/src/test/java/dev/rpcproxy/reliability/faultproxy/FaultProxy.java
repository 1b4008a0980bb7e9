package dev.rpcproxy.reliability.faultproxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 that breaks the network between a client and its server, in the model
 * of Toxiproxy: every accepted connection is forwarded to the upstream, with a {@link Toxic} per
 * direction (latency and jitter, bandwidth, black hole / close / reset after N bytes, slow close)
 * that can be switched at run time for every connection or {@linkplain #connections() one of them}.
 * New connections can be refused ({@link #accepting}); existing ones can be made half-open
 * ({@link #halfOpenExisting()}) or reset.
 *
 * <pre>{@code
 * try (FaultProxy proxy = new FaultProxy("rest", server.port())) {
 *   client = HttpTransport.builder().baseUrl(proxy.url())...;
 *   proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.cutAfter(100, Toxic.Cut.BLACK_HOLE));
 *   ...
 *   proxy.stats().connectionsOpened();
 * }
 * }</pre>
 *
 * <p>Threads: one acceptor and two per connection (one per direction), all daemons named
 * {@code fault-proxy-<name>-...}; {@link #close()} closes every socket and waits for every thread.
 */
public final class FaultProxy implements AutoCloseable {
  /** What happens to a new connection. */
  public enum Accepting {
    /** Forward it. */
    NORMALLY,
    /** The listening socket is closed: connects fail with "connection refused". */
    REFUSE,
    /** Accept it and reset it at once. */
    RESET
  }

  private final String name;
  private final InetSocketAddress upstream;
  private final int port;
  final ProxyStats stats = new ProxyStats();
  private final Map<Direction, Toxic> toxics = new EnumMap<>(Direction.class);
  private final Set<ProxiedConnection> open = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger ids = new AtomicInteger();
  private final Object lock = new Object();
  private final Thread acceptor;
  // Guarded by lock.
  private ServerSocket listener;
  private Accepting accepting = Accepting.NORMALLY;
  private boolean closed;
  private boolean acceptorIdle; // the accept loop waits, holding no listener

  /** Listens on 127.0.0.1, an ephemeral port, forwarding to 127.0.0.1:{@code upstreamPort}. */
  public FaultProxy(String name, int upstreamPort) {
    this(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort));
  }

  public FaultProxy(String name, InetSocketAddress upstream) {
    this.name = name;
    this.upstream = upstream;
    toxics.put(Direction.UPSTREAM, Toxic.NONE);
    toxics.put(Direction.DOWNSTREAM, Toxic.NONE);
    this.listener = listen(0);
    this.port = listener.getLocalPort();
    this.acceptor = thread(this::acceptLoop, "accept");
    acceptor.start();
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public ProxyStats stats() {
    return stats;
  }

  /** Sets {@code direction}'s toxic for every open connection and every new one. */
  public void toxic(Direction direction, Toxic toxic) {
    synchronized (lock) {
      toxics.put(direction, toxic);
    }
    for (ProxiedConnection c : open) {
      c.toxic(direction, toxic);
    }
  }

  public Toxic toxic(Direction direction) {
    synchronized (lock) {
      return toxics.get(direction);
    }
  }

  /** Both directions back to {@link Toxic#NONE}. Connections already black-holed stay silent. */
  public void clearToxics() {
    toxic(Direction.UPSTREAM, Toxic.NONE);
    toxic(Direction.DOWNSTREAM, Toxic.NONE);
  }

  /** What happens to new connections from now on. */
  public void accepting(Accepting mode) {
    synchronized (lock) {
      if (closed || mode == accepting) {
        return;
      }
      if (mode == Accepting.REFUSE) {
        closeQuietly(listener);
      } else if (accepting == Accepting.REFUSE) {
        listener = listen(port);
      }
      accepting = mode;
      lock.notifyAll();
      if (mode == Accepting.REFUSE) {
        awaitAcceptorIdle();
      }
    }
  }

  /**
   * The JDK's {@code ServerSocket.close()} only pre-closes the socket of a thread parked in
   * {@code accept()} and signals it: the kernel keeps listening until that thread leaves its poll,
   * and a connect in between still lands. Refusing is done once the accept loop has let go.
   */
  private void awaitAcceptorIdle() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      while (!acceptorIdle && acceptor.isAlive()) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new IllegalStateException(this + ": the accept loop did not let go of its listener in 5 s");
        }
        lock.wait(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Every open connection goes silent in both directions, as when a NAT or load balancer between
   * client and server forgets the flow: no FIN, no RST, no bytes. New connections work.
   *
   * @return how many connections were made half-open
   */
  public int halfOpenExisting() {
    int n = 0;
    for (ProxiedConnection c : open) {
      c.blackHole();
      n++;
    }
    return n;
  }

  /** Resets every open connection now. */
  public int resetExisting() {
    int n = 0;
    for (ProxiedConnection c : open) {
      c.reset();
      n++;
    }
    return n;
  }

  /** The connections open now. */
  public List<ProxiedConnection> connections() {
    return new ArrayList<>(open);
  }

  /** Threads of this proxy still alive (0 after {@link #close()}). */
  public int liveThreads() {
    return (int) threads.stream().filter(Thread::isAlive).count();
  }

  private void acceptLoop() {
    while (true) {
      ServerSocket socket;
      synchronized (lock) {
        while (!closed && accepting == Accepting.REFUSE) {
          acceptorIdle = true;
          lock.notifyAll();
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        acceptorIdle = false;
        if (closed) {
          return;
        }
        socket = listener;
      }
      Socket client;
      try {
        client = socket.accept();
      } catch (IOException e) {
        continue; // closed to refuse, or to shut down: the loop decides
      }
      Accepting mode;
      synchronized (lock) {
        mode = closed ? Accepting.RESET : accepting;
      }
      if (mode != Accepting.NORMALLY) {
        stats.resetOnAccept();
        ProxiedConnection.rst(client);
        continue;
      }
      open(client);
    }
  }

  private void open(Socket client) {
    Socket server = new Socket();
    try {
      client.setTcpNoDelay(true);
      server.setTcpNoDelay(true);
      server.connect(upstream, 2_000);
    } catch (IOException e) {
      stats.upstreamConnectFailed();
      ProxiedConnection.rst(client);
      ProxiedConnection.closeQuietly(server);
      return;
    }
    ProxiedConnection connection;
    synchronized (lock) {
      if (closed) {
        ProxiedConnection.rst(client);
        ProxiedConnection.closeQuietly(server);
        return;
      }
      connection = new ProxiedConnection(this, ids.incrementAndGet(), client, server,
          toxics.get(Direction.UPSTREAM), toxics.get(Direction.DOWNSTREAM));
      open.add(connection);
    }
    stats.opened();
    try {
      connection.start();
    } catch (IOException e) {
      connection.reset();
    }
  }

  void ended(ProxiedConnection connection) {
    open.remove(connection);
  }

  Thread thread(Runnable body, String what) {
    // A thread stays in the set until it has died (pruned here), not just left its body: close()
    // joins it, so none is still alive when close() returns (at load 24 one that had removed itself
    // was still alive after close).
    threads.removeIf(t -> t.getState() == Thread.State.TERMINATED);
    Thread t = new Thread(body, "fault-proxy-" + name + "-" + what);
    t.setDaemon(true);
    threads.add(t);
    return t;
  }

  /** Closes the listener and every connection, and waits (at most 5 s) for every thread to end. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      closeQuietly(listener);
      lock.notifyAll();
    }
    for (ProxiedConnection c : List.copyOf(open)) {
      c.abort();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      // Again until none is alive: a connection accepted as close() began starts its threads late.
      while (threads.stream().anyMatch(t -> t.getState() != Thread.State.TERMINATED) && System.nanoTime() < deadline) {
        for (Thread t : List.copyOf(threads)) {
          if (t.getState() != Thread.State.NEW) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
          }
        }
        Thread.sleep(1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ServerSocket listen(int port) {
    try {
      ServerSocket socket = new ServerSocket();
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return socket;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void closeQuietly(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public String toString() {
    return "FaultProxy[" + name + " 127.0.0.1:" + port + " -> " + upstream.getPort() + ", " + open.size() + " open]";
  }
}
