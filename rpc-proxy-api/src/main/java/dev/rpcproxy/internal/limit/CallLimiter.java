package dev.rpcproxy.internal.limit;

/**
 * The bound on outstanding calls of a client (or of a method with its own limit): fixed or
 * adaptive. A call takes a permit before its first attempt and returns it when it really ends.
 */
public interface CallLimiter {

  /** Takes a permit if a call may start now; never blocks. */
  boolean tryAcquire();

  /**
   * Takes a permit, waiting at most {@code waitNanos} on the caller's thread (and never longer
   * than the limit's own {@link #maxWaitNanos()}); limits that never wait just try.
   */
  default boolean tryAcquire(long waitNanos) {
    return tryAcquire();
  }

  /** The longest a caller may wait for a permit; zero for limits that never wait. */
  default long maxWaitNanos() {
    return 0;
  }

  /**
   * Returns the permit of a call that took one, exactly once.
   *
   * @param rttNanos the call's duration from permit to end, on the client's {@code TimeSource}
   */
  void release(long rttNanos, Signal signal);

  /** What the call's end tells the limit. */
  enum Signal {
    /** A latency sample. */
    SUCCESS,
    /** A timeout or the service's failure: lower the limit. */
    DROPPED,
    /** The caller's error or a cancellation: no sample. */
    IGNORED
  }

  /** The limit in force now. */
  int limit();

  /** Permits held now. */
  int inFlight();
}
