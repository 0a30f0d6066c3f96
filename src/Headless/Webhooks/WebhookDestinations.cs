using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Headless.Webhooks;

/// <summary>Resolves host names for the destination guard; replaced in tests to make a name resolve to any address.</summary>
public interface IWebhookDnsResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct);
}

internal sealed class SystemDnsResolver : IWebhookDnsResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);
}

/// <summary>A destination that resolves to an address webhooks never call. The message names the host, never a secret.</summary>
public sealed class WebhookDestinationRefusedException(string message) : Exception(message);

/// <summary>
/// The SSRF guard: webhook URLs must lead to public internet addresses. A URL is checked when it is saved and again at
/// every connection, because DNS can change after the check; the sender connects only to the addresses it checked
/// (the check runs inside the connection callback), so a name cannot resolve to a public address for the check and a
/// private one for the connection. A name with any non-public address is refused whole.
/// </summary>
public sealed class WebhookDestinations(IWebhookDnsResolver resolver, IOptions<WebhooksOptions> options)
{
    // Loopback, private, carrier-grade NAT, link-local (cloud metadata at 169.254.169.254), "this network", the IETF
    // protocol block, documentation, benchmarking, multicast and reserved ranges; IPv6 equivalents, unique local
    // (fd00:ec2::254 is AWS's IPv6 metadata address) and site-local. IPv4-mapped and NAT64 addresses are checked as the
    // IPv4 address they carry.
    private static readonly IPNetwork[] Refused =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.88.99.0/24"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("198.51.100.0/24"),
        IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("100.100.100.200/32"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("fec0::/10"),
        IPNetwork.Parse("ff00::/8"), IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("100::/64"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    public bool AllowPrivate => options.Value.AllowPrivateDestinations;

    /// <summary>True for an address on the public internet.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && Nat64.Contains(address))
        {
            var bytes = address.GetAddressBytes();
            address = new IPAddress(bytes[12..]);
        }

        return !Refused.Any(n => n.Contains(address));
    }

    /// <summary>The addresses the host may be reached at; throws when any is not public (unless private destinations are allowed).</summary>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await resolver.ResolveAsync(host, ct);
        if (addresses.Length == 0)
        {
            throw new WebhookDestinationRefusedException($"{host} does not resolve to any address.");
        }

        if (!AllowPrivate && addresses.FirstOrDefault(a => !IsPublic(a)) is not null)
        {
            throw new WebhookDestinationRefusedException($"{host} resolves to a private, loopback, link-local or metadata address.");
        }

        return addresses;
    }

    /// <summary>
    /// The sender's connection callback: resolves and checks the host at every connection and connects to the checked
    /// addresses only.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, ct);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
