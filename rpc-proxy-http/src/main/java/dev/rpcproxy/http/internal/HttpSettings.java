package dev.rpcproxy.http.internal;

import dev.rpcproxy.http.BodyCodec;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * What an {@code HttpTransport} was built with, shared by every method it binds. Immutable.
 *
 * @param client the client calls are made with (dispatcher limits already raised)
 * @param baseUrl the URL each method's path is appended to
 * @param codecs makes the JSON codec of each body and value type, or {@code null} if there is none
 * @param defaultHeaders headers added to every request
 * @param maxResponseBytes the largest response body read
 * @param balancer picks each attempt's endpoint instead of {@code baseUrl}, or {@code null}
 * @param deadlineHeader the header that carries each attempt's milliseconds left, or {@code null}
 * @param errorBodyChars how many characters of an error response's body go into its exception
 *     (0: none)
 */
public record HttpSettings(OkHttpClient client, HttpUrl baseUrl, BodyCodec.Factory codecs,
    Headers defaultHeaders, long maxResponseBytes, EndpointBalancer balancer, String deadlineHeader,
    int errorBodyChars) {

  /** These settings with {@code balancer}. */
  public HttpSettings withBalancer(EndpointBalancer balancer) {
    return new HttpSettings(client, baseUrl, codecs, defaultHeaders, maxResponseBytes, balancer, deadlineHeader,
        errorBodyChars);
  }
}
