package dev.rpcproxy.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.FailureClassifier;
import dev.rpcproxy.FailureClassifier.Verdict;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.TimeSource;
import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.AttemptKind;
import java.util.Map;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The gRPC status table of {@code GrpcTransport}'s Javadoc, code by code. */
class StatusTranslatorTest {
  private static final AttemptContext DEADLINE = AttemptContext.first(TimeSource.system(), Duration.ofMillis(250));
  private static final FailureClassifier CLASSIFIER = FailureClassifier.standard();

  private static RuntimeException translate(Throwable failure) {
    return StatusTranslator.translate("tickets", "getTicket", DEADLINE, failure);
  }

  private static StatusRuntimeException withPushback(Status status, String millis) {
    Metadata trailers = new Metadata();
    trailers.put(StatusTranslator.RETRY_PUSHBACK_MS, millis);
    return status.asRuntimeException(trailers);
  }

  @ParameterizedTest
  @EnumSource(names = {"INVALID_ARGUMENT", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
      "UNAUTHENTICATED", "FAILED_PRECONDITION", "OUT_OF_RANGE", "UNIMPLEMENTED"})
  void callerErrors(Status.Code code) {
    StatusRuntimeException failure = Status.fromCode(code).withDescription("bad").asRuntimeException();

    RuntimeException e = translate(failure);

    assertThat(e).isInstanceOfSatisfying(RemoteCallException.class, r -> {
      assertThat(r.status()).isEqualTo(code.name());
      assertThat(r.isClientError()).isTrue();
      assertThat(r.isRetryable()).isFalse();
      assertThat(r.detail()).hasValue("bad");
    }).hasCause(failure);
    assertThat(CLASSIFIER.classify(e)).isEqualTo(Verdict.CALLER_ERROR);
  }

  @ParameterizedTest
  @EnumSource(names = {"UNAVAILABLE", "ABORTED"})
  void retryableFailures(Status.Code code) {
    RuntimeException e = translate(Status.fromCode(code).asRuntimeException());

    assertThat(e).isInstanceOfSatisfying(RemoteCallException.class, r -> {
      assertThat(r.status()).isEqualTo(code.name());
      assertThat(r.isClientError()).isFalse();
      assertThat(r.isRetryable()).isTrue();
    });
    assertThat(CLASSIFIER.classify(e)).isEqualTo(Verdict.RETRYABLE_FAILURE);
  }

  @ParameterizedTest
  @EnumSource(names = {"RESOURCE_EXHAUSTED", "INTERNAL", "UNKNOWN", "DATA_LOSS", "CANCELLED", "OK"})
  void nonRetryableFailures(Status.Code code) {
    RuntimeException e = translate(Status.fromCode(code).asRuntimeException());

    assertThat(e).isInstanceOfSatisfying(RemoteCallException.class, r -> {
      assertThat(r.status()).isEqualTo(code.name());
      assertThat(r.isClientError()).isFalse();
      assertThat(r.isRetryable()).isFalse();
      assertThat(r.retryAfter()).isEmpty();
    });
    assertThat(CLASSIFIER.classify(e)).isEqualTo(Verdict.FAILURE);
  }

  @Test
  void deadlineExceededIsATimeoutOfTheWholeCall() {
    StatusRuntimeException failure = Status.DEADLINE_EXCEEDED.asRuntimeException();
    long passed = System.nanoTime() - 750_000_000L;
    AttemptContext spent = new AttemptContext(TimeSource.system(), passed, passed, 250_000_000L, 1, AttemptKind.FIRST, null, Map.of());

    assertThat(StatusTranslator.translate("tickets", "createTicket", spent, failure)).isInstanceOfSatisfying(RpcTimeoutException.class,
        t -> assertThat(t.timeout()).isEqualTo(Duration.ofMillis(250))).hasCause(failure);
  }

  @Test
  void deadlineExceededWithOurDeadlineStillAheadIsTheServersFailure() {
    StatusRuntimeException failure = Status.DEADLINE_EXCEEDED.withDescription("downstream slow").asRuntimeException();
    AttemptContext ahead = AttemptContext.first(TimeSource.system(), Duration.ofSeconds(30));

    assertThat(StatusTranslator.translate("tickets", "createTicket", ahead, failure))
        .isInstanceOfSatisfying(RemoteCallException.class, r -> {
          assertThat(r.status()).isEqualTo("DEADLINE_EXCEEDED");
          assertThat(r.isClientError()).isFalse();
          assertThat(r.isRetryable()).isFalse();
        });
  }

  @Test
  void statusIsFoundAsACauseAndAsACheckedStatusException() {
    Throwable wrapped = new CompletionException(new ExecutionException(Status.UNAVAILABLE.asException()));

    assertThat(translate(wrapped)).isInstanceOfSatisfying(RemoteCallException.class,
        r -> assertThat(r.status()).isEqualTo("UNAVAILABLE")).hasCause(wrapped);
  }

  @Test
  void anythingWithoutAStatusIsANonRetryableTransportFailure() {
    IllegalStateException failure = new IllegalStateException("marshaller broke");

    assertThat(translate(failure)).isInstanceOfSatisfying(RpcTransportException.class,
        t -> assertThat(t.isRetryable()).isFalse()).hasCause(failure);
  }

  @Test
  void nonNegativePushbackSetsRetryAfter() {
    RemoteCallException unavailable = (RemoteCallException) translate(withPushback(Status.UNAVAILABLE, "150"));
    RemoteCallException exhausted = (RemoteCallException) translate(withPushback(Status.RESOURCE_EXHAUSTED, "0"));

    assertThat(unavailable.isRetryable()).isTrue();
    assertThat(unavailable.retryAfter()).hasValue(Duration.ofMillis(150));
    assertThat(exhausted.isRetryable()).as("the server said when to come back").isTrue();
    assertThat(exhausted.retryAfter()).hasValue(Duration.ZERO);
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "soon", ""})
  void negativeOrUnreadablePushbackForbidsRetry(String pushback) {
    RemoteCallException e = (RemoteCallException) translate(withPushback(Status.UNAVAILABLE, pushback));

    assertThat(e.isRetryable()).isFalse();
    assertThat(e.retryAfter()).isEmpty();
  }

  @Test
  void pushbackDoesNotMakeCallerErrorsRetryable() {
    RemoteCallException e = (RemoteCallException) translate(withPushback(Status.NOT_FOUND, "10"));

    assertThat(e.isClientError()).isTrue();
    assertThat(e.isRetryable()).isFalse();
  }

  @Test
  void longDescriptionsAreTruncatedTo256Characters() {
    String description = "x".repeat(10_000);

    RemoteCallException e = (RemoteCallException) translate(Status.INTERNAL.withDescription(description).asRuntimeException());

    assertThat(e.detail()).get().asString().hasSize(256).endsWith("...");
    assertThat(e.getMessage().length()).isLessThan(400);
  }

  @Test
  void noDescriptionMeansNoDetail() {
    RemoteCallException e = (RemoteCallException) translate(Status.UNAVAILABLE.asRuntimeException());

    assertThat(e.detail()).isEmpty();
    assertThat(e.getMessage()).isEqualTo("tickets.getTicket failed with status UNAVAILABLE");
  }
}
