package dev.rpcproxy.reliability;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers of STYLE.md point 3, as rules over the published modules' main classes: public API
 * ({@code dev.rpcproxy}, {@code .http}, {@code .grpc}), the SPI, and each module's
 * {@code internal} packages, which no other module may use.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(location -> !location.contains("-tests.jar")) // the api test-jar's helpers
        .importPackages("dev.rpcproxy");
  }

  @Test
  void theCoresInternalsAreUsedOnlyByTheCore() {
    ArchRule rule = noClasses().that().resideOutsideOfPackages("dev.rpcproxy", "dev.rpcproxy.internal..")
        .and().resideInAPackage("dev.rpcproxy..")
        .should().dependOnClassesThat().resideInAPackage("dev.rpcproxy.internal..")
        .because("only rpc-proxy-api's own public classes may reach into its internals");
    rule.check(classes);
  }

  @Test
  void eachTransportsInternalsAreUsedOnlyByThatTransport() {
    for (String module : new String[] {"http", "grpc"}) {
      noClasses().that().resideOutsideOfPackage("dev.rpcproxy." + module + "..")
          .should().dependOnClassesThat().resideInAPackage("dev.rpcproxy." + module + ".internal..")
          .because("a module's internal package is not part of its API")
          .check(classes);
    }
  }

  @Test
  void theSpiDependsOnTheApiOnly() {
    noClasses().that().resideInAPackage("dev.rpcproxy.spi..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.rpcproxy.internal..", "dev.rpcproxy.http..",
            "dev.rpcproxy.grpc..")
        .check(classes);
  }

  @Test
  void theCoreKnowsNoTransport() {
    noClasses().that().resideInAnyPackage("dev.rpcproxy", "dev.rpcproxy.spi..", "dev.rpcproxy.internal..")
        .should().dependOnClassesThat().resideInAnyPackage("okhttp3..", "okio..", "io.grpc..",
            "com.fasterxml.jackson..", "jakarta.ws.rs..", "com.google.protobuf..",
            "dev.rpcproxy.http..", "dev.rpcproxy.grpc..")
        .because("rpc-proxy-api depends on Resilience4j, Micrometer, SLF4J and Caffeine only")
        .check(classes);
  }

  /**
   * Another library's {@code internal} package (Resilience4j's, OkHttp's {@code okhttp3.internal},
   * grpc-java's {@code io.grpc.internal}...) is not its API: it changes in any release and breaks
   * the version ranges rpc-proxy supports (STYLE.md point 19). Every module's main classes use
   * public API only (checked to fail with the CircuitBreakerStateMachine import rpc-proxy-api had).
   */
  @Test
  void noThirdPartyInternalPackages() {
    noClasses().that().resideInAPackage("dev.rpcproxy..")
        .should().dependOnClassesThat(THIRD_PARTY_INTERNAL)
        .because("another library's internal package is not its API and changes without notice")
        .check(classes);
  }

  @Test
  void theInternalRuleTellsAThirdPartyInternalClassFromRpcProxysOwn() {
    assertTrue(THIRD_PARTY_INTERNAL.test(new ClassFileImporter().importClass(io.grpc.internal.GrpcUtil.class)));
    assertFalse(THIRD_PARTY_INTERNAL.test(classes.get(dev.rpcproxy.http.internal.ClassPathCodec.class)));
    assertFalse(THIRD_PARTY_INTERNAL.test(classes.get(dev.rpcproxy.http.HttpTransport.class)));
  }

  /** A class in a package with an {@code internal} segment that is neither rpc-proxy's nor the JDK's. */
  static final DescribedPredicate<JavaClass> THIRD_PARTY_INTERNAL = resideInAPackage("..internal..")
      .and(not(resideInAnyPackage("dev.rpcproxy..", "java..", "javax..", "jdk..", "sun..", "com.sun..")))
      .as("a third-party internal package");

  @Test
  void transportsDoNotDependOnEachOther() {
    noClasses().that().resideInAPackage("dev.rpcproxy.http..")
        .should().dependOnClassesThat().resideInAPackage("dev.rpcproxy.grpc..").check(classes);
    noClasses().that().resideInAPackage("dev.rpcproxy.grpc..")
        .should().dependOnClassesThat().resideInAPackage("dev.rpcproxy.http..").check(classes);
  }
}
