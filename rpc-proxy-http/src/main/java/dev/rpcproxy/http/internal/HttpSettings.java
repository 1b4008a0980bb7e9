package dev.rpcproxy.http.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * What an {@code HttpTransport} was built with, shared by every method it binds. Immutable.
 *
 * @param client the client calls are made with (dispatcher limits already raised)
 * @param baseUrl the URL each method's path is appended to
 * @param objectMapper the JSON codec
 * @param defaultHeaders headers added to every request
 * @param maxResponseBytes the largest response body read
 * @param balancer picks each attempt's endpoint instead of {@code baseUrl}, or {@code null}
 * @param deadlineHeader the header that carries each attempt's milliseconds left, or {@code null}
 */
public record HttpSettings(OkHttpClient client, HttpUrl baseUrl, ObjectMapper objectMapper,
    Headers defaultHeaders, long maxResponseBytes, EndpointBalancer balancer, String deadlineHeader) {

  /** These settings with {@code balancer}. */
  public HttpSettings withBalancer(EndpointBalancer balancer) {
    return new HttpSettings(client, baseUrl, objectMapper, defaultHeaders, maxResponseBytes, balancer, deadlineHeader);
  }
}
