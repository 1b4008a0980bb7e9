package dev.rpcproxy.samples;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code java -jar rpc-proxy-demo.jar [--duration <seconds>] [--port <n>] [--scenario <name>]}:
 * exit code 0 after a run, 2 for a bad command line, 1 if the demo could not run.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
    // Every server, pool and client was stopped: the JVM ends by itself. Say so if it would not.
    List<Thread> left = lingering();
    if (!left.isEmpty()) {
      System.err.println("warning: threads still running after the demo: "
          + left.stream().map(Thread::getName).collect(Collectors.joining(", ")));
      System.exit(0);
    }
  }

  /** Runs the demo with {@code args}; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (DemoOptions.UsageException e) {
      err.println("error: " + e.getMessage());
      err.println();
      err.println(DemoOptions.USAGE);
      return 2;
    }
    if (options.help()) {
      out.println(DemoOptions.USAGE);
      return 0;
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try {
      new Demo(options, registry, out).run();
      return 0;
    } catch (Exception e) {
      err.println("error: the demo stopped: " + e);
      return 1;
    } finally {
      registry.close();
    }
  }

  /** Live non-daemon threads other than the caller's, after giving stopping ones a moment. */
  static List<Thread> lingering() {
    long deadline = System.currentTimeMillis() + 2_000;
    List<Thread> left;
    do {
      left = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.isAlive() && !t.isDaemon() && t != Thread.currentThread()
              && !t.getName().equals("DestroyJavaVM"))
          .toList();
      if (left.isEmpty()) {
        return left;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return left;
      }
    } while (System.currentTimeMillis() < deadline);
    return left;
  }
}
