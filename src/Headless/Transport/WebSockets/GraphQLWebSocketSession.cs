using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using Headless.Audit;
using Headless.Auth;
using Headless.Data;
using Headless.GraphQL;
using Headless.RateLimiting;
using Headless.Shared;
using Microsoft.AspNetCore.RateLimiting;

namespace Headless.Transport.WebSockets;

/// <summary>
/// One graphql-transport-ws connection: the protocol's state machine (init, ack, subscribe, next, error, complete,
/// ping, pong and the 44xx close codes), one task per operation so a long execution never holds up the socket, and one
/// send queue, since a WebSocket allows one send at a time and results arrive from many threads.
/// </summary>
internal sealed class GraphQLWebSocketSession : IAsyncDisposable
{
    public const string SubProtocol = "graphql-transport-ws";

    /// <summary>RFC 6455's "try again later" close code (1013), which WebSocketCloseStatus does not name.</summary>
    public const int TryAgainLater = 1013;

    private readonly HttpContext _http;
    private readonly WebSocket _socket;
    private readonly GraphQLWebSocketServices _services;
    private readonly GraphQLWebSocketOptions _options;
    private readonly Channel<Outgoing> _outgoing;
    private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();
    private int _initReceived;
    private volatile ClaimsPrincipal? _user;
    private string? _credential;
    private int _closeRequested;

