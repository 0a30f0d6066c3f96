using System.Text.Json;
using System.Text.Json.Serialization;

namespace PartnerPharmacy;

// Wire contracts. JSON is camelCase (System.Text.Json web defaults); callbacks always carry every field (nulls included).

public sealed record OrderRequest(
    string? PartnerOrderId,
    string? OrderNumber,
    string? CallbackUrl,
    IReadOnlyList<OrderLineRequest>? Lines);

public sealed record OrderLineRequest(
    string? LineNumber,
    string? ProductName,
    string? Strength,
    string? Form,
    int Quantity,
    string? Sig,
    int? DaysSupply,
    PatientRequest? Patient,
    PrescriberRequest? Prescriber);

public sealed record PatientRequest(string? FirstName, string? LastName, string? DateOfBirth, AddressRequest? Address);

public sealed record AddressRequest(string? Line1, string? Line2, string? City, string? State, string? Zip);

public sealed record PrescriberRequest(string? FirstName, string? LastName, string? Npi, string? Dea);

public sealed record OrderAccepted(string Reference, int LineCount);

public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);

public sealed record ErrorResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null);

public sealed record CancelResponse(
    bool Cancelled,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

/// <summary>A support ticket about one line, as Headless sends it (POST /v1/orders/{reference}/lines/{lineNumber}/messages).</summary>
public sealed record SupportMessageRequest(string? TicketReference, string? Subject, string? CallbackUrl, IReadOnlyList<SupportEntryRequest>? Messages);

public sealed record SupportEntryRequest(string? Author, string? Body, DateTimeOffset? CreatedAt);

public sealed record SupportMessageAccepted(bool Received, string TicketReference, bool ReplyScheduled);

/// <summary>A pharmacy's answer to a support ticket, posted like the line callbacks and signed the same way.</summary>
public sealed record SupportReplyEvent(string Id, string Type, DateTime OccurredAt, string Reference, string TicketReference, string LineNumber, string Message);

/// <summary>A pharmacy's own stock figure for one Headless offering, posted and signed like the line callbacks.</summary>
public sealed record OfferingUpdatedEvent(string Id, string Type, DateTime OccurredAt, string OfferingId, int Stock);

/// <summary>Body of POST /v1/support/{ticketReference}/reply (demo helper): the reply text, or the configured default.</summary>
public sealed record SupportReplyRequest(string? Message);

public sealed record StatsResponse(
    int OrdersReceived,
    int DistinctIdempotencyKeys,
    long EventsSent,
    long EventsFailed,
    long OrderRequests,
    long DeliveryAttempts);

/// <summary>Callback event types.</summary>
public static class EventTypes
{
    public const string Received = "line.received";
    public const string Compounding = "line.compounding";
    public const string Shipped = "line.shipped";
    public const string Delivered = "line.delivered";
    public const string Rejected = "line.rejected";
    public const string OnHold = "line.on_hold";
    public const string Cancelled = "line.cancelled";
    public const string SupportReply = "support.reply";
    public const string OfferingUpdated = "offering.updated";
}

/// <summary>The body of one callback. Every property is always present in the JSON (null when not relevant).</summary>
public sealed record CallbackEvent(
    string Id,
    string Type,
    DateTime OccurredAt,
    string Reference,
    string LineNumber,
    string? Carrier = null,
    string? TrackingNumber = null,
    string? TrackingUrl = null,
    string? ReasonCode = null,
    string? Message = null,
    bool? Fixable = null,
    string? Owner = null);

public static class SimulatorJson
{
    /// <summary>camelCase, nulls written: the options for callbacks and responses.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
