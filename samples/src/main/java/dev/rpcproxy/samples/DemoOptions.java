package dev.rpcproxy.samples;

import java.time.Duration;
import java.util.Optional;

/**
 * The command line: {@code --duration <seconds>}, {@code --port <n>}, {@code --scenario <name>}
 * (also as {@code --flag=value}), and {@code --help}.
 *
 * @param duration total run time; the phases are scaled to it
 * @param port the metrics and dashboard port; 0 for any free one
 * @param portGiven whether {@code --port} was given (if not and the default is taken, any free port is used)
 * @param scenario the one scenario to run, or empty for the whole story
 * @param help whether {@code --help} was asked for
 */
public record DemoOptions(Duration duration, int port, boolean portGiven, Optional<Scenario> scenario, boolean help) {
  public static final int DEFAULT_SECONDS = 45;
  public static final int DEFAULT_PORT = 8081;
  static final int MIN_SECONDS = 2;
  static final int MAX_SECONDS = 3600;

  public static final String USAGE = String.join("\n",
      "Usage: java -jar rpc-proxy-demo.jar [--duration <seconds>] [--port <n>] [--scenario <name>]",
      "",
      "Runs an order service whose REST and gRPC dependencies fail on cue, and shows what",
      "rpc-proxy's deadline, retries, breaker, bulkhead and cached fallback do about it.",
      "",
      "  --duration <seconds>  total run time, phases scaled to it (default " + DEFAULT_SECONDS
          + "; " + MIN_SECONDS + " to " + MAX_SECONDS + ")",
      "  --port <n>            port of the dashboard (/) and Prometheus metrics (/metrics) on",
      "                        127.0.0.1 (default " + DEFAULT_PORT + ", or any free port if taken; 0 = any free port)",
      "  --scenario <name>     run one phase: healthy, slow, down, recovering, overload;",
      "                        or all (default): healthy -> slow -> down -> recovering -> overload",
      "  --help                show this text");

  /**
   * Parses the arguments.
   *
   * @throws UsageException naming the bad or unknown argument
   */
  public static DemoOptions parse(String... args) {
    Duration duration = Duration.ofSeconds(DEFAULT_SECONDS);
    int port = DEFAULT_PORT;
    boolean portGiven = false;
    Optional<Scenario> scenario = Optional.empty();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        value = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      switch (arg) {
        case "--help", "-h" -> {
          return new DemoOptions(duration, port, portGiven, scenario, true);
        }
        case "--duration" -> {
          value = value != null ? value : next(args, ++i, arg);
          duration = Duration.ofSeconds(number(arg, value, MIN_SECONDS, MAX_SECONDS));
        }
        case "--port" -> {
          value = value != null ? value : next(args, ++i, arg);
          port = number(arg, value, 0, 65535);
          portGiven = true;
        }
        case "--scenario" -> {
          value = value != null ? value : next(args, ++i, arg);
          if (value.equals("all")) {
            scenario = Optional.empty();
          } else {
            String name = value;
            scenario = Optional.of(Scenario.byLabel(name).orElseThrow(() -> new UsageException(
                "--scenario must be one of healthy, slow, down, recovering, overload, all; was '" + name + "'")));
          }
        }
        default -> throw new UsageException("unknown argument '" + args[i] + "'");
      }
    }
    return new DemoOptions(duration, port, portGiven, scenario, false);
  }

  private static String next(String[] args, int i, String flag) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new UsageException(flag + " needs a value");
    }
    return args[i];
  }

  private static int number(String flag, String value, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " must be a whole number, was '" + value + "'");
    }
    if (n < min || n > max) {
      throw new UsageException(flag + " must be between " + min + " and " + max + ", was " + n);
    }
    return n;
  }

  /** A bad command line; the message says what is wrong. */
  public static final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
      super(message);
    }
  }
}
