package dev.rpcproxy.reliability;

import dev.rpcproxy.reliability.proto.Item;
import dev.rpcproxy.reliability.proto.ItemRequest;
import dev.rpcproxy.reliability.proto.ListRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.stream.Stream;

/**
 * The gRPC client the chaos harness drives; GetItem is NO_SIDE_EFFECTS (retried), PutItem is not.
 * ListItems (server-streaming, NO_SIDE_EFFECTS: retried before its first message) is bound twice,
 * as a blocking {@code Stream} and as a {@code Flow.Publisher}.
 */
interface GrpcInventory {
  Item getItem(ItemRequest request);

  CompletableFuture<Item> getItemAsync(ItemRequest request);

  Item putItem(ItemRequest request);

  Stream<Item> listItems(ListRequest request);

  Flow.Publisher<Item> listItemsAsync(ListRequest request);
}
