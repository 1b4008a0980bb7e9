package dev.rpcproxy.reliability.faultproxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Copies one direction of a {@link ProxiedConnection}, chunk by chunk, applying that direction's
 * {@link Toxic} to each chunk. Runs on its own thread; ends when its source ends, fails, or the
 * connection is closed.
 */
final class Pump implements Runnable {
  private static final int CHUNK = 16 * 1024;

  private final ProxiedConnection connection;
  private final Direction direction;
  private final InputStream in;
  private final OutputStream out;
  private Toxic current = Toxic.NONE;
  /** Bytes forwarded since {@link #current} was switched on. */
  private long underToxic;

  Pump(ProxiedConnection connection, Direction direction, InputStream in, OutputStream out) {
    this.connection = connection;
    this.direction = direction;
    this.in = in;
    this.out = out;
  }

  @Override
  public void run() {
    byte[] buffer = new byte[CHUNK];
    try {
      while (true) {
        int n = in.read(buffer);
        if (n < 0) {
          connection.sourceClosed(direction, connection.toxic(direction).slowCloseMillis());
          return;
        }
        forward(buffer, n);
      }
    } catch (IOException e) {
      connection.broken(direction);
    } catch (InterruptedException e) {
      connection.abort(); // the proxy is closing
    }
  }

  private void forward(byte[] buffer, int n) throws IOException, InterruptedException {
    Toxic toxic = connection.toxic(direction);
    if (toxic != current) {
      current = toxic;
      underToxic = 0;
    }
    if (connection.isBlackHoled(direction)) {
      connection.proxy.stats.discarded(direction, n);
      return;
    }
    int send = n;
    boolean cutNow = false;
    if (toxic.cutAfterBytes() >= 0 && underToxic + n > toxic.cutAfterBytes()) {
      send = (int) (toxic.cutAfterBytes() - underToxic);
      cutNow = true;
    }
    delay(toxic);
    write(buffer, send, toxic);
    underToxic += send;
    if (cutNow) {
      connection.proxy.stats.discarded(direction, n - send);
      connection.cut(direction, toxic.cut());
    }
  }

  private static void delay(Toxic toxic) throws InterruptedException {
    long millis = toxic.latencyMillis();
    if (toxic.jitterMillis() > 0) {
      millis += ThreadLocalRandom.current().nextLong(-toxic.jitterMillis(), toxic.jitterMillis() + 1);
    }
    if (millis > 0) {
      Thread.sleep(millis);
    }
  }

  /** Writes {@code length} bytes, in slices of 20 ms worth when the bandwidth is limited. */
  private void write(byte[] buffer, int length, Toxic toxic) throws IOException, InterruptedException {
    if (length <= 0) {
      return;
    }
    long rate = toxic.bytesPerSecond();
    if (rate <= 0) {
      connection.proxy.stats.forwarded(direction, length);
      out.write(buffer, 0, length);
      out.flush();
      return;
    }
    int slice = (int) Math.max(1, Math.min(CHUNK, rate / 50));
    for (int offset = 0; offset < length; offset += slice) {
      int size = Math.min(slice, length - offset);
      connection.proxy.stats.forwarded(direction, size);
      out.write(buffer, offset, size);
      out.flush();
      TimeUnit.NANOSECONDS.sleep(TimeUnit.SECONDS.toNanos(size) / rate);
    }
  }
}
