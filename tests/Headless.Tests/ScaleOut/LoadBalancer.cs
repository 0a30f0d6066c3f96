using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace Headless.Tests.ScaleOut;

/// <summary>
/// The load balancer in front of the instances: YARP on Kestrel at a free port of 127.0.0.1, round-robin over every
/// instance, forwarding HTTP and WebSocket upgrades. A dead instance leaves the rotation two ways: the active health check
/// (GET /health/live every 500 ms, out after two failures) and the passive one (transport failures of real requests). In
/// the moment before either notices, a request whose connection was refused (so it never reached an instance) is sent to
/// the next one; a request that was already on the dead instance when it died fails with 502, as it would behind any
/// balancer, and the client retries it as its API allows (idempotency key, expected version).
/// </summary>
public sealed class LoadBalancer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _served = new();
    private int _connectRetries;

    private LoadBalancer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public Uri WebSocketAddress => new UriBuilder(BaseAddress) { Scheme = "ws", Path = "/graphql" }.Uri;

    /// <summary>Requests forwarded to each instance (by its name), including WebSocket upgrades.</summary>
    public IReadOnlyDictionary<string, int> Served => _served;

    /// <summary>Requests sent to another instance because the first refused the connection.</summary>
    public int ConnectRetries => Volatile.Read(ref _connectRetries);

    /// <summary>Starts on <paramref name="port"/> (chosen before the instances, which are told it as their callback URL).</summary>
    public static async Task<LoadBalancer> StartAsync(IReadOnlyList<InstanceProcess> instances, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        var cluster = new ClusterConfig
        {
            ClusterId = "headless",
            LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
            Destinations = instances.ToDictionary(i => i.Name, i => new DestinationConfig { Address = i.BaseAddress.ToString() }),
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = TimeSpan.FromMilliseconds(500),
                    Timeout = TimeSpan.FromSeconds(5),
                    Policy = "ConsecutiveFailures",
                    Path = "/health/live",
                },
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = "TransportFailureRate",
                    ReactivationPeriod = TimeSpan.FromSeconds(10),
                },

                // A busy instance that is slow to answer its health check is still better than none.
                AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
            },
            Metadata = new Dictionary<string, string> { [ConsecutiveFailuresHealthPolicyOptions.ThresholdMetadataName] = "2" },
            HttpRequest = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMinutes(2) },
        };
        var route = new RouteConfig { RouteId = "all", ClusterId = cluster.ClusterId, Match = new RouteMatch { Path = "{**rest}" } };
        builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]);

        var app = builder.Build();
        var balancer = new LoadBalancer(app);
        app.MapReverseProxy(pipeline =>
        {
            pipeline.Use(balancer.RetryRefusedConnectionsAsync);
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        balancer.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return balancer;
    }

    /// <summary>
    /// Sends the request on to another instance when the chosen one refused the connection: nothing reached it, so any
    /// request, a mutation too, can go elsewhere. The body is buffered so that it can be sent again.
    /// </summary>
    private async Task RetryRefusedConnectionsAsync(HttpContext context, Func<Task> next)
    {
        context.Request.EnableBuffering();
        var proxy = context.GetReverseProxyFeature();
        while (true)
        {
            await next();
            if (proxy.ProxiedDestination is { } served)
            {
                _served.AddOrUpdate(served.DestinationId, 1, (_, n) => n + 1);
            }

            var error = context.GetForwarderErrorFeature();
            if (error is not { Error: ForwarderError.Request } || !Refused(error.Exception) || context.Response.HasStarted
                || proxy.ProxiedDestination is not { } failed || proxy.AvailableDestinations.Count <= 1)
            {
                return;
            }

            Interlocked.Increment(ref _connectRetries);
            proxy.AvailableDestinations = [.. proxy.AvailableDestinations.Where(d => d != failed)];
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Request.Body.Position = 0;
        }
    }

    private static bool Refused(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused } or HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
