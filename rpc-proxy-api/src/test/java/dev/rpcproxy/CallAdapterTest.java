package dev.rpcproxy;

import static dev.rpcproxy.testing.ScriptedTransport.answer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.spi.CallAdapter;
import dev.rpcproxy.spi.CallShape;
import dev.rpcproxy.spi.MethodContext;
import dev.rpcproxy.testing.ScriptedTransport;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Return types as adapters (issue 24): a module adds a return type with a {@link CallAdapter.Factory}
 * and the core is not touched; the transport is told the adapter's shape and value type.
 */
class CallAdapterTest {
  /** A lazy one-value type, as {@code Mono<T>} is: nothing happens until it is run. */
  interface Lazy<T> {
    CompletableFuture<T> run();
  }

  interface Api {
    Lazy<String> get(String id);

    String plain(String id);
  }

  /** Serves {@code Lazy<T>} as an async call that starts when it is run. */
  static final class LazyAdapters implements CallAdapter.Factory {
    @Override
    public CallAdapter get(Method method, Type returnType) {
      if (!(returnType instanceof ParameterizedType p) || p.getRawType() != Lazy.class) {
        return null;
      }
      Type value = p.getActualTypeArguments()[0];
      return new CallAdapter() {
        @Override
        public CallShape shape() {
          return CallShape.ASYNC;
        }

        @Override
        public Type valueType() {
          return value;
        }

        @Override
        public Object adaptAsync(Supplier<CompletableFuture<Object>> call) {
          return (Lazy<Object>) call::get;
        }
      };
    }
  }

  private final ScriptedTransport transport = new ScriptedTransport();
  private final List<MethodContext> bound = new CopyOnWriteArrayList<>();

  @Test
  void aRegisteredFactoryAddsAReturnTypeThatRunsThroughTheWholePipeline() throws Exception {
    Api api = RpcProxy.builder(Api.class).name("lazy")
        .transport(context -> {
          bound.add(context);
          return transport.bind(context);
        })
        .callAdapter(new LazyAdapters())
        .build();
    transport.then(answer("one"), answer("two"));

    Lazy<String> lazy = api.get("x");
    assertThat(transport.attempts()).as("nothing is sent before the lazy value is run").isEmpty();
    assertThat(lazy.run().get()).isEqualTo("one");
    assertThat(lazy.run().get()).as("each run is one call").isEqualTo("two");
    assertThat(transport.attempts()).hasSize(2);
    assertThat(api.plain("y")).as("other methods keep rpc-proxy's own adapters").isEqualTo("ok");

    MethodContext get = bound.stream().filter(c -> c.method().getName().equals("get")).findFirst().orElseThrow();
    assertThat(get.shape()).isEqualTo(CallShape.ASYNC);
    assertThat(get.valueType()).isEqualTo(String.class);
    MethodContext plain = bound.stream().filter(c -> c.method().getName().equals("plain")).findFirst().orElseThrow();
    assertThat(plain.shape()).isEqualTo(CallShape.BLOCKING);
  }

  @Test
  void aFactoryRefusingAReturnTypeFailsBuildNamingTheMethod() {
    CallAdapter.Factory refusing = (method, type) -> {
      if (method.getName().equals("get")) {
        throw new IllegalArgumentException("Lazy needs a type argument");
      }
      return null;
    };
    assertThatThrownBy(() -> RpcProxy.builder(Api.class).transport(transport).callAdapter(refusing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Api.class.getName() + ".get: Lazy needs a type argument");
  }
}
