package dev.rpcproxy;

/**
 * An operator's change to a client's circuit breakers, with the words of Resilience4j's own
 * Actuator endpoint.
 *
 * <pre>{@code
 * RpcProxy.updateBreakers(restaurants, BreakerUpdate.FORCE_OPEN);   // every call fails fast (or falls back)
 * RpcProxy.updateBreakers(restaurants, BreakerUpdate.CLOSE);        // back to normal, with an empty window
 * }</pre>
 */
public enum BreakerUpdate {
  /** Rejects every call with {@link CircuitOpenException} until another update; nothing opens or closes it by itself. */
  FORCE_OPEN,
  /** Closes the breaker with an empty window: calls go through and are recorded again. */
  CLOSE,
  /** Lets every call through and records nothing until another update. */
  DISABLE
}
