package dev.rpcproxy.http.internal;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.Headers;
import okhttp3.MediaType;

/**
 * What one method's annotations say about its request, in the terms of neither annotation
 * family: each family's parser ({@link JaxRsParser}, {@link SpringExchangeParser}) fills one in,
 * and {@link ContractParser#bind} turns it into the same {@link HttpBinding}. Used while binding only.
 */
final class RequestPlan {
  /** The HTTP method, e.g. {@code GET}. */
  String verb;
  /** The path template, its variables still unresolved. */
  PathTemplate path;
  /** Encoded query text fixed by the template ({@code /items?sort=name}), or {@code null}. */
  String fixedQuery;
  /** The value of each path variable. */
  final Map<String, ArgumentValue> pathValues = new LinkedHashMap<>();
  /** Query parameters, headers, cookies, matrix parameters, form fields and parts. */
  final List<ParameterBinder> binders = new ArrayList<>();
  /** Headers every request of the method carries (the transport's, then the annotations'). */
  Headers.Builder headers;
  /** The {@code Accept} the annotations declare, or {@code null}. */
  String accept;
  /** The body's content type the annotations declare, or {@code null}. */
  MediaType contentType;
  /** The body argument, or {@code null}. */
  ArgumentValue body;
  /** The body argument's declared type. */
  Type bodyType;
  /** What to call the body parameter in messages, e.g. {@code parameter 2 (order)}. */
  String bodyLabel;
}
