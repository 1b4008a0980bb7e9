package dev.rpcproxy.spring.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What one client bean created and must close with it (channels, endpoint sources), closed in reverse order. */
final class Resources implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Resources.class);

  private final Deque<AutoCloseable> owned = new ArrayDeque<>();

  <T extends AutoCloseable> T add(T resource) {
    owned.push(resource);
    return resource;
  }

  @Override
  public void close() {
    while (!owned.isEmpty()) {
      AutoCloseable next = owned.pop();
      try {
        next.close();
      } catch (Exception e) {
        log.warn("closing {} failed", next, e);
      }
    }
  }
}