    public GraphQLWebSocketSession(HttpContext http, WebSocket socket, GraphQLWebSocketServices services)
    {
        _http = http;
        _socket = socket;
        _services = services;
        _options = services.Options;
        _outgoing = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(_options.MaxQueuedMessages + 8) { SingleReader = true });
    }

    /// <summary>Serves the connection until either side closes it or the server stops.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var stopped = stopping.Register(() => _ = ShutdownAsync());
        var sending = SendLoopAsync();
        var initTimeout = InitTimeoutAsync();
        var pinging = PingLoopAsync();
        var watching = CredentialWatchAsync();
        try
        {
            await ReceiveLoopAsync();
        }
        finally
        {
            await _closing.CancelAsync();
            foreach (var operation in _operations.Values)
            {
                operation.Stop();
            }

            _operations.Clear();
            _outgoing.Writer.TryComplete();
            await Task.WhenAll(sending, initTimeout, pinging, watching);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var message = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (_socket.State == WebSocketState.Open || _socket.State == WebSocketState.CloseSent)
            {
                ValueWebSocketReceiveResult received;
                try
                {
                    received = await _socket.ReceiveAsync(buffer.AsMemory(), _closing.Token);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
                {
                    return;
                }

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        // Answer the client's close; then the connection is over.
                        RequestClose(WebSocketCloseStatus.NormalClosure, "");
                    }

                    return;
                }

                if (Volatile.Read(ref _closeRequested) == 1)
                {
                    continue;
                }

                if (message.WrittenCount + received.Count > _options.MaxMessageBytes)
                {
                    RequestClose(WebSocketCloseStatus.MessageTooBig, $"Messages are limited to {_options.MaxMessageBytes} bytes");
                    continue;
                }

                message.Write(buffer.AsSpan(0, received.Count));
                if (!received.EndOfMessage)
                {
                    continue;
                }

                if (received.MessageType == WebSocketMessageType.Binary)
                {
                    RequestClose(4400, "Binary messages are not supported");
                }
                else
                {
                    await HandleAsync(message.WrittenMemory);
                }

                message.ResetWrittenCount();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            RequestClose(4400, "Invalid message received: not JSON");
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            {
                RequestClose(4400, "Invalid message received: a message is an object with a string type");
                return;
            }

            var payload = root.TryGetProperty("payload", out var p) ? p : default;
            switch (typeElement.GetString())
            {
                case "connection_init":
                    await InitAsync(payload);
                    break;
                case "ping":
                    if (!IsObjectOrAbsent(payload))
                    {
                        RequestClose(4400, "Invalid message received: ping payload must be an object");
                        return;
                    }

                    Send(new OperationMessage { Type = "pong", Payload = payload.ValueKind == JsonValueKind.Object ? payload.Clone() : null });
                    break;
                case "pong":
                    if (!IsObjectOrAbsent(payload))
                    {
                        RequestClose(4400, "Invalid message received: pong payload must be an object");
                    }

                    break;
                case "subscribe":
                    Subscribe(root, payload);
                    break;
                case "complete":
                    if (!root.TryGetProperty("id", out var completeId) || completeId.ValueKind != JsonValueKind.String || completeId.GetString() is not { Length: > 0 } id)
                    {
                        RequestClose(4400, "Invalid message received: complete needs an id");
                        return;
                    }

                    // The client stopped listening: nothing more is sent for this id, not even a result in flight.
                    if (_operations.TryRemove(id, out var operation))
                    {
                        operation.Stop();
                    }

                    break;
                default:
                    RequestClose(4400, $"Invalid message received: unexpected type '{Truncate(typeElement.GetString()!)}'");
                    break;
            }
        }
    }

    private async Task InitAsync(JsonElement payload)
    {
        if (Interlocked.Exchange(ref _initReceived, 1) == 1)
        {
            RequestClose(4429, "Too many initialisation requests");
            return;
        }

        if (!IsObjectOrAbsent(payload))
        {
            RequestClose(4400, "Invalid message received: connection_init payload must be an object");
            return;
        }

        var authorization = Credential(payload);
        var user = authorization is null ? null : await _services.Authenticator.AuthenticateAsync(_http, authorization, _closing.Token);
        if (user is null)
        {
            _services.FailedAuthentications.RecordFailure(_http);
            RequestClose(4403, "Forbidden");
            return;
        }

        _credential = authorization;
        _user = user;
        Send(new OperationMessage { Type = "connection_ack" });
    }

    /// <summary>{"Authorization": "Bearer ..."} in the connection_init payload, the key in either case.</summary>
    private static string? Credential(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var name in new[] { "Authorization", "authorization" })
        {
            if (payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }

        return null;
    }

    private void Subscribe(JsonElement root, JsonElement payload)
    {
        if (_user is not { } user)
        {
            RequestClose(4401, "Unauthorized");
            return;
        }

        if (!root.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.String || idElement.GetString() is not { Length: > 0 } id)
        {
            RequestClose(4400, "Invalid message received: subscribe needs a non-empty string id");
            return;
        }

        GraphQLRequest request;
        try
        {
            if (payload.ValueKind != JsonValueKind.Object
                || !payload.TryGetProperty("query", out var query) || query.ValueKind != JsonValueKind.String
                || !IsKind(payload, "variables", JsonValueKind.Object)
                || !IsKind(payload, "extensions", JsonValueKind.Object)
                || !IsKind(payload, "operationName", JsonValueKind.String))
            {
                throw new JsonException();
            }

            request = _services.Serializer.ReadNode<GraphQLRequest>(payload)!;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or NotSupportedException)
        {
            RequestClose(4400, "Invalid message received: subscribe payload needs a string query and, if present, object variables and extensions and a string operationName");
            return;
        }

        var operation = new Operation(id, _closing.Token);
        if (!_operations.TryAdd(id, operation))
        {
            operation.Stop();
            RequestClose(4409, $"Subscriber for {Truncate(id)} already exists");
            return;
        }

        if (_operations.Count > _options.MaxOperationsPerConnection)
        {
            Finish(operation);
            SendError(id, new ExecutionError($"This connection already runs {_options.MaxOperationsPerConnection} operations, the most one connection may; complete one first or open another connection.") { Code = "TOO_MANY_OPERATIONS" });
            return;
        }

        if (_services.AcquireRequest(user) is { } throttled)
        {
            _services.Metrics.RateLimitRefused(HeadlessMetrics.RequestLimit);
            Finish(operation);
            var error = new ExecutionError("Too many requests for this credential.") { Code = "THROTTLED" };
            error.Extensions = new Dictionary<string, object?> { ["retryAfterSeconds"] = GraphQLHttpEndpoint.RetryAfterSeconds(throttled) };
            SendError(id, error);
            return;
        }

        operation.Execution = Task.Run(() => ExecuteGuardedAsync(operation, request, user));
    }

    private async Task ExecuteGuardedAsync(Operation operation, GraphQLRequest request, ClaimsPrincipal user)
    {
        try
        {
            await ExecuteAsync(operation, request, user);
        }
        catch (Exception ex)
        {
            // The type only: messages can carry request values. The operation ends; the connection goes on.
            _services.Logger.LogError("WebSocket operation failed: {ExceptionType}; correlation id {CorrelationId}:{OperationId}", ex.GetType().Name, CorrelationId.Of(_http), operation.Id);
            if (Finish(operation))
            {
                SendError(operation.Id, new ExecutionError("The operation failed.") { Code = "INTERNAL_SERVER_ERROR" });
            }
        }
    }

    private async Task ExecuteAsync(Operation operation, GraphQLRequest request, ClaimsPrincipal user)
    {
        var userContext = new Dictionary<string, object?>
        {
            [GraphQLServiceCollectionExtensions.CorrelationIdKey] = $"{CorrelationId.Of(_http)}:{operation.Id}",
            [TenantSubscriptionExecutionStrategy.ClientAddressKey] = _http.Connection.RemoteIpAddress,
        };
        GraphQLDocument? document = null;
        try
        {
            document = GraphQLParser.Parser.Parse(request.Query ?? "");
        }
        catch (GraphQLParser.Exceptions.GraphQLSyntaxErrorException)
        {
            // The executer reports the syntax error in the standard shape.
        }

        var isSubscription = document is not null && OperationOf(document, request.OperationName) is { Operation: OperationType.Subscription };

        // A subscription's token lives as long as the subscription; a query or mutation has the HTTP timeout.
        using var timeout = isSubscription ? null : new CancellationTokenSource(TimeSpan.FromSeconds(_services.GraphQLOptions.TimeoutSeconds), _services.Clock);
        using var work = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(operation.Token, timeout.Token);
        ExecutionResult result;
        try
        {
            await using var scope = _services.Scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(user.OrganizationId()!.Value);
            try
            {
                result = await _services.Executer.ExecuteAsync(new ExecutionOptions
                {
                    Schema = _services.Schema,
                    Query = request.Query,
                    Document = document,
                    OperationName = request.OperationName,
                    Variables = request.Variables,
                    Extensions = request.Extensions,
                    RequestServices = scope.ServiceProvider,
                    User = user,
                    UserContext = userContext,
                    CancellationToken = work?.Token ?? operation.Token,
                    ValidationRules = DocumentValidator.CoreRules,
                    MaxParallelExecutionCount = _services.GraphQLOptions.MaxParallelResolvers,
                });
            }
            finally
            {
                await scope.ServiceProvider.GetRequiredService<AuditRecorder>()
                    .CompleteAsync(user, _http.Connection.RemoteIpAddress, (string)userContext[GraphQLServiceCollectionExtensions.CorrelationIdKey]!);
            }
        }
        catch (OperationCanceledException) when (operation.Token.IsCancellationRequested)
        {
            Finish(operation);
            return;
        }
        catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true)
        {
            result = new ExecutionResult { Errors = [new ExecutionError($"The operation did not complete within {_services.GraphQLOptions.TimeoutSeconds} seconds.") { Code = "TIMEOUT" }] };
        }

        if (operation.Token.IsCancellationRequested)
        {
            Finish(operation);
            return;
        }

        if (!result.Executed || (result.Streams is null && isSubscription))
        {
            // Refused before execution, or the subscription could not be set up: error, and no complete after it.
            Finish(operation);
            SendError(operation.Id, result.Errors?.ToArray() ?? [new ExecutionError("The operation could not be executed.")]);
            return;
        }

        if (result.Streams is { Count: 1 } streams)
        {
            var observer = new StreamObserver(this, operation);
            operation.Attach(streams.Values.Single().Subscribe(observer), _services.Metrics);
            return;
        }

        Send(new OperationMessage { Id = operation.Id, Type = "next", Payload = result }, operation);
        Finish(operation);
        Send(new OperationMessage { Id = operation.Id, Type = "complete" });
    }

    private static GraphQLOperationDefinition? OperationOf(GraphQLDocument document, string? operationName)
    {
        var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
        return string.IsNullOrEmpty(operationName)
            ? operations.Count == 1 ? operations[0] : null
            : operations.FirstOrDefault(o => o.Name?.StringValue == operationName);
    }

    /// <summary>Removes the operation; true when it was still active (so the caller may tell the client it ended).</summary>
    private bool Finish(Operation operation)
    {
        var active = _operations.TryRemove(new KeyValuePair<string, Operation>(operation.Id, operation));
        operation.Stop();
        return active;
    }

    private void SendError(string id, params ExecutionError[] errors) =>
        Send(new OperationMessage { Id = id, Type = "error", Payload = errors });

    /// <summary>Queues a message; for an operation's result, only while the operation is active.</summary>
    private void Send(OperationMessage message, Operation? onlyIfActive = null)
    {
        if (Volatile.Read(ref _closeRequested) == 1 || (onlyIfActive is not null && onlyIfActive.Token.IsCancellationRequested))
        {
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(_services.Serializer.Serialize(message));
        if (_outgoing.Reader.Count >= _options.MaxQueuedMessages || !_outgoing.Writer.TryWrite(new Outgoing(bytes, null, null)))
        {
            RequestClose(TryAgainLater, "Too many messages waiting: the client reads too slowly; reconnect and resume with your last cursor");
        }
    }

    private void RequestClose(WebSocketCloseStatus status, string reason) => RequestClose((int)status, reason);

    private void RequestClose(int code, string reason)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) == 1)
        {
            return;
        }

        // Close reasons are limited to 123 bytes by the protocol.
        _outgoing.Writer.TryWrite(new Outgoing(null, code, Truncate(reason, 120)));
        _outgoing.Writer.TryComplete();
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync())
            {
                if (message.Bytes is { } bytes)
                {
                    await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                    continue;
                }

                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync((WebSocketCloseStatus)message.CloseCode!.Value, message.CloseReason, CancellationToken.None);
                }

                // A client that does not answer the close frame is not waited for long.
                _ = Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => StopReceiving(), TaskScheduler.Default);
                return;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection is gone; the receive loop ends with it.
            StopReceiving();
        }
    }

    private void StopReceiving()
    {
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session is over already.
        }
    }

    private async Task InitTimeoutAsync()
    {
        try
        {
            await Task.Delay(_options.ConnectionInitTimeout, _services.Clock, _closing.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (_user is null && Volatile.Read(ref _initReceived) == 0)
        {
            RequestClose(4408, "Connection initialisation timeout");
        }
    }

    private async Task PingLoopAsync()
    {
        if (_options.PingInterval <= TimeSpan.Zero)
        {
            return;
        }

        while (true)
        {
            try
            {
                await Task.Delay(_options.PingInterval, _services.Clock, _closing.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (_user is not null)
            {
                Send(new OperationMessage { Type = "ping" });
            }
        }
    }

    /// <summary>
    /// A credential stops working on an open connection as it does on HTTP: an API key is checked again every
    /// CredentialRecheckInterval (within a second of its revocation, on every instance), a token when it expires. Either
    /// closes the connection with 4403, which tells the client to stop, not to reconnect with the same credential.
    /// </summary>
    private async Task CredentialWatchAsync()
    {
        while (true)
        {
            try
            {
                await Task.Delay(_options.CredentialRecheckInterval, _services.Clock, _closing.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (_user is not { } user || _credential is not { } credential)
            {
                continue;
            }

            bool valid;
            if (user.Identity?.AuthenticationType == ApiKeyAuthenticationHandler.SchemeName)
            {
                try
                {
                    valid = await _services.Authenticator.AuthenticateAsync(_http, credential, _closing.Token) is not null;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // The database could not answer (it is down or contended): the key stays trusted until a check can
                    // answer, as a key could not be revoked meanwhile either.
                    _services.Logger.LogDebug("WebSocket credential check deferred: {ExceptionType}", ex.GetType().Name);
                    continue;
                }
            }
            else
            {
                valid = WebSocketAuthenticator.ExpiresAt(user) is not { } expires || _services.Clock.GetUtcNow() < expires;
            }

            if (!valid)
            {
                RequestClose(4403, "Forbidden");
                return;
            }
        }
    }

    /// <summary>The server is stopping: every open operation is completed, then the connection closes with 1001.</summary>
    private Task ShutdownAsync()
    {
        foreach (var operation in _operations.Values.ToList())
        {
            if (Finish(operation))
            {
                Send(new OperationMessage { Id = operation.Id, Type = "complete" });
            }
        }

        RequestClose(WebSocketCloseStatus.EndpointUnavailable, "Server is shutting down; reconnect and resume with your last cursor");
        return Task.CompletedTask;
    }

    private static bool IsObjectOrAbsent(JsonElement payload) =>
        payload.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object;

    private static bool IsKind(JsonElement payload, string name, JsonValueKind kind) =>
        !payload.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null || value.ValueKind == kind;

    private static string Truncate(string text, int max = 60) => text.Length <= max ? text : text[..max];

    public ValueTask DisposeAsync()
    {
        _closing.Dispose();
        return ValueTask.CompletedTask;
    }

    private readonly record struct Outgoing(byte[]? Bytes, int? CloseCode, string? CloseReason);

    /// <summary>Forwards a subscription's results to the client; the stream's end or failure ends the operation.</summary>
    private sealed class StreamObserver(GraphQLWebSocketSession session, Operation operation) : IObserver<ExecutionResult>
    {
        public void OnNext(ExecutionResult value) =>
            session.Send(new OperationMessage { Id = operation.Id, Type = "next", Payload = value }, operation);

        public void OnError(Exception error)
        {
            if (session.Finish(operation))
            {
                session.SendError(operation.Id, error as ExecutionError ?? new ExecutionError("The subscription failed.") { Code = "INTERNAL_SERVER_ERROR" });
            }
        }

        public void OnCompleted()
        {
            if (session.Finish(operation))
            {
                session.Send(new OperationMessage { Id = operation.Id, Type = "complete" });
            }
        }
    }

    /// <summary>An active operation: its cancellation, and its subscription once it has one.</summary>
    private sealed class Operation
    {
        private readonly CancellationTokenSource _stop;
        private IDisposable? _subscription;
        private HeadlessMetrics? _countedOpen;
        private int _stopped;

        public Operation(string id, CancellationToken connection)
        {
            Id = id;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(connection);
            Token = _stop.Token;
        }

        public string Id { get; }

        /// <summary>Cancelled when the operation stops; still readable after its source is disposed.</summary>
        public CancellationToken Token { get; }

        public Task? Execution { get; set; }

        /// <summary>The subscription is streaming: counted as open until the operation stops, whichever of the two runs first.</summary>
        public void Attach(IDisposable subscription, HeadlessMetrics metrics)
        {
            metrics.OpenSubscriptions.Add(1);

            // A full fence (not a volatile write) before reading _stopped, so this and Stop cannot both miss each other.
            Interlocked.Exchange(ref _countedOpen, metrics);
            if (Interlocked.CompareExchange(ref _subscription, subscription, null) is not null || Volatile.Read(ref _stopped) == 1)
            {
                subscription.Dispose();
                UncountOpen();
            }
        }

        // Exchange: Stop and a late Attach may both get here; only one takes the count back.
        private void UncountOpen() => Interlocked.Exchange(ref _countedOpen, null)?.OpenSubscriptions.Add(-1);

        public void Stop()
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 1)
            {
                return;
            }

            _stop.Cancel();

            // Disposing unlinks it from the connection's token, so a long connection does not keep every operation.
            _stop.Dispose();
            Interlocked.Exchange(ref _subscription, null)?.Dispose();
            UncountOpen();
        }
    }
}

/// <summary>What every session needs, resolved once.</summary>
internal sealed class GraphQLWebSocketServices(
    IDocumentExecuter executer,
    ISchema schema,
    IGraphQLTextSerializer serializer,
    IServiceScopeFactory scopes,
    WebSocketAuthenticator authenticator,
    FailedAuthenticationThrottle failedAuthentications,
    Microsoft.Extensions.Options.IOptions<GraphQLWebSocketOptions> options,
    Microsoft.Extensions.Options.IOptions<GraphQLOptions> graphQLOptions,
    Microsoft.Extensions.Options.IOptions<RateLimiterOptions> rateLimits,
    HeadlessMetrics metrics,
    TimeProvider clock,
    ILogger<GraphQLWebSocketSession> logger)
{
    public HeadlessMetrics Metrics { get; } = metrics;

    public ILogger Logger { get; } = logger;

    public IDocumentExecuter Executer { get; } = executer;

    public ISchema Schema { get; } = schema;

    public IGraphQLTextSerializer Serializer { get; } = serializer;

    public IServiceScopeFactory Scopes { get; } = scopes;

    public WebSocketAuthenticator Authenticator { get; } = authenticator;

    public FailedAuthenticationThrottle FailedAuthentications { get; } = failedAuthentications;

    public GraphQLWebSocketOptions Options { get; } = options.Value;

    public GraphQLOptions GraphQLOptions { get; } = graphQLOptions.Value;

    public TimeProvider Clock { get; } = clock;

    /// <summary>
    /// Charges one request to the credential's bucket, the one HTTP requests draw from; the wait before a retry when
    /// the bucket is empty, else null.
    /// </summary>
    public TimeSpan? AcquireRequest(ClaimsPrincipal user)
    {
        if (rateLimits.Value.GlobalLimiter is not { } limiter)
        {
            return null;
        }

        using var lease = limiter.AttemptAcquire(new DefaultHttpContext { User = user });
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
    }
}
