package dev.rpcproxy.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every metric the Grafana dashboard queries exists in what the demo's {@code /metrics} endpoint
 * serves, and the built-in dashboard page is served whole, with nothing to fetch from elsewhere.
 */
class GrafanaDashboardTest {
  static final Path GRAFANA_JSON = Path.of("grafana", "rpc-proxy-dashboard.json");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,");
  private static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
      "on", "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  @Timeout(60)
  void everyMetricTheDashboardQueriesIsScraped() throws Exception {
    Set<String> queried = metricsQueriedBy(new ObjectMapper().readTree(GRAFANA_JSON.toFile()));
    assertThat(queried).as("metric names found in the dashboard's queries").contains(
        "resilience4j_circuitbreaker_state", "rpc_client_calls_seconds_count", "rpc_client_calls_seconds_bucket",
        "rpc_client_concurrency_limit", "rpc_client_concurrency_in_flight",
        "rpc_client_fallbacks_total", "rpc_client_attempts_total", "rpc_client_stream_messages_total");

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Demo demo = new Demo(DemoOptions.parse("--scenario", "healthy", "--duration", "2", "--port", "0"), registry,
        new PrintStream(System.out, true));
    CompletableFuture<List<PhaseResult>> run = CompletableFuture.supplyAsync(() -> {
      try {
        return demo.run();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try {
      String base = demo.dashboardUrl().get(30, TimeUnit.SECONDS);
      String scrape = scrapeOnceOrdersWerePlaced(base + "metrics");
      Set<String> scraped = sampleNames(scrape);
      assertThat(scraped).as("metric names in the scrape").containsAll(queried);

      HttpResponse<String> page = get(base);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
      assertThat(page.body()).contains("<canvas", "fetch(\"metrics\"", "parsePrometheus")
          .doesNotContain("http://", "https://", "//cdn", "<link ", "src=\"");
    } finally {
      run.get(60, TimeUnit.SECONDS);
    }
  }

  /** Polls the endpoint (bounded) until the load generator's first orders show, and returns that scrape. */
  private String scrapeOnceOrdersWerePlaced(String url) throws Exception {
    Pattern placed = Pattern.compile("(?m)^demo_orders_seconds_count\\{outcome=\"placed\"[^}]*} ([0-9.eE+]+)");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      HttpResponse<String> response = get(url);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
          t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
      Matcher m = placed.matcher(response.body());
      if (m.find() && Double.parseDouble(m.group(1)) > 0) {
        return response.body();
      }
      assertThat(System.nanoTime()).as("orders placed within 20 s").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The metric names of every panel query and template variable query. */
  static Set<String> metricsQueriedBy(JsonNode dashboard) {
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("expr").asText());
      }
    }
    Set<String> names = new TreeSet<>();
    for (String expr : queries) {
      names.addAll(metricNames(expr));
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      Matcher m = LABEL_VALUES.matcher(variable.path("definition").asText());
      if (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /**
   * The metric names in a PromQL expression: identifiers left once strings, label matchers,
   * ranges and grouping label lists are removed, that are not functions or keywords.
   */
  static Set<String> metricNames(String expr) {
    String s = expr
        .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
        .replaceAll("\\{[^}]*}", " ")
        .replaceAll("\\[[^\\]]*]", " ")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(s);
    while (m.find()) {
      int before = m.start() - 1;
      if (before >= 0 && (Character.isDigit(s.charAt(before)) || s.charAt(before) == '.')) {
        continue; // the exponent of a number
      }
      int after = m.end();
      while (after < s.length() && Character.isWhitespace(s.charAt(after))) {
        after++;
      }
      if ((after < s.length() && s.charAt(after) == '(') || PROMQL_WORDS.contains(m.group())) {
        continue;
      }
      names.add(m.group());
    }
    return names;
  }

  /** The names of the samples in a Prometheus text-format scrape. */
  static Set<String> sampleNames(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int end = 0;
      while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
        end++;
      }
      names.add(line.substring(0, end));
    }
    return names;
  }

  @Test
  void theQueryParserFindsMetricsAndNothingElse() {
    assertThat(metricNames("histogram_quantile(0.99, sum by (client, le) (rate(rpc_client_calls_seconds_bucket"
        + "{client=~\"$client\"}[$__rate_interval])))")).containsExactly("rpc_client_calls_seconds_bucket");
    assertThat(metricNames("1 - a_total{name=~\"x\"} / on (name) b_max + 2 * max by (name) (c{state=\"open\"})"))
        .containsExactly("a_total", "b_max", "c");
  }
}
