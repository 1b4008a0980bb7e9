package dev.rpcproxy.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  @Test
  void delaySeconds() {
    assertThat(RetryAfter.parse("0", CLOCK)).isEqualTo(Duration.ZERO);
    assertThat(RetryAfter.parse(" 120 ", CLOCK)).isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void httpDateIsMeasuredAgainstTheClock() {
    assertThat(RetryAfter.parse("Thu, 01 Jan 2026 00:00:30 GMT", CLOCK)).isEqualTo(Duration.ofSeconds(30));
    assertThat(RetryAfter.parse("Wed, 31 Dec 2025 23:59:00 GMT", CLOCK)).isEqualTo(Duration.ZERO);
  }

  @Test
  void anythingElseIsIgnored() {
    assertThat(RetryAfter.parse("-5", CLOCK)).isNull();
    assertThat(RetryAfter.parse("soon", CLOCK)).isNull();
    assertThat(RetryAfter.parse("", CLOCK)).isNull();
    assertThat(RetryAfter.parse("99999999999999999999999", CLOCK)).isNull();
  }
}
