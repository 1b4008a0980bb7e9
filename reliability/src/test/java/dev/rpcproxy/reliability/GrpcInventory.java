package dev.rpcproxy.reliability;

import dev.rpcproxy.reliability.proto.Item;
import dev.rpcproxy.reliability.proto.ItemRequest;
import java.util.concurrent.CompletableFuture;

/** The gRPC client the chaos harness drives; GetItem is NO_SIDE_EFFECTS (retried), PutItem is not. */
interface GrpcInventory {
  Item getItem(ItemRequest request);

  CompletableFuture<Item> getItemAsync(ItemRequest request);

  Item putItem(ItemRequest request);
}
