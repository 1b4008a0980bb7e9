package dev.rpcproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.RpcProxy;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Declaration errors surface at build(), naming the interface and the method. */
class HttpTransportBindTest {
  record Item(String name) {}

  interface NoVerb {
    @Path("/items")
    Item find();
  }

  interface UnknownTemplateVariable {
    @GET @Path("/items/{id}/parts/{part}")
    Item part(@PathParam("id") String id);
  }

  interface PathParamWithoutVariable {
    @GET @Path("/items/{id}")
    Item item(@PathParam("id") String id, @PathParam("other") String other);
  }

  interface TwoBodies {
    @POST @Path("/items")
    Item create(Item first, Item second);
  }

  interface BodyOnGet {
    @GET @Path("/items")
    Item search(Item query);
  }

  interface BodyOnHead {
    @HEAD @Path("/items")
    void probe(Item query);
  }

  interface TwoVerbs {
    @GET @POST @Path("/items")
    Item both();
  }

  interface PojoQueryParam {
    @GET @Path("/items")
    List<Item> search(@QueryParam("filter") Item filter);
  }

  interface StreamReturn {
    @GET @Path("/items")
    InputStream stream();
  }

  interface OptionalReturn {
    @GET @Path("/items")
    Optional<Item> maybe();
  }

  interface GenericReturn {
    @GET @Path("/items")
    <T> T anything();
  }

  interface HeadWithValue {
    @HEAD @Path("/items")
    Item head();
  }

  interface FormParams {
    @POST @Path("/items") @jakarta.ws.rs.Consumes("application/json")
    Item form(@FormParam("name") String name);
  }

  interface TextBodyOfPojo {
    @POST @Path("/items") @jakarta.ws.rs.Consumes("text/plain")
    Item create(Item item);
  }

  interface FormAndBody {
    @POST @Path("/items")
    Item create(@FormParam("name") String name, Item item);
  }

  interface FormOnGet {
    @GET @Path("/items")
    Item find(@FormParam("name") String name);
  }

  interface ContextParam {
    @GET @Path("/items")
    Item find(@jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo info);
  }

  public static class NoParams {
    public String name;
  }

  interface EmptyBean {
    @GET @Path("/items")
    Item find(@jakarta.ws.rs.BeanParam NoParams params);
  }

  interface MultipartPojo {
    @POST @Path("/items") @jakarta.ws.rs.Consumes("multipart/form-data")
    Item create(Item item);
  }

  private static final HttpTransport TRANSPORT = HttpTransport.builder().baseUrl("http://127.0.0.1:1").build();

  @Test
  void missingHttpMethodAnnotation() {
    assertRejected(NoVerb.class, "NoVerb.find", "no HTTP method annotation");
  }

  @Test
  void templateVariableWithoutPathParam() {
    assertRejected(UnknownTemplateVariable.class, "UnknownTemplateVariable.part", "{part}");
  }

  @Test
  void pathParamNamingNoTemplateVariable() {
    assertRejected(PathParamWithoutVariable.class, "PathParamWithoutVariable.item", "@PathParam(\"other\")");
  }

  @Test
  void twoBodies() {
    assertRejected(TwoBodies.class, "TwoBodies.create", "two body parameters");
  }

  @Test
  void bodyOnGetOrHead() {
    assertRejected(BodyOnGet.class, "BodyOnGet.search", "GET requests have no body");
    assertRejected(BodyOnHead.class, "BodyOnHead.probe", "HEAD requests have no body");
  }

  @Test
  void twoHttpMethods() {
    assertRejected(TwoVerbs.class, "TwoVerbs.both", "two HTTP method annotations");
  }

  @Test
  void unsupportedParameterAndReturnTypes() {
    assertRejected(PojoQueryParam.class, "PojoQueryParam.search", "@QueryParam(\"filter\")");
    assertRejected(StreamReturn.class, "StreamReturn.stream", "InputStream is not supported");
    assertRejected(OptionalReturn.class, "OptionalReturn.maybe", "is not supported");
    assertRejected(GenericReturn.class, "GenericReturn.anything", "use a concrete type");
    assertRejected(HeadWithValue.class, "HeadWithValue.head", "declare the method void");
    assertRejected(FormParams.class, "FormParams.form", "@FormParam(\"name\") needs @Consumes");
    assertRejected(TextBodyOfPojo.class, "TextBodyOfPojo.create", "must be a String or byte[]");
  }

  @Test
  void formFieldsTakeTheBodyOfAMethodThatHasOne() {
    assertRejected(FormAndBody.class, "FormAndBody.create", "parameter 2 (item)) and form fields");
    assertRejected(FormOnGet.class, "FormOnGet.find", "GET requests have no body");
    assertRejected(MultipartPojo.class, "MultipartPojo.create", "the body must be a List<EntityPart>");
  }

  @Test
  void serverOnlyAndEmptyDeclarationsNameTheParameter() {
    assertRejected(ContextParam.class, "ContextParam.find", "parameter 1 (info): @Context");
    assertRejected(EmptyBean.class, "EmptyBean.find", "@BeanParam NoParams has no field or setter");
  }

  @Test
  void builderValidatesItsSettings() {
    assertThatThrownBy(() -> HttpTransport.builder().baseUrl("ftp://example.com"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http");
    assertThatThrownBy(() -> HttpTransport.builder().baseUrl("not a url"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HttpTransport.builder().baseUrl("http://h/x?q=1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query");
    assertThatThrownBy(() -> HttpTransport.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("baseUrl");
    assertThatThrownBy(() -> HttpTransport.builder().maxResponseBytes(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HttpTransport.builder().header("Authorization", "Bearer s3cret\nInjected: x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Authorization")
        .hasMessageNotContaining("s3cret");
  }

  private static void assertRejected(Class<?> api, String method, String why) {
    assertThatThrownBy(() -> RpcProxy.builder(api).transport(TRANSPORT).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(method)
        .hasMessageContaining(why)
        .satisfies(e -> assertThat(e.getMessage().indexOf(method))
            .as("the method is named once, not prefixed twice: %s", e.getMessage())
            .isEqualTo(e.getMessage().lastIndexOf(method)));
  }
}
