package dev.rpcproxy.spring.internal;

import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.http.BodyCodec;
import dev.rpcproxy.http.HttpTransport;
import dev.rpcproxy.http.Jackson2CodecFactory;
import dev.rpcproxy.http.Jackson3CodecFactory;
import dev.rpcproxy.spi.Transport;
import dev.rpcproxy.spring.RpcProxyProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.ClassUtils;

/**
 * Builds the {@code HttpTransport} of a REST client from its properties, with the context's
 * {@code OkHttpClient} (if there is exactly one) and JSON mapper (Boot's Jackson 3
 * {@code JsonMapper}, else a Jackson 2 {@code ObjectMapper} bean, else the transport's default).
 * The first REST client of the JVM also runs {@link RestWarmUp}. Loaded only when rpc-proxy-http
 * is on the class path.
 */
final class RestTransports {
  private RestTransports() {}

  static Transport create(String prefix, RpcProxyProperties.Client client, RpcProxyProperties.Defaults defaults,
      ListableBeanFactory beans, MeterRegistry registry, Resources owned, ClassLoader classLoader) {
    HttpTransport.Builder http = HttpTransport.builder();
    EndpointSource endpoints = EndpointSettings.source(prefix + ".endpoints", client.getEndpoints(), beans, owned);
    String baseUrl = client.getBaseUrl();
    if (baseUrl != null && endpoints != null) {
      throw new InvalidConfigurationPropertyValueException(prefix + ".endpoints", client.getEndpoints(),
          "set base-url or endpoints, not both");
    }
    if (baseUrl == null && endpoints == null) {
      throw new InvalidConfigurationPropertyValueException(prefix + ".base-url", null,
          "a REST client needs base-url (or endpoints)");
    }
    if (baseUrl != null) {
      new Setting<>(prefix + ".base-url", baseUrl, 0).applyTo(http::baseUrl);
    } else {
      http.endpoints(endpoints);
    }
    Map<String, String> headers = new LinkedHashMap<>(defaults.getHeaders());
    headers.putAll(client.getHeaders());
    headers.forEach((name, value) -> {
      String where = (client.getHeaders().containsKey(name) ? prefix : "rpcproxy.defaults") + ".headers." + name;
      new Setting<>(where, value, 0).applyTo(v -> http.header(name, v));
    });
    OkHttpClient okHttp = beans.getBeanProvider(OkHttpClient.class).getIfUnique();
    if (okHttp != null) {
      http.client(okHttp);
    }
    BodyCodec.Factory codecs = ClassUtils.isPresent("tools.jackson.databind.json.JsonMapper", classLoader)
        ? Jackson3.codecs(beans) : null;
    if (codecs == null && ClassUtils.isPresent("com.fasterxml.jackson.databind.ObjectMapper", classLoader)) {
      codecs = Jackson2.codecs(beans);
    }
    if (codecs != null) {
      http.codec(codecs);
    }
    if (registry != null) {
      http.meterRegistry(registry);
    }
    RestWarmUp.once(codecs);
    return http.build();
  }

  /** Touches Jackson 3 types only when Jackson 3 is present. */
  private static final class Jackson3 {
    static BodyCodec.Factory codecs(ListableBeanFactory beans) {
      tools.jackson.databind.json.JsonMapper mapper =
          beans.getBeanProvider(tools.jackson.databind.json.JsonMapper.class).getIfUnique();
      return mapper == null ? null : Jackson3CodecFactory.create(mapper);
    }
  }

  /** Touches Jackson 2 types only when Jackson 2 is present. */
  private static final class Jackson2 {
    static BodyCodec.Factory codecs(ListableBeanFactory beans) {
      com.fasterxml.jackson.databind.ObjectMapper mapper =
          beans.getBeanProvider(com.fasterxml.jackson.databind.ObjectMapper.class).getIfUnique();
      return mapper == null ? null : Jackson2CodecFactory.create(mapper);
    }
  }
}
