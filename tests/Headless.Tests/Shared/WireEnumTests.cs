using System.Text.Json;
using GraphQL.Types;
using Headless.Audit;
using Headless.Auth;
using Headless.Carts;
using Headless.Carts.Validation;
using Headless.Clinics;
using Headless.Data;
using Headless.Events;
using Headless.Fulfillment;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Outbox;
using Headless.Shared;
using Headless.Support;
using Headless.Tests.Infrastructure;
using Headless.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Shared;

/// <summary>
/// The status enums are stored, shown in GraphQL and written in payloads as the strings the string constants had:
/// rows written before the enums, raw SQL that compares statuses, and clients' enum values all keep working.
/// </summary>
public sealed class WireEnumTests
{
    /// <summary>Every status enum with the strings its members had as constants, in declaration order. These never change.</summary>
    public static readonly IReadOnlyDictionary<Type, string[]> Documented = new Dictionary<Type, string[]>
    {
        [typeof(PartnerOrderStatus)] = ["QUEUED", "SUBMITTED"],
        [typeof(RoutingPreference)] = ["CHEAPEST", "FASTEST"],
        [typeof(OrderStatus)] = ["PENDING_PAYMENT", "PAYMENT_FAILED", "SUBMITTED"],
        [typeof(PaymentStatus)] = ["PENDING", "AUTHORIZED", "FAILED", "CAPTURED", "PARTIALLY_REFUNDED", "REFUNDED", "CANCELED"],
        [typeof(OrderLineStatus)] = ["PENDING_PAYMENT", "PAYMENT_FAILED", "SUBMITTED", "RECEIVED", "COMPOUNDING", "SHIPPED", "DELIVERED", "REJECTED", "CANCELLED", "ON_HOLD"],
        [typeof(LineOwner)] = ["PHARMACY", "CLINIC", "PATIENT", "PAYMENT", "NONE"],
        [typeof(LinePaymentStatus)] = ["PENDING", "AUTHORIZED", "CAPTURED", "REFUNDED", "VOIDED", "NOT_CAPTURED", "FAILED"],
        [typeof(EventSource)] = ["PHARMACY", "CLINIC", "PAYMENT", "SYSTEM"],
        [typeof(OutboxStatus)] = ["PENDING", "DONE", "PARKED"],
        [typeof(CartStatus)] = ["OPEN", "CHECKING_OUT", "CHECKED_OUT"],
        [typeof(IssueSeverity)] = ["ERROR", "WARNING"],
        [typeof(CartIssueCode)] =
        [
            "REQUIRED_FIELD_MISSING", "SIG_INCOMPLETE", "PRESCRIBER_NOT_LICENSED", "DEA_REQUIRED", "PHARMACY_NOT_LICENSED", "OUT_OF_STOCK",
            "QUANTITY_LIMIT", "PRODUCT_UNAVAILABLE", "ADDRESS_INVALID", "DUPLICATE_FILL", "CHEAPER_PHARMACY_AVAILABLE", "LONG_TURNAROUND",
        ],
        [typeof(AuditOperationType)] = ["QUERY", "MUTATION"],
        [typeof(AuditOutcome)] = ["OK", "NOT_FOUND", "REJECTED", "ERROR"],
        [typeof(EventSubjectKind)] = ["ORDER", "ORDER_LINE", "CART", "SUPPORT_TICKET"],
        [typeof(SupportTicketStatus)] = ["OPEN", "WAITING_ON_PHARMACY", "WAITING_ON_CLINIC", "RESOLVED"],
        [typeof(SupportTicketAuthor)] = ["CLINIC", "PHARMACY"],
        [typeof(WebhookEndpointStatus)] = ["ENABLED", "DISABLED"],
        [typeof(WebhookDisabledReason)] = ["MANUAL", "GONE", "FAILING"],
        [typeof(WebhookDeliveryStatus)] = ["PENDING", "SUCCEEDED", "FAILED"],
        [typeof(WebhookErrorClass)] = ["HTTP_STATUS", "REDIRECT", "TIMEOUT", "CONNECTION", "DESTINATION_NOT_ALLOWED", "PAYLOAD", "SECRET_UNAVAILABLE"],
        [typeof(WebhookAttemptTrigger)] = ["SCHEDULED", "MANUAL"],
        [typeof(ApiKeyScope)] = ["READ", "WRITE", "ADMIN"],
    };

