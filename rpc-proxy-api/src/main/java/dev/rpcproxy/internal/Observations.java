package dev.rpcproxy.internal;

import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.AttemptKind;
import io.micrometer.observation.Observation;
import io.micrometer.observation.transport.SenderContext;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * Micrometer Observations of calls and attempts: {@code rpc.client.call} (low-cardinality keys
 * {@code client}, {@code method}, {@code outcome}) and, under it, {@code rpc.client.attempt}
 * ({@code kind}; the attempt number and endpoint as high-cardinality keys). An attempt's
 * observation is a {@link SenderContext} whose carrier is a header map: a tracing handler writes
 * the trace context into it, and the transport sends those headers (HTTP headers, gRPC metadata).
 * Used only when the client has an {@code ObservationRegistry}.
 *
 * <p>Observation is a listener: it never decides anything, and turning it on changes neither the
 * engine nor the thread an attempt runs on (a blocking call's attempts stay on the caller's
 * thread, where its MDC and security context are).
 */
final class Observations {
  static final String CALL = "rpc.client.call";
  static final String ATTEMPT = "rpc.client.attempt";

  private Observations() {}

  static Observation startCall(MethodPlan plan) {
    return Observation.createNotStarted(CALL, plan.observations)
        .contextualName(plan.client + "." + plan.methodName)
        .lowCardinalityKeyValue("client", plan.client)
        .lowCardinalityKeyValue("method", plan.methodName)
        .start();
  }

  static void stopCall(Observation call, Outcome outcome, Throwable failure) {
    call.lowCardinalityKeyValue("outcome", outcome.tag());
    if (failure != null) {
      call.error(failure);
    }
    call.stop();
  }

  static Observation startAttempt(MethodPlan plan, Observation call, AttemptKind kind, int number) {
    SenderContext<Map<String, String>> context = new SenderContext<>((carrier, key, value) -> {
      if (carrier != null) {
        carrier.put(key, value);
      }
    });
    context.setCarrier(new HashMap<>());
    context.setRemoteServiceName(plan.client);
    Observation attempt = Observation.createNotStarted(ATTEMPT, () -> context, plan.observations)
        .contextualName(plan.client + "." + plan.methodName + " " + kind.tag())
        .parentObservation(call)
        .lowCardinalityKeyValue("client", plan.client)
        .lowCardinalityKeyValue("method", plan.methodName)
        .lowCardinalityKeyValue("kind", kind.tag())
        .highCardinalityKeyValue("attempt", Integer.toString(number));
    // The call's scope is open while the attempt starts: a tracing handler takes the span in scope
    // over parentObservation when they differ, so without it the first attempt (started on the
    // caller's thread, inside the caller's span) would become a sibling of its own call (issue 23).
    try (Observation.Scope scope = call.openScope()) {
      return attempt.start();
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> headers(Observation attempt) {
    Map<String, String> carrier = ((SenderContext<Map<String, String>>) attempt.getContext()).getCarrier();
    return carrier == null ? Map.of() : Map.copyOf(carrier);
  }

  static void stopAttempt(Observation attempt, AttemptContext context, Throwable failure) {
    URI endpoint = context.endpoint();
    if (endpoint != null) {
      attempt.highCardinalityKeyValue("endpoint", endpoint.getHost() + ":" + endpoint.getPort());
    }
    if (failure != null) {
      attempt.error(failure);
    }
    attempt.stop();
  }
}
