package dev.rpcproxy;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an interface method as safe to repeat, so a {@link RetryPolicy} may retry it even when
 * its transport would not (HTTP POST, a gRPC method not declared idempotent, a direct target).
 *
 * <pre>{@code
 * @Idempotent @POST @Path("/orders/{id}/confirm")
 * Order confirm(@PathParam("id") String id);
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Idempotent {}
