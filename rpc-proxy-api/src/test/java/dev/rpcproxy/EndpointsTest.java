package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EndpointsTest {
  private final FakeTime time = new FakeTime();

  @Test
  void fixedListDropsDuplicatesAndKeepsOrder() {
    EndpointSource source = Endpoints.of("http://10.0.0.6:8080", " http://10.0.0.5:8080/v1 ", "http://10.0.0.6:8080");
    assertThat(source.endpoints()).containsExactly(URI.create("http://10.0.0.6:8080"),
        URI.create("http://10.0.0.5:8080/v1"));
    List<List<URI>> seen = new CopyOnWriteArrayList<>();
    source.subscribe(seen::add);
    assertThat(seen).hasSize(1);
  }

  @Test
  void invalidInputsAreRejectedWithClearMessages() {
    assertThatThrownBy(() -> Endpoints.of()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one");
    assertThatThrownBy(() -> Endpoints.of("localhost:8080")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("absolute URI");
    assertThatThrownBy(() -> Endpoints.of("http://a b")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a valid URI");
    assertThatThrownBy(() -> Endpoints.of("grpc://10.0.0.5")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a port");
    assertThatThrownBy(() -> Endpoints.of("http://user:secret@10.0.0.5"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("secret");
    assertThatThrownBy(() -> Endpoints.of("http://10.0.0.5:8080/?q=1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("query");
    assertThatThrownBy(() -> Endpoints.dns("restaurants", 0, "http")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1..65535");
    assertThatThrownBy(() -> Endpoints.dns("restaurants", 65536, "http")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Endpoints.dns("http://restaurants", 80, "http"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bare host name");
    assertThatThrownBy(() -> Endpoints.dns("restaurants", 80, "1http")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scheme");
    assertThatThrownBy(() -> Endpoints.dynamic(List::of, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refreshEvery must be positive");
    assertThatThrownBy(() -> Endpoints.dns("r", 80, "http", h -> null, Duration.ofSeconds(-1), time))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> OutlierEjection.custom().maxEjectionPercent(101))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> OutlierEjection.custom().consecutiveFailures(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> OutlierEjection.custom().baseEjectionTime(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void srvRecordsOfTheLowestPriorityAreTheEndpointsAndAbsenceKeepsTheLastGoodList() {
    AtomicReference<List<Endpoints.SrvRecord>> answer = new AtomicReference<>(List.of(
        Endpoints.SrvRecord.parse("10 60 8080 b.restaurants.internal."),
        Endpoints.SrvRecord.parse("10 20 8081 a.restaurants.internal."),
        Endpoints.SrvRecord.parse("20 10 9090 backup.restaurants.internal.")));
    EndpointSource source = Endpoints.srv("_http._tcp.restaurants.internal", "http", service -> {
      assertThat(service).isEqualTo("_http._tcp.restaurants.internal");
      return answer.get();
    }, Duration.ofSeconds(10), time);

    assertThat(source.endpoints()).as("the priority-20 record is a backup").containsExactly(
        URI.create("http://a.restaurants.internal:8081"), URI.create("http://b.restaurants.internal:8080"));

    answer.set(List.of(Endpoints.SrvRecord.parse("0 0 0 .")));  // "no such service here"
    time.advance(Duration.ofSeconds(10));
    answer.set(List.of());
    time.advance(Duration.ofSeconds(10));
    assertThat(source.endpoints()).hasSize(2);
    assertThat(source.resolutionFailures()).isEqualTo(2);

    answer.set(List.of(Endpoints.SrvRecord.parse("5 1 7000 c.restaurants.internal")));
    time.advance(Duration.ofSeconds(10));
    assertThat(source.endpoints()).containsExactly(URI.create("http://c.restaurants.internal:7000"));
    source.close();

    assertThatThrownBy(() -> Endpoints.SrvRecord.parse("10 60 host"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an SRV record");
    assertThatThrownBy(() -> Endpoints.srv("http://x", "http"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("srv service must be a DNS name");
  }

  @Test
  void dnsIsReResolvedOnScheduleAndAFailureKeepsTheLastGoodList() {
    AtomicReference<Object> answer = new AtomicReference<>(new String[] {"10.0.0.2", "10.0.0.1"});
    Endpoints.HostResolver resolver = host -> {
      assertThat(host).isEqualTo("restaurants.internal");
      Object now = answer.get();
      if (now instanceof UnknownHostException e) {
        throw e;
      }
      String[] ips = (String[]) now;
      InetAddress[] addresses = new InetAddress[ips.length];
      for (int i = 0; i < ips.length; i++) {
        addresses[i] = InetAddress.getByName(ips[i]);
      }
      return addresses;
    };
    EndpointSource source = Endpoints.dns("restaurants.internal", 8080, "http", resolver, Duration.ofSeconds(10), time);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    source.bindTo(registry, "restaurants");
    List<List<URI>> changes = new CopyOnWriteArrayList<>();
    source.subscribe(changes::add);

    assertThat(changes).containsExactly(List.of(URI.create("http://10.0.0.1:8080"), URI.create("http://10.0.0.2:8080")));

    answer.set(new String[] {"10.0.0.1", "10.0.0.2"}); // same set, other order: no change
    time.advance(Duration.ofSeconds(10));
    assertThat(changes).hasSize(1);

    answer.set(new String[] {"10.0.0.3", "::1"});
    time.advance(Duration.ofSeconds(10));
    assertThat(changes).hasSize(2);
    assertThat(source.endpoints()).containsExactly(URI.create("http://10.0.0.3:8080"), URI.create("http://[0:0:0:0:0:0:0:1]:8080"));

    answer.set(new UnknownHostException("restaurants.internal"));
    time.advance(Duration.ofSeconds(10));
    answer.set(new String[0]);
    time.advance(Duration.ofSeconds(10));
    assertThat(source.endpoints()).hasSize(2);
    assertThat(changes).hasSize(2);
    assertThat(source.resolutionFailures()).isEqualTo(2);
    assertThat(registry.get("rpc.client.endpoints.resolution.failures").tag("client", "restaurants")
        .functionCounter().count()).isEqualTo(2.0);
    assertThat(registry.get("rpc.client.endpoints").tag("client", "restaurants").gauge().value()).isEqualTo(2.0);

    answer.set(new String[] {"10.0.0.4"});
    time.advance(Duration.ofSeconds(10));
    assertThat(source.endpoints()).containsExactly(URI.create("http://10.0.0.4:8080"));

    source.close();
    assertThat(time.pendingTasks()).isZero();
  }

  @Test
  void dynamicSourceNotifiesChangesAndSurvivesBadAnswers() {
    AtomicReference<List<URI>> registry = new AtomicReference<>(List.of(URI.create("http://a:1")));
    EndpointSource source = Endpoints.dynamic(() -> {
      List<URI> now = registry.get();
      if (now == null) {
        throw new IllegalStateException("registry down");
      }
      return now;
    }, Duration.ofSeconds(5), time);
    List<List<URI>> changes = new CopyOnWriteArrayList<>();
    EndpointSource.Subscription subscription = source.subscribe(changes::add);

    registry.set(List.of(URI.create("http://a:1"), URI.create("http://b:2")));
    time.advance(Duration.ofSeconds(5));
    registry.set(null);
    time.advance(Duration.ofSeconds(5));
    registry.set(List.of(URI.create("not-absolute")));
    time.advance(Duration.ofSeconds(5));

    assertThat(changes).containsExactly(List.of(URI.create("http://a:1")),
        List.of(URI.create("http://a:1"), URI.create("http://b:2")));
    assertThat(source.resolutionFailures()).isEqualTo(2);

    subscription.close();
    registry.set(List.of(URI.create("http://c:3")));
    time.advance(Duration.ofSeconds(5));
    assertThat(changes).hasSize(2);
    assertThat(source.endpoints()).containsExactly(URI.create("http://c:3"));
  }

  @Test
  void aSourceThatNeverResolvedIsEmptyAndCountsTheFailure() {
    EndpointSource source = Endpoints.dynamic(List::of, Duration.ofSeconds(1), time);
    assertThat(source.endpoints()).isEmpty();
    assertThat(source.resolutionFailures()).isEqualTo(1);
  }
}
