using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Duende.IdentityModel.Client;
using Headless.Catalog;
using Headless.Secrets;
using Microsoft.Extensions.Options;

namespace Headless.Fulfillment;

/// <summary>What a pharmacy receives for one partner order. It carries PHI by necessity: the pharmacy fills prescriptions.</summary>
public sealed record PartnerOrderDocument(string PartnerOrderId, string OrderNumber, string CallbackUrl, IReadOnlyList<PartnerOrderLine> Lines);

public sealed record PartnerOrderLine(string LineNumber, string ProductName, string Strength, string Form, int Quantity, string Sig, int DaysSupply, PartnerPatient Patient, PartnerPrescriber Prescriber);

public sealed record PartnerPatient(string FirstName, string LastName, DateOnly DateOfBirth, PartnerAddress Address);

public sealed record PartnerAddress(string Line1, string? Line2, string City, string State, string Zip);

public sealed record PartnerPrescriber(string FirstName, string LastName, string Npi, string? Dea);

/// <summary>
/// What a pharmacy receives when a support ticket on one of its lines waits on it: the ticket's reference (to answer
/// with), its subject and its latest messages, oldest first. Free text by necessity: the pharmacy must read the question.
/// </summary>
public sealed record PartnerSupportMessage(string TicketReference, string Subject, string CallbackUrl, IReadOnlyList<PartnerSupportEntry> Messages);

/// <summary>One message of a ticket as the pharmacy receives it; author is CLINIC or PHARMACY.</summary>
public sealed record PartnerSupportEntry(string Author, string Body, DateTimeOffset CreatedAt);

/// <summary>The pharmacy's answer to a submission.</summary>
public sealed record PartnerSubmission(string? Reference);

/// <summary>One integration style with partner pharmacies. The HTTP adapter is the one in use; others (SFTP, fax) would sit beside it.</summary>
public interface IPharmacyAdapter
{
    Task<PartnerSubmission> SubmitAsync(Pharmacy pharmacy, PartnerOrderDocument document, string idempotencyKey, CancellationToken ct);

    /// <summary>Asks the pharmacy to cancel one line. False when the pharmacy refused because work has started.</summary>
    Task<bool> CancelLineAsync(Pharmacy pharmacy, string reference, string lineNumber, string idempotencyKey, CancellationToken ct);

    /// <summary>Sends a support ticket about one line to the pharmacy; it answers later with a signed support.reply callback.</summary>
    Task SendSupportMessageAsync(Pharmacy pharmacy, string reference, string lineNumber, PartnerSupportMessage message, string idempotencyKey, CancellationToken ct);
}

/// <summary>
/// Posts partner orders as JSON to the pharmacy's API with an OAuth 2.0 client-credentials token
/// (Duende.IdentityModel, cached per pharmacy until shortly before it expires), an Idempotency-Key,
/// a timeout, and without following redirects (a redirect could carry PHI somewhere unintended).
/// <para>
/// Each attempt (the token, if one is needed, and the request with its whole response) must finish within
/// <see cref="PartnerOptions.Timeout"/> on the service's clock, or it fails with a <see cref="TimeoutException"/>
/// and its connection is dropped: a pharmacy that hangs holds no worker and no connection for longer than that.
/// </para>
/// </summary>
public sealed class HttpPharmacyAdapter(IHttpClientFactory httpClients, PartnerTokenCache tokens, IOptions<PartnerOptions> options, TimeProvider clock) : IPharmacyAdapter
{
    public const string HttpClientName = "partner-pharmacies";

    public async Task<PartnerSubmission> SubmitAsync(Pharmacy pharmacy, PartnerOrderDocument document, string idempotencyKey, CancellationToken ct)
    {
        using var response = await SendAsync(pharmacy, HttpMethod.Post, "v1/orders", document, idempotencyKey, ct);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<SubmitResponse>(ct);
        return new PartnerSubmission(body?.Reference);
    }

