package dev.rpcproxy.internal.discovery;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Checks and normalises endpoint URIs. */
public final class EndpointUris {
  private EndpointUris() {}

  /**
   * Parses one endpoint.
   *
   * @throws IllegalArgumentException if it is not a valid endpoint (see {@link #check})
   */
  public static URI parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("an endpoint must not be null or blank");
    }
    try {
      return check(new URI(text.trim()));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("endpoint is not a valid URI: " + e.getReason() + " at index " + e.getIndex());
    }
  }

  /**
   * {@code uri}, if it is an absolute URI with a host, a port (or the default of http/https), and
   * no user info, query or fragment.
   *
   * @throws IllegalArgumentException saying what is wrong (never repeating user info)
   */
  public static URI check(URI uri) {
    if (uri == null) {
      throw new IllegalArgumentException("an endpoint must not be null");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("endpoint must not carry user info (credentials)");
    }
    if (!uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null) {
      throw new IllegalArgumentException("endpoint '" + uri
          + "' must be an absolute URI with a scheme and a host, like http://10.0.0.5:8080");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("endpoint '" + uri + "' must not have a query or fragment");
    }
    if (port(uri) < 0) {
      throw new IllegalArgumentException("endpoint '" + uri + "' needs a port (only http and https have a default)");
    }
    return uri;
  }

  /** The URI's port, or 80/443 for http/https without one, or -1. */
  public static int port(URI uri) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    return switch (scheme) {
      case "http" -> 80;
      case "https" -> 443;
      default -> -1;
    };
  }

  /**
   * Checks every URI and drops duplicates, keeping the first occurrence's order.
   *
   * @throws IllegalArgumentException if one of them is not a valid endpoint
   */
  public static List<URI> checkAll(Collection<URI> uris) {
    Set<URI> unique = new LinkedHashSet<>();
    for (URI uri : uris) {
      unique.add(check(uri));
    }
    return List.copyOf(new ArrayList<>(unique));
  }
}