    /// <summary>The GraphQL enum of each status enum, by name; the partner order status is not in the schema.</summary>
    private static readonly IReadOnlyDictionary<Type, string> GraphQLNames = new Dictionary<Type, string>
    {
        [typeof(RoutingPreference)] = "RoutingPreference",
        [typeof(OrderStatus)] = "OrderStatus",
        [typeof(PaymentStatus)] = "PaymentStatus",
        [typeof(OrderLineStatus)] = "OrderLineStatus",
        [typeof(LineOwner)] = "LineOwner",
        [typeof(LinePaymentStatus)] = "LinePaymentStatus",
        [typeof(EventSource)] = "LineEventSource",
        [typeof(OutboxStatus)] = "OutboxMessageStatus",
        [typeof(CartStatus)] = "CartStatus",
        [typeof(IssueSeverity)] = "IssueSeverity",
        [typeof(CartIssueCode)] = "CartIssueCode",
        [typeof(AuditOperationType)] = "AuditOperationType",
        [typeof(AuditOutcome)] = "AuditOutcome",
        [typeof(EventSubjectKind)] = "EventSubjectType",
        [typeof(SupportTicketStatus)] = "SupportTicketStatus",
        [typeof(SupportTicketAuthor)] = "SupportTicketAuthor",
        [typeof(WebhookEndpointStatus)] = "WebhookEndpointStatus",
        [typeof(WebhookDisabledReason)] = "WebhookDisabledReason",
        [typeof(WebhookDeliveryStatus)] = "WebhookDeliveryStatus",
        [typeof(WebhookErrorClass)] = "WebhookErrorClass",
        [typeof(WebhookAttemptTrigger)] = "WebhookAttemptTrigger",
        [typeof(ApiKeyScope)] = "ApiKeyScope",
    };

    public static TheoryData<Type> Enums => [.. Documented.Keys];

    [Theory]
    [MemberData(nameof(Enums))]
    public void Every_member_round_trips_through_the_converter_as_its_documented_string(Type type)
    {
        var converter = (ValueConverter)Activator.CreateInstance(typeof(WireEnumConverter<>).MakeGenericType(type))!;
        var members = Enum.GetValues(type).Cast<object>().ToList();

        Assert.Equal(Documented[type], members.Select(m => (string)converter.ConvertToProvider(m)!));
        Assert.Equal(members, Documented[type].Select(s => converter.ConvertFromProvider(s)));
    }

    [Fact]
    public void A_string_no_member_has_is_refused_when_read()
    {
        var converter = new WireEnumConverter<OrderLineStatus>();

        Assert.Throws<FormatException>(() => converter.ConvertFromProvider("OnHold"));
        Assert.Throws<FormatException>(() => converter.ConvertFromProvider("on_hold"));
        Assert.False(WireEnum<OrderLineStatus>.TryParse(null, out _));
    }

    [Fact]
    public void A_member_can_keep_a_string_that_is_not_its_name()
    {
        Assert.Equal("CANCELLED_BY_CLINIC", Renamed.ClinicCancelled.ToWire());
        Assert.Equal(Renamed.ClinicCancelled, WireEnum<Renamed>.Parse("CANCELLED_BY_CLINIC"));
        Assert.Equal("NOT_RENAMED", Renamed.NotRenamed.ToWire());
    }

