package dev.rpcproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures what slf4j-simple prints (it writes to {@code System.err}, looked up on every line)
 * while a block runs. Use in tests that assert what is, and is not, logged.
 *
 * <pre>{@code
 * String logs = CapturedLogs.during(() -> api.get("x"));
 * assertThat(logs).doesNotContain("secret");
 * }</pre>
 */
public final class CapturedLogs {
  private CapturedLogs() {}

  /** A block that may throw. */
  @FunctionalInterface
  public interface Block {
    void run() throws Exception;
  }

  /** Runs {@code block} and returns what was logged meanwhile; restores {@code System.err}. */
  public static synchronized String during(Block block) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      block.run();
    } finally {
      System.err.flush();
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
