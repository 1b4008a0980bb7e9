package dev.rpcproxy.samples.order;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.util.concurrent.CompletableFuture;

/** The restaurant service's REST API, as the order service uses it (rpc-proxy over OkHttp). */
public interface RestaurantApi {

  /** The restaurant and its menu; a GET, so rpc-proxy may retry it. */
  @GET
  @Path("/restaurants/{id}")
  CompletableFuture<Restaurant> restaurantAsync(@PathParam("id") long id);
}
