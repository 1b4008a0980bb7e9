package dev.rpcproxy.reliability;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny HTTP/1.1 server on loopback, on raw sockets so that a handler can do what real servers
 * do when they break: reset the connection, stop mid-body, dribble bytes, never answer. Keeps
 * connections alive (Content-Length framing) so a long soak does not churn ports.
 *
 * <p>Counts requests in flight from the moment a request has been read until its handler returns;
 * a handler that waits ({@link Exchange#awaitClientGone}) notices when the client gives up and
 * closes the connection, as a real server notices a reset.
 */
final class LoopbackHttpServer implements AutoCloseable {
  /** Answers one request; may throw to drop the connection. */
  @FunctionalInterface
  interface Handler {
    void handle(Exchange exchange) throws IOException, InterruptedException;
  }

  private final ServerSocket serverSocket;
  private final Handler handler;
  private final ExecutorService connections;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final InFlightCounter inFlight = new InFlightCounter();
  private final AtomicInteger connectionsAccepted = new AtomicInteger();
  private final Thread acceptor;
  private volatile boolean closed;

  LoopbackHttpServer(Handler handler) {
    this.handler = handler;
    try {
      serverSocket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AtomicInteger n = new AtomicInteger();
    connections = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "test-http-conn-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    acceptor = new Thread(this::acceptLoop, "test-http-accept-" + serverSocket.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + serverSocket.getLocalPort();
  }

  int port() {
    return serverSocket.getLocalPort();
  }

  int inFlight() {
    return inFlight.inFlight();
  }

  int maxInFlight() {
    return inFlight.max();
  }

  /** Requests that arrived while more than {@code limit} were in flight (themselves included). */
  long arrivalsOver(int limit) {
    return inFlight.arrivalsOver(limit);
  }

  long requests() {
    return inFlight.total();
  }

  int connectionsAccepted() {
    return connectionsAccepted.get();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket socket;
      try {
        socket = serverSocket.accept();
      } catch (IOException e) {
        return;
      }
      connectionsAccepted.incrementAndGet();
      open.add(socket);
      try {
        connections.execute(() -> serve(socket));
      } catch (RuntimeException rejected) {
        closeQuietly(socket);
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      while (!closed) {
        Exchange exchange = readRequest(socket, in, out);
        if (exchange == null) {
          return;
        }
        inFlight.arrive();
        exchange.onFinish = inFlight::leave;
        try {
          handler.handle(exchange);
        } finally {
          exchange.finish();
        }
        if (exchange.connectionDone) {
          return;
        }
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      // The client went away, or the handler dropped the connection on purpose.
    } finally {
      open.remove(socket);
    }
  }

  private static Exchange readRequest(Socket socket, InputStream in, OutputStream out) throws IOException {
    String requestLine = readLine(in);
    if (requestLine == null) {
      return null;
    }
    if (requestLine.isEmpty()) {
      requestLine = readLine(in);
      if (requestLine == null) {
        return null;
      }
    }
    String[] parts = requestLine.split(" ");
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.merge(line.substring(0, colon).trim(), line.substring(colon + 1).trim(), (a, b) -> a + ", " + b);
      }
    }
    byte[] body = new byte[0];
    String length = headers.get("Content-Length");
    if (length != null) {
      body = in.readNBytes(Integer.parseInt(length));
    }
    return new Exchange(socket, in, out, parts[0], parts.length > 1 ? parts[1] : "/", headers, body);
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); ; b = in.read()) {
      if (b == -1) {
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
      }
      if (b == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      serverSocket.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
    connections.shutdownNow();
    try {
      acceptor.join(2_000);
      connections.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One request and the ways to answer it. */
  static final class Exchange {
    final String method;
    final String path;
    final Map<String, String> headers;
    final byte[] body;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean connectionDone;
    private Runnable onFinish;
    private boolean finished;

    Exchange(Socket socket, InputStream in, OutputStream out, String method, String path,
        Map<String, String> headers, byte[] body) {
      this.socket = socket;
      this.in = in;
      this.out = out;
      this.method = method;
      this.path = path;
      this.headers = headers;
      this.body = body;
    }

    /** A complete response with Content-Length; the connection stays open. */
    void respond(int status, String contentType, byte[] body) throws IOException {
      respond(status, contentType, body, Map.of());
    }

    void respond(int status, String contentType, byte[] body, Map<String, String> extraHeaders)
        throws IOException {
      finish();
      StringBuilder head = new StringBuilder()
          .append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n")
          .append("Content-Length: ").append(body.length).append("\r\n");
      if (contentType != null) {
        head.append("Content-Type: ").append(contentType).append("\r\n");
      }
      extraHeaders.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      head.append("\r\n");
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
    }

    /**
     * Ends this request's time in flight. Called before the last byte of an answer goes out (or
     * the connection is dropped), so the count never includes a request the client already has
     * its answer to.
     */
    void finish() {
      if (!finished) {
        finished = true;
        if (onFinish != null) {
          onFinish.run();
        }
      }
    }

    /** Writes bytes as they are, e.g. a head promising more body than will come. */
    void writeRaw(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }

    /** Sends a TCP reset instead of an answer. */
    void reset() throws IOException {
      finish();
      connectionDone = true;
      socket.setSoLinger(true, 0);
      socket.close();
    }

    /** Closes the connection (a FIN), e.g. in the middle of a body. */
    void closeConnection() throws IOException {
      finish();
      connectionDone = true;
      socket.close();
    }

    /**
     * Waits up to {@code millis} without answering; returns {@code true} (and marks the connection
     * done) as soon as the client closes or resets the connection, as it does when it gives up.
     */
    boolean awaitClientGone(long millis) throws IOException {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      int previous = socket.getSoTimeout();
      try {
        for (long left = millis; left > 0; left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())) {
          socket.setSoTimeout((int) Math.max(1, left));
          try {
            if (in.read() == -1) {
              finish();
              connectionDone = true;
              return true;
            }
            // HTTP/1.1 clients send nothing while they wait for an answer; ignore stray bytes.
          } catch (SocketTimeoutException timeout) {
            // waited the whole slice
          } catch (IOException gone) {
            finish();
            connectionDone = true;
            return true;
          }
        }
        return false;
      } finally {
        if (!socket.isClosed()) {
          socket.setSoTimeout(previous);
        }
      }
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    private static String reason(int status) {
      switch (status) {
        case 200: return "OK";
        case 204: return "No Content";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 500: return "Internal Server Error";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        default: return "Status";
      }
    }
  }
}
