package dev.rpcproxy.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Opens the built-in dashboard in headless Chromium during a full 45 s run, checks that the page
 * polled and parsed {@code /metrics} and drew the story, and saves a screenshot (by default
 * {@code docs/dashboard.png}; system property {@code dashboard.screenshot}).
 *
 * <p>Only with {@code -Pbrowser}: needs {@code chromium} on the PATH (Debian: {@code apt-get install
 * chromium}) or its path in the environment variable {@code CHROMIUM}. Takes about a minute.
 */
@Tag("browser")
class DashboardBrowserTest {
  private static final int WIDTH = 1280;
  private static final int HEIGHT = 900;

  @Test
  @Timeout(180)
  void dashboardPollsParsesAndPlotsTheWholeStory() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Demo demo = new Demo(DemoOptions.parse("--port", "0"), registry, new PrintStream(System.out, true));
    CompletableFuture<List<PhaseResult>> run = CompletableFuture.supplyAsync(() -> {
      try {
        return demo.run();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    String url = demo.dashboardUrl().get(30, TimeUnit.SECONDS);
    long opened = System.nanoTime();
    Path profile = Files.createTempDirectory("chromium-profile");
    Process chromium = startChromium(profile);
    try (DevTools page = DevTools.connect(pageSocket(profile))) {
      page.call("Emulation.setDeviceMetricsOverride",
          Map.of("width", WIDTH, "height", HEIGHT, "deviceScaleFactor", 1, "mobile", false));
      page.call("Page.navigate", Map.of("url", url));

      // Shoot once the page has plotted 6 s of the last phase (overload), at most 90 s after opening it.
      long deadline = opened + TimeUnit.SECONDS.toNanos(90);
      while (page.call("Runtime.evaluate", Map.of("expression",
              "window.dashboard ? dashboard.points.filter(p => p.phase === 'overload').length : 0",
              "returnByValue", true)).path("result").path("value").asInt() < 6
          && System.nanoTime() < deadline) {
        Thread.sleep(250);
      }
      JsonNode seen = new ObjectMapper().readTree(page.call("Runtime.evaluate", Map.of(
          "expression", """
              JSON.stringify({
                polls: dashboard.polls, errors: dashboard.errors, lastError: dashboard.lastError,
                clients: dashboard.clients,
                phases: [...new Set(dashboard.points.map(p => p.phase).filter(p => p))],
                restaurantStates: [...new Set(dashboard.points.map(p => (p.clients.restaurants || {}).state))],
                maxRejected: Math.max(...dashboard.points.map(p => p.clients.restaurants ? p.clients.restaurants.rates.bulkhead_full : 0)),
                maxFallbacks: Math.max(...dashboard.points.map(p => p.clients.restaurants ? p.clients.restaurants.fallbacks : 0)),
                foreignRequests: performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))
              })""",
          "returnByValue", true)).path("result").path("value").asText());
      byte[] png = Base64.getDecoder().decode(
          page.call("Page.captureScreenshot", Map.of("format", "png")).path("data").asText());
      Path screenshot = Path.of(System.getProperty("dashboard.screenshot", "target/dashboard.png")).toAbsolutePath();
      Files.createDirectories(screenshot.getParent());
      Files.write(screenshot, png);
      System.out.println("dashboard as seen: " + seen + "\nscreenshot: " + screenshot);

      assertThat(seen.path("errors").asInt()).as("failed polls: " + seen.path("lastError")).isZero();
      assertThat(seen.path("polls").asInt()).as("polls of /metrics").isGreaterThan(30);
      assertThat(texts(seen.path("clients"))).containsExactly("restaurants", "consumers", "kitchen");
      assertThat(texts(seen.path("phases"))).endsWith("healthy", "slow", "down", "recovering", "overload");
      // Half-open spells last a probe round (tens of ms): one-second polls rarely catch them.
      assertThat(texts(seen.path("restaurantStates"))).contains("closed", "open");
      assertThat(seen.path("maxRejected").asDouble()).as("bulkhead rejections/s plotted").isPositive();
      assertThat(seen.path("maxFallbacks").asDouble()).as("fallbacks/s plotted").isPositive();
      assertThat(texts(seen.path("foreignRequests"))).as("requests to other origins").isEmpty();

      BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
      assertThat(image.getWidth()).isEqualTo(WIDTH);
      assertThat(share(image, 0x2e9d57)).as("share of green (ok, closed) pixels").isGreaterThan(0.01);
      assertThat(share(image, 0xd64545)).as("share of red (failure, open) pixels").isGreaterThan(0.002);
      assertThat(share(image, 0x8e5bd0)).as("share of purple (bulkhead full) pixels").isGreaterThan(0.0005);
    } finally {
      chromium.destroy();
      if (!chromium.waitFor(10, TimeUnit.SECONDS)) {
        chromium.destroyForcibly();
      }
      deleteTree(profile);
      run.get(120, TimeUnit.SECONDS);
    }
  }

  private static Process startChromium(Path profile) throws IOException {
    String binary = System.getenv().getOrDefault("CHROMIUM", "chromium");
    List<String> command = List.of(binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", "--remote-debugging-port=0", "--remote-allow-origins=*",
        "--user-data-dir=" + profile, "--window-size=" + WIDTH + "," + HEIGHT, "about:blank");
    try {
      return new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile()).start();
    } catch (IOException e) {
      throw new IOException("cannot start '" + binary + "': install Chromium (apt-get install chromium) or set CHROMIUM", e);
    }
  }

  /** The page target's DevTools socket, once Chromium has written its port. */
  private static String pageSocket(Path profile) throws Exception {
    Path portFile = profile.resolve("DevToolsActivePort");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    HttpClient http = HttpClient.newHttpClient();
    while (true) {
      if (Files.exists(portFile)) {
        List<String> lines = Files.readAllLines(portFile, StandardCharsets.UTF_8);
        if (!lines.isEmpty() && !lines.get(0).isBlank()) {
          String list = http.send(HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + lines.get(0).trim() + "/json/list")).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          for (JsonNode target : new ObjectMapper().readTree(list)) {
            if ("page".equals(target.path("type").asText())) {
              return target.path("webSocketDebuggerUrl").asText();
            }
          }
        }
      }
      assertThat(System.nanoTime()).as("Chromium's DevTools port within 30 s").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Share of pixels within a small distance of {@code rgb}. */
  private static double share(BufferedImage image, int rgb) {
    int r = rgb >> 16 & 0xff, g = rgb >> 8 & 0xff, b = rgb & 0xff;
    long hits = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int p = image.getRGB(x, y);
        if (Math.abs((p >> 16 & 0xff) - r) + Math.abs((p >> 8 & 0xff) - g) + Math.abs((p & 0xff) - b) < 40) {
          hits++;
        }
      }
    }
    return hits / (double) (image.getWidth() * image.getHeight());
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
