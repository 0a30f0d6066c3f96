using Headless.Shared;

namespace Headless.Catalog;

/// <summary>A 503A partner pharmacy. Part of the platform's catalog, shared by every organization.</summary>
public sealed class Pharmacy : IEntity
{
    private readonly List<PharmacyShippingState> _shipsTo = [];

    private Pharmacy()
    {
    }

    public Pharmacy(string name, int turnaroundDays, long shippingFee, IEnumerable<string> shipsToStates)
    {
        Name = name;
        TurnaroundDays = turnaroundDays;
        ShippingFee = shippingFee;
        _shipsTo.AddRange(shipsToStates.Distinct().Order().Select(s => new PharmacyShippingState(s)));
    }

    public long Id { get; private set; }

    public string Name { get; private set; } = "";

    /// <summary>Business days from receipt to shipment, as the pharmacy commits to it.</summary>
    public int TurnaroundDays { get; private set; }

    /// <summary>Flat shipping fee per shipment, in minor units of <see cref="Currency"/>.</summary>
    public long ShippingFee { get; private set; }

    public string Currency { get; private set; } = Money.DefaultCurrency;

    public IReadOnlyList<PharmacyShippingState> ShipsTo => _shipsTo;

    /// <summary>Base URL of the pharmacy's order API; null for a pharmacy without an integration.</summary>
    public string? ApiBaseUrl { get; private set; }

    /// <summary>OAuth 2.0 token endpoint for the client-credentials grant.</summary>
    public string? TokenEndpoint { get; private set; }

    public string? ClientId { get; private set; }

    /// <summary>The OAuth client's secret, encrypted at rest (README "Secrets at rest").</summary>
    public ProtectedSecret? ClientSecret { get; private set; }

    /// <summary>Standard Webhooks secret ("whsec_...") the pharmacy signs its callbacks with, encrypted at rest.</summary>
    public ProtectedSecret? WebhookSecret { get; private set; }

    public bool HasIntegration => ApiBaseUrl is not null;

    /// <summary>
    /// Sets how the service talks to the pharmacy: its API, its OAuth client, and its callback signing secret.
    /// The secrets arrive already encrypted (Secrets.SecretProtector.Protect): a pharmacy never holds one in plain text.
    /// </summary>
    public void ConfigureIntegration(string apiBaseUrl, string tokenEndpoint, string clientId, ProtectedSecret clientSecret, ProtectedSecret webhookSecret)
    {
        ApiBaseUrl = apiBaseUrl;
        TokenEndpoint = tokenEndpoint;
        ClientId = clientId;
        ClientSecret = clientSecret;
        WebhookSecret = webhookSecret;
    }

    public bool ShipsToState(string state) => _shipsTo.Any(s => s.State == state);
}

/// <summary>A state a pharmacy is licensed to ship into.</summary>
public sealed class PharmacyShippingState(string state)
{
    public string State { get; private set; } = state;
}
