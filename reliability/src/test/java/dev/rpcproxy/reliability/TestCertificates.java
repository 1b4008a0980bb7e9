package dev.rpcproxy.reliability;

import okhttp3.tls.HeldCertificate;

/** A self-signed certificate for localhost and 127.0.0.1, made once per test run. */
final class TestCertificates {
  static final HeldCertificate LOCALHOST = new HeldCertificate.Builder()
      .commonName("localhost")
      .addSubjectAlternativeName("localhost")
      .addSubjectAlternativeName("127.0.0.1")
      .build();

  private TestCertificates() {}
}
