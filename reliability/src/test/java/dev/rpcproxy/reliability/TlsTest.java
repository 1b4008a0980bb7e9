package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import dev.rpcproxy.reliability.proto.InventoryGrpc;
import dev.rpcproxy.reliability.proto.Item;
import dev.rpcproxy.reliability.proto.ItemRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import okhttp3.OkHttpClient;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both transports speak TLS to a server holding a self-signed certificate made here, when the
 * client trusts it; a client that does not trust it fails with the service's (non-caller) failure,
 * never silently in plaintext.
 */
class TlsTest {
  private static final HeldCertificate CERT = TestCertificates.LOCALHOST;
  private static HttpsServer https;
  private static Server grpcServer;

  @BeforeAll
  static void startServers() throws Exception {
    HandshakeCertificates serverCerts = new HandshakeCertificates.Builder().heldCertificate(CERT).build();
    https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(serverCerts.sslContext()));
    https.createContext("/items/", exchange -> {
      byte[] body = "{\"id\":7,\"seq\":1,\"source\":\"tls\",\"payload\":\"secure\"}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    https.start();

    grpcServer = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .sslContext(GrpcSslContexts.forServer(new ByteArrayInputStream(CERT.certificatePem().getBytes(StandardCharsets.US_ASCII)),
            new ByteArrayInputStream(CERT.privateKeyPkcs8Pem().getBytes(StandardCharsets.US_ASCII))).build())
        .addService(new InventoryGrpc.InventoryImplBase() {
          @Override
          public void getItem(ItemRequest request, StreamObserver<Item> observer) {
            observer.onNext(Item.newBuilder().setId(request.getId()).setSource("tls").build());
            observer.onCompleted();
          }
        })
        .build()
        .start();
  }

  @AfterAll
  static void stopServers() throws InterruptedException {
    https.stop(0);
    grpcServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static RestInventory rest(OkHttpClient client) {
    return RpcProxy.builder(RestInventory.class)
        .transport(HttpTransport.builder().baseUrl("https://localhost:" + https.getAddress().getPort()).client(client).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(5)).build())
        .build();
  }

  @Test
  void restOverTlsWithATrustedSelfSignedCertificate() {
    HandshakeCertificates trusting = new HandshakeCertificates.Builder().addTrustedCertificate(CERT.certificate()).build();
    OkHttpClient client = new OkHttpClient.Builder().sslSocketFactory(trusting.sslSocketFactory(), trusting.trustManager()).build();
    try {
      ItemDto item = rest(client).item(7);
      assertThat(item.source()).isEqualTo("tls");
      assertThat(rest(client).itemAsync(7).join().payload()).isEqualTo("secure");
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  @Test
  void restClientThatDoesNotTrustTheCertificateFailsAsATransportFailure() {
    OkHttpClient client = new OkHttpClient(); // the JDK's default trust store: not our certificate
    try {
      Throwable thrown = catchThrowable(() -> rest(client).item(7));

      assertThat(thrown).isInstanceOf(RpcTransportException.class).hasMessageContaining("SSLHandshakeException");
      assertThat(thrown).hasCauseInstanceOf(javax.net.ssl.SSLHandshakeException.class)
          .hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class);
    } finally {
      client.dispatcher().executorService().shutdown();
    }
  }

  @Test
  void grpcOverTlsWithATrustedSelfSignedCertificate() throws SSLException, InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", grpcServer.getPort())
        .sslContext(GrpcSslContexts.forClient()
            .trustManager(new ByteArrayInputStream(CERT.certificatePem().getBytes(StandardCharsets.US_ASCII))).build())
        .build();
    try {
      GrpcInventory client = grpc(channel);
      assertThat(client.getItem(ItemRequest.newBuilder().setId(3).build()).getSource()).isEqualTo("tls");
      assertThat(client.getItemAsync(ItemRequest.newBuilder().setId(4).build()).join().getId()).isEqualTo(4);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void grpcClientThatDoesNotTrustTheCertificateFailsAsTheServicesFailure() throws SSLException, InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", grpcServer.getPort())
        .sslContext(GrpcSslContexts.forClient().build()) // default trust: not our certificate
        .build();
    try {
      Throwable thrown = catchThrowable(() -> grpc(channel).getItem(ItemRequest.newBuilder().setId(3).build()));

      assertThat(thrown).isInstanceOf(RemoteCallException.class);
      RemoteCallException remote = (RemoteCallException) thrown;
      assertThat(remote.status()).isEqualTo("UNAVAILABLE");
      assertThat(remote.isClientError()).isFalse();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void plaintextClientAgainstATlsServerFailsInsteadOfSendingInTheClear() throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", grpcServer.getPort()).usePlaintext().build();
    try {
      Throwable thrown = catchThrowable(() -> grpc(channel).getItem(ItemRequest.newBuilder().setId(3).build()));

      assertThat(thrown).isInstanceOf(RemoteCallException.class);
      assertThat(((RemoteCallException) thrown).isClientError()).isFalse();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static GrpcInventory grpc(ManagedChannel channel) {
    return RpcProxy.builder(GrpcInventory.class)
        .transport(GrpcTransport.builder(channel, InventoryGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(5)).build())
        .build();
  }
}
