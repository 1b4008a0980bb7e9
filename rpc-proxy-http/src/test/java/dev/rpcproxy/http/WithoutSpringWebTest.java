package dev.rpcproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.RpcProxy;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * spring-web is optional: with no Spring jar on the class path, JAX-RS interfaces bind and call,
 * and the Spring parser is never loaded. Runs a scenario in a class loader that sees the test
 * class path minus every {@code spring-*} jar.
 */
class WithoutSpringWebTest {

  @Path("/hello")
  public interface Hello {
    @GET @Path("/{name}")
    String hello(@PathParam("name") String name);
  }

  /** Runs inside the Spring-less class loader. */
  public static final class Scenario {
    public static String run() throws IOException {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/hello", exchange -> {
        byte[] body = ("hi " + exchange.getRequestURI().getPath().substring("/hello/".length()))
            .getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      });
      server.start();
      try (HttpTransport transport = HttpTransport.builder()
          .baseUrl("http://127.0.0.1:" + server.getAddress().getPort()).build()) {
        Hello hello = RpcProxy.builder(Hello.class).transport(transport).build();
        return hello.hello("jax-rs");
      } finally {
        server.stop(0);
      }
    }
  }

  /** Loads everything itself (parent: the platform loader), and tells which classes it loaded. */
  static final class IsolatingLoader extends URLClassLoader {
    IsolatingLoader(URL[] urls) {
      super(urls, ClassLoader.getPlatformClassLoader());
    }

    boolean loaded(String name) {
      return findLoadedClass(name) != null;
    }
  }

  @Test
  void jaxRsWorksWithoutSpringWebAndNoSpringTypeIsLoaded() throws Exception {
    List<URL> urls = new ArrayList<>();
    for (File entry : classPath()) {
      if (!entry.getName().startsWith("spring-")) {
        urls.add(entry.toURI().toURL());
      }
    }
    try (IsolatingLoader loader = new IsolatingLoader(urls.toArray(URL[]::new))) {
      assertThatThrownBy(() -> Class.forName("org.springframework.web.service.annotation.HttpExchange", false, loader))
          .as("spring-web is hidden").isInstanceOf(ClassNotFoundException.class);

      Object answer = Class.forName(Scenario.class.getName(), true, loader).getMethod("run").invoke(null);

      assertThat(answer).isEqualTo("hi jax-rs");
      assertThat(loader.loaded("dev.rpcproxy.http.internal.JaxRsParser")).as("the JAX-RS parser ran").isTrue();
      assertThat(loader.loaded("dev.rpcproxy.http.internal.SpringExchangeParser")).isFalse();
    }
  }

  /** The test class path, with a manifest-only jar (Surefire's) expanded to its Class-Path. */
  private static List<File> classPath() throws IOException {
    List<File> entries = new ArrayList<>();
    for (String path : System.getProperty("java.class.path").split(File.pathSeparator)) {
      File file = new File(path);
      entries.add(file);
      if (file.isFile() && file.getName().endsWith(".jar")) {
        try (JarFile jar = new JarFile(file)) {
          Manifest manifest = jar.getManifest();
          String classPath = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
          if (classPath != null) {
            for (String url : classPath.trim().split("\\s+")) {
              entries.add(new File(file.toURI().resolve(URI.create(url))));
            }
          }
        }
      }
    }
    return entries;
  }
}