    [Fact]
    public void Payloads_write_and_read_the_documented_strings()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new WireEnumJsonConverter() } };
        var payload = new { to = OrderLineStatus.OnHold, from = (OrderLineStatus?)null, owner = (LineOwner?)LineOwner.Clinic, list = new[] { PaymentStatus.PartiallyRefunded } };

        Assert.Equal("""{"to":"ON_HOLD","from":null,"owner":"CLINIC","list":["PARTIALLY_REFUNDED"]}""", JsonSerializer.Serialize(payload, json));
        Assert.Equal(CartStatus.CheckingOut, JsonSerializer.Deserialize<CartStatus>("\"CHECKING_OUT\"", json));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<CartStatus>("1", json));
    }

    [Fact]
    public async Task Every_enum_property_of_the_model_is_stored_through_the_converter()
    {
        await using var app = HeadlessApp.Sqlite();
        await using var db = app.Database.CreatePlatformContext();
        var enumProperties = db.Model.GetEntityTypes()
            .SelectMany(e => e.GetProperties())
            .Where(p => (Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType).IsEnum)
            .ToList();

        Assert.All(enumProperties, p =>
        {
            var type = Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType;
            Assert.IsType(typeof(WireEnumConverter<>).MakeGenericType(type), p.GetTypeMapping().Converter);
            Assert.Equal(typeof(string), p.GetTypeMapping().Converter!.ProviderClrType);
        });
        Assert.Equal(Documented.Keys.OrderBy(t => t.Name), enumProperties.Select(p => Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType).Distinct().OrderBy(t => t.Name));
    }

    [Fact]
    public async Task Each_graphql_enum_is_generated_from_its_csharp_enum_with_exactly_the_documented_names()
    {
        await using var app = HeadlessApp.Sqlite();
        var schema = app.Services.GetRequiredService<ISchema>();
        schema.Initialize();

        foreach (var (type, name) in GraphQLNames)
        {
            var graphType = Assert.IsAssignableFrom<EnumerationGraphType>(schema.AllTypes[name]);
            Assert.IsType(typeof(EnumGraphType<>).MakeGenericType(type), graphType);
            Assert.Equal(Documented[type], graphType.Values.Select(v => v.Name));
            Assert.Equal(Enum.GetValues(type).Cast<object>(), graphType.Values.Select(v => v.Value));
        }

        // No enum of the schema lists its values by hand: each is generated from a C# enum.
        var handWritten = schema.AllTypes.OfType<EnumerationGraphType>()
            .Where(t => !t.Name.StartsWith("__", StringComparison.Ordinal) && !GeneratedFromEnum(t.GetType()))
            .Select(t => t.Name);
        Assert.Empty(handWritten);
    }

    [Fact]
    public async Task A_graphql_enum_argument_parses_the_documented_name_and_the_column_holds_it()
    {
        await using var app = HeadlessApp.Sqlite();
        var tenant = await app.CreateTenantAsync("Wire Org");
        const string create = """
            mutation { clinicCreate(input: { name: "Fast Clinic", npi: "1234567893", routingPreference: FASTEST,
                shipTo: { line1: "1 Main St", city: "Austin", state: "TX", zip: "78701" } }) { clinic { id routingPreference } userErrors { code } } }
            """;

        var clinic = (await tenant.Client.DataAsync(create)).At("clinicCreate.clinic");

        Assert.Equal("FASTEST", clinic.GetProperty("routingPreference").GetString());
        Assert.True(GlobalId.TryDecode(clinic.GetProperty("id").GetString(), "Clinic", out var id));
        await using var db = app.Database.CreatePlatformContext();
        var stored = await db.Database.SqlQuery<string>($"SELECT \"RoutingPreference\" AS \"Value\" FROM \"Clinics\" WHERE \"Id\" = {id}").SingleAsync();
        Assert.Equal("FASTEST", stored);
        Assert.Equal(1, await db.Clinics.IgnoreQueryFilters().CountAsync(c => c.Id == id && c.RoutingPreference == RoutingPreference.Fastest));
    }

    private static bool GeneratedFromEnum(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EnumerationGraphType<>))
            {
                return true;
            }
        }

        return false;
    }

    private enum Renamed
    {
        [WireName("CANCELLED_BY_CLINIC")]
        ClinicCancelled,

        NotRenamed,
    }
}