    public async Task<bool> CancelLineAsync(Pharmacy pharmacy, string reference, string lineNumber, string idempotencyKey, CancellationToken ct)
    {
        using var response = await SendAsync(pharmacy, HttpMethod.Post, $"v1/orders/{Uri.EscapeDataString(reference)}/lines/{Uri.EscapeDataString(lineNumber)}/cancel", new { }, idempotencyKey, ct);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        response.EnsureSuccessStatusCode();
        return true;
    }

    public async Task SendSupportMessageAsync(Pharmacy pharmacy, string reference, string lineNumber, PartnerSupportMessage message, string idempotencyKey, CancellationToken ct)
    {
        using var response = await SendAsync(pharmacy, HttpMethod.Post, $"v1/orders/{Uri.EscapeDataString(reference)}/lines/{Uri.EscapeDataString(lineNumber)}/messages", message, idempotencyKey, ct);
        response.EnsureSuccessStatusCode();
    }

    private async Task<HttpResponseMessage> SendAsync(Pharmacy pharmacy, HttpMethod method, string path, object body, string idempotencyKey, CancellationToken ct)
    {
        var client = httpClients.CreateClient(HttpClientName);
        var baseUri = new Uri(pharmacy.ApiBaseUrl!.EndsWith('/') ? pharmacy.ApiBaseUrl : pharmacy.ApiBaseUrl + "/");
        for (var attempt = 1; ; attempt++)
        {
            var timeout = options.Value.Timeout;
            using var deadline = new CancellationTokenSource(timeout, clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
            HttpResponseMessage response;
            try
            {
                var token = await tokens.GetAsync(pharmacy, client, linked.Token);
                using var request = new HttpRequestMessage(method, new Uri(baseUri, path)) { Content = JsonContent.Create(body) };
                request.SetBearerToken(token);
                request.Headers.Add("Idempotency-Key", idempotencyKey);

                // The default completion reads the whole response body under the same token: a body that trickles is bounded too.
                response = await client.SendAsync(request, linked.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new TimeoutException($"Pharmacy {pharmacy.Id} did not answer within {timeout}.");
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 1)
            {
                // The pharmacy may have rotated or revoked the token before it expired: fetch a new one once.
                response.Dispose();
                tokens.Forget(pharmacy);
                continue;
            }

            return response;
        }
    }

    private sealed record SubmitResponse(string? Reference);
}

/// <summary>
/// Client-credentials tokens per pharmacy, kept until a minute before they expire. The client secret is decrypted
/// only to request a token, and a secret that cannot be decrypted fails the attempt (as SecretUnavailableException, no text).
/// </summary>
public sealed class PartnerTokenCache(TimeProvider clock, SecretProtector secrets)
{
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<long, (string Token, DateTimeOffset Expires)> _tokens = new();

    /// <summary>How many tokens were requested from token endpoints (for tests and diagnostics).</summary>
    public int Requests => _requests;

    private int _requests;

    public async Task<string> GetAsync(Pharmacy pharmacy, HttpClient client, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_tokens.TryGetValue(pharmacy.Id, out var cached) && cached.Expires > now)
        {
            return cached.Token;
        }

        var clientSecret = pharmacy.ClientSecret is null ? null : secrets.Reveal(pharmacy.ClientSecret);
        Interlocked.Increment(ref _requests);
        var response = await client.RequestClientCredentialsTokenAsync(
            new ClientCredentialsTokenRequest { Address = pharmacy.TokenEndpoint, ClientId = pharmacy.ClientId!, ClientSecret = clientSecret },
            ct);
        if (response.IsError || response.AccessToken is null)
        {
            throw new HttpRequestException($"Token request to pharmacy {pharmacy.Id} failed: {response.ErrorType}.");
        }

        var lifetime = TimeSpan.FromSeconds(Math.Max(response.ExpiresIn, 60));
        _tokens[pharmacy.Id] = (response.AccessToken, now + lifetime - Margin);
        return response.AccessToken;
    }

    public void Forget(Pharmacy pharmacy) => _tokens.TryRemove(pharmacy.Id, out _);
}
