package dev.rpcproxy.reliability;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Answers every HTTP request with whatever bytes the test supplies, then closes the connection (or
 * keeps it open, silent, until the client hangs up: a hang). For the parser fuzz tests.
 */
final class RawResponseServer implements AutoCloseable {
  private final ServerSocket serverSocket;
  private final Supplier<HttpResponseFuzzer.Case> answers;
  private final ExecutorService connections;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  /** Every connection thread ever made, so that {@link #close} can wait until each has died. */
  private final Queue<Thread> connectionThreads = new ConcurrentLinkedQueue<>();
  private final Thread acceptor;

  RawResponseServer(Supplier<HttpResponseFuzzer.Case> answers) {
    this.answers = answers;
    try {
      serverSocket = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AtomicInteger n = new AtomicInteger();
    connections = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "test-raw-conn-" + n.incrementAndGet());
      t.setDaemon(true);
      connectionThreads.add(t);
      return t;
    });
    acceptor = new Thread(this::acceptLoop, "test-raw-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + serverSocket.getLocalPort();
  }

  private void acceptLoop() {
    while (true) {
      Socket socket;
      try {
        socket = serverSocket.accept();
      } catch (IOException closed) {
        return;
      }
      open.add(socket);
      connections.execute(() -> serve(socket)); // close() shuts the pool only after this loop ended
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      socket.setSoTimeout(5_000); // a client that neither sends nor hangs up is not waited on longer
      int contentLength = readHead(in);
      in.readNBytes(contentLength);
      HttpResponseFuzzer.Case answer = answers.get();
      socket.getOutputStream().write(answer.bytes());
      socket.getOutputStream().flush();
      if (answer.hang()) {
        while (in.read() != -1) {
          // wait for the client to hang up
        }
      }
    } catch (SocketTimeoutException | RuntimeException e) {
      // gave up on the client
    } catch (IOException e) {
      // the client went away
    } finally {
      open.remove(socket);
    }
  }

  /** Reads a request head; returns its Content-Length (0 if none). */
  private static int readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int last4 = 0;
    for (int b = in.read(); b != -1 && head.length() < 65_536; b = in.read()) {
      head.append((char) b);
      last4 = (last4 << 8) | b;
      if (last4 == 0x0d0a0d0a) {
        break;
      }
    }
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return Integer.parseInt(line.substring(15).trim());
      }
    }
    return 0;
  }

  /**
   * Stops accepting, closes every connection and returns once every thread of the server has
   * died (not merely finished its task: a pool reports termination from its last worker just
   * before that thread exits, which a check for live threads right after would still see).
   */
  @Override
  public void close() throws InterruptedException {
    closeQuietly(serverSocket);
    acceptor.join(2_000); // after this no socket is added to open
    for (Socket s : open) {
      closeQuietly(s);
    }
    connections.shutdownNow();
    connections.awaitTermination(5, TimeUnit.SECONDS);
    for (Thread t : connectionThreads) {
      t.join(5_000);
    }
  }

  private static void closeQuietly(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  static String ascii(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }
}
