package dev.rpcproxy.reliability;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.util.concurrent.CompletableFuture;

/** The REST client the chaos harness drives: idempotent reads (sync and async) and a non-idempotent write. */
interface RestInventory {
  @GET
  @Path("/items/{id}")
  ItemDto item(@PathParam("id") long id);

  @GET
  @Path("/items/{id}")
  CompletableFuture<ItemDto> itemAsync(@PathParam("id") long id);

  @POST
  @Path("/items")
  ItemDto put(ItemDto item);
}
