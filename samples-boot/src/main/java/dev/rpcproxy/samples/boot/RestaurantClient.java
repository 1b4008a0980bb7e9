package dev.rpcproxy.samples.boot;

import dev.rpcproxy.samples.order.Restaurant;
import dev.rpcproxy.spring.RpcClient;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

/** The restaurant service over REST; settings under {@code rpcproxy.clients.restaurants}. */
@RpcClient("restaurants")
public interface RestaurantClient {
  @GET
  @Path("/restaurants/{id}")
  Restaurant restaurant(@PathParam("id") long id);
}
