package dev.rpcproxy.spring.app;

import dev.rpcproxy.spring.RpcClient;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.util.concurrent.CompletableFuture;

@RpcClient("restaurants")
public interface RestaurantApi {
  @GET
  @Path("/restaurants/{id}")
  Restaurant restaurant(@PathParam("id") long id);

  @GET
  @Path("/restaurants/{id}")
  CompletableFuture<Restaurant> restaurantAsync(@PathParam("id") long id);

  @GET
  @Path("/slow/{id}")
  Restaurant slowRestaurant(@PathParam("id") long id);
}
