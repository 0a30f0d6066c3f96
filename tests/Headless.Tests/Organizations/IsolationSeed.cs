using Headless.Fulfillment;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Outbox;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Organizations;

/// <summary>
/// The global IDs of one organization's objects, by node type and role: the first role of a type is its default
/// (what a document uses when the type is not under test). Roles exist where the state of an object decides how
/// deep a call gets (an open and a checked-out cart, a submitted and a rejected line, a parked and a pending message).
/// </summary>
public sealed class SeededTenant(TestTenant tenant, IReadOnlyDictionary<string, IReadOnlyList<(string Role, string Id)>> ids)
{
    public TestTenant Tenant { get; } = tenant;

    public IReadOnlyDictionary<string, IReadOnlyList<(string Role, string Id)>> Ids { get; } = ids;

    public string? Id(string type, string? role = null) =>
        Ids.TryGetValue(type, out var list) && list.Count > 0
            ? role is null ? list[0].Id : list.FirstOrDefault(x => x.Role == role).Id ?? list[0].Id
            : null;
}

/// <summary>
/// Gives an organization at least one object of every tenant-owned node type, through the API where there is one:
/// a clinic, a prescriber, three patients, a checked-out cart and its order (one line submitted, one rejected by
/// the pharmacy; two partner orders, so two outbox messages, one of them parked), a support ticket on the submitted
/// line, an open, validated cart with one line, a quickfill of the clinic, a tracking link for the submitted line, and a
/// second API key.
/// Every seeded organization looks the same, so two of them answer the same documents the same way.
/// </summary>
public static class IsolationSeed
{
    private const string AddLines = """
        mutation($clinicId: ID!, $lines: [CartLineInput!]!) { cartLinesAdd(clinicId: $clinicId, lines: $lines) { cart { id lines(first: 10) { nodes { id } } } userErrors { code field } } }
        """;

    private const string Validate = """
        mutation($cartId: ID!) { cartValidate(cartId: $cartId) { cart { version checkoutReady } userErrors { code } } }
        """;

    private const string Checkout = """
        mutation($input: CartCheckoutInput!) { cartCheckout(input: $input) { order { id lines(first: 10) { nodes { id } } } userErrors { code } } }
        """;

    public static async Task<SeededTenant> SeedAsync(HeadlessApp app, string name, CartCatalog catalog)
    {
        var tenant = await app.CreateTenantAsync(name);
        var c = tenant.Client;
        var clinic = await TestData.CreateAsync(c, TestData.ClinicCreate, "clinicCreate", TestData.Clinic());
        var prescriber = await TestData.CreateAsync(c, TestData.PrescriberCreate, "prescriberCreate", TestData.Prescriber());
        var patients = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            patients.Add(await TestData.CreateAsync(c, TestData.PatientCreate, "patientCreate", TestData.Patient($"Iso{i}", "Seed", $"ISO-{i}")));
        }

        // The cart that is checked out: two lines at two pharmacies, so two partner orders and two outbox messages.
        var first = await AddAsync(c, clinic, [CartData.GoodLine(patients[0], prescriber, catalog.SemaEast), CartData.GoodLine(patients[1], prescriber, catalog.SemaWest)]);
        var version = await ValidateAsync(c, first.CartId);
        var order = (await c.DataAsync(Checkout, new { input = new { cartId = first.CartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "isolation-seed" } })).GetProperty("cartCheckout");
        Assert.Empty(order.UserErrorCodes());
        var orderLines = order.At("order.lines.nodes").EnumerateArray().Select(l => l.GetProperty("id").GetString()!).ToList();
        GlobalId.TryDecode(orderLines[1], "OrderLine", out var rejectedLine);
        await app.Services.GetRequiredService<OrderLineDecisions>().RejectAsync(rejectedLine, "SIG_CLARIFICATION", "The pharmacy needs clearer directions.", true, default);

        // The clinic's new open cart, with a line and a current validation.
        var open = await AddAsync(c, clinic, [CartData.GoodLine(patients[2], prescriber, catalog.SemaEast)]);
        await ValidateAsync(c, open.CartId);

        var ticket = await SupportTicketAsync(c, orderLines[0]);
        var quickfill = await Quickfills.QuickfillData.CreateAsync(c, new { clinicId = clinic, name = "Isolation quickfill", offeringId = catalog.SemaEast, quantity = 1, sig = CartData.GoodSig, daysSupply = 28, prescriberId = prescriber });

        var trackingLink = await TrackingLinkAsync(c, orderLines[0]);
        var (endpoint, delivery) = await WebhookAsync(app, c);
        var (parked, pending) = await OutboxAsync(app, tenant.OrganizationId);
        var apiKey = await ApiKeyAsync(c);
        var auditEvent = await AuditEventAsync(app, tenant.OrganizationId);
        var ids = new Dictionary<string, IReadOnlyList<(string, string)>>
        {
            ["Organization"] = [("self", tenant.OrganizationGlobalId)],
            ["Clinic"] = [("clinic", clinic)],
            ["Prescriber"] = [("prescriber", prescriber)],
            ["Patient"] = [("patient", patients[0])],
            ["Cart"] = [("open", open.CartId), ("checked-out", first.CartId)],
            ["CartLine"] = [("open", open.LineIds[0]), ("checked-out", first.LineIds[0])],
            ["Order"] = [("order", order.At("order.id").GetString()!)],
            ["OrderLine"] = [("submitted", orderLines[0]), ("rejected", orderLines[1])],
            [OutboxMessageType.TypeName] = [("parked", parked), ("pending", pending)],
            [Headless.Audit.AuditEvent.TypeName] = [("event", auditEvent)],
            [Headless.Events.EventType.TypeName] = [("event", await LogEventAsync(app, tenant.OrganizationId))],
            [Headless.Webhooks.WebhookEndpointType.TypeName] = [("endpoint", endpoint)],
            [Headless.Webhooks.WebhookDeliveryType.TypeName] = [("delivery", delivery)],
            [Headless.Support.SupportTicket.TypeName] = [("ticket", ticket)],
            [Headless.Quickfills.QuickfillType.TypeName] = [("quickfill", quickfill)],
            [Headless.Tracking.TrackingLink.TypeName] = [("link", trackingLink)],
            [Headless.Auth.ApiKey.TypeName] = [("key", apiKey)],
        };
        return new SeededTenant(tenant, ids);
    }

    private static async Task<(string CartId, List<string> LineIds)> AddAsync(GraphQLClient c, string clinicId, object[] lines)
    {
        var payload = (await c.DataAsync(AddLines, new { clinicId, lines })).GetProperty("cartLinesAdd");
        Assert.Empty(payload.UserErrorCodes());
        return (payload.At("cart.id").GetString()!, payload.At("cart.lines.nodes").EnumerateArray().Select(l => l.GetProperty("id").GetString()!).ToList());
    }

    private static async Task<int> ValidateAsync(GraphQLClient c, string cartId)
    {
        var cart = (await c.DataAsync(Validate, new { cartId })).At("cartValidate.cart");
        Assert.True(cart.GetProperty("checkoutReady").GetBoolean(), cart.GetRawText());
        return cart.GetProperty("version").GetInt32();
    }

    /// <summary>An OPEN support ticket on the submitted line (the first patient's), with one message.</summary>
    private static async Task<string> SupportTicketAsync(GraphQLClient c, string lineId)
    {
        var opened = (await c.DataAsync(
            "mutation($lineId: ID!) { supportTicketOpen(lineId: $lineId, subject: \"Isolation\", message: \"Seeded ticket.\") { ticket { id } userErrors { code } } }",
            new { lineId })).GetProperty("supportTicketOpen");
        Assert.Empty(opened.UserErrorCodes());
        return opened.At("ticket.id").GetString()!;
    }

    /// <summary>A patient's tracking link for the submitted line.</summary>
    private static async Task<string> TrackingLinkAsync(GraphQLClient c, string lineId)
    {
        var created = (await c.DataAsync("mutation($lineId: ID!) { trackingLinkCreate(lineId: $lineId) { link { id } userErrors { code } } }", new { lineId })).GetProperty("trackingLinkCreate");
        Assert.Empty(created.UserErrorCodes());
        return created.At("link.id").GetString()!;
    }

    /// <summary>
    /// A webhook endpoint (to a port nothing listens on; no test drains these deliveries) and its delivery of a test
    /// event, created before the orders so that the organization's later events are fanned out to it only when a test asks.
    /// </summary>
    private static async Task<(string Endpoint, string Delivery)> WebhookAsync(HeadlessApp app, GraphQLClient c)
    {
        var created = (await c.DataAsync(
            "mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) { endpoint { id } userErrors { code } } }",
            new { input = new { url = "http://127.0.0.1:9/isolation", eventTypes = new[] { "order_line.status_changed" } } })).GetProperty("webhookEndpointCreate");
        Assert.Empty(created.UserErrorCodes());
        var endpoint = created.At("endpoint.id").GetString()!;
        var test = (await c.DataAsync("mutation($id: ID!) { webhookEndpointTest(endpointId: $id) { delivery { id } userErrors { code } } }", new { id = endpoint })).GetProperty("webhookEndpointTest");
        Assert.Empty(test.UserErrorCodes());
        return (endpoint, test.At("delivery.id").GetString()!);
    }

    /// <summary>A second API key (READ), so that revoking it never locks the organization's own client out.</summary>
    private static async Task<string> ApiKeyAsync(GraphQLClient c)
    {
        var created = (await c.DataAsync("mutation { apiKeyCreate(input: { name: \"Isolation key\", scope: READ }) { apiKey { id } userErrors { code } } }")).GetProperty("apiKeyCreate");
        Assert.Empty(created.UserErrorCodes());
        return created.At("apiKey.id").GetString()!;
    }

    /// <summary>The organization's two partner-order submissions: the first parked (as after failing too often), the second pending.</summary>
    private static async Task<(string Parked, string Pending)> OutboxAsync(HeadlessApp app, long organizationId)
    {
        await using var db = app.Database.CreatePlatformContext();
        var messages = await db.OutboxMessages.Where(m => m.OrganizationId == organizationId && m.Kind == PartnerRouting.SubmitKind).OrderBy(m => m.Id).ToListAsync();
        Assert.Equal(2, messages.Count);
        messages[0].Fail("HttpRequestException", TimeSpan.Zero, 1, app.Clock.GetUtcNow());
        await db.SaveChangesAsync();
        return (GlobalId.Encode(OutboxMessageType.TypeName, messages[0].Id), GlobalId.Encode(OutboxMessageType.TypeName, messages[1].Id));
    }

    /// <summary>The organization's first audit row (the seeding requests wrote its trail).</summary>
    private static async Task<string> AuditEventAsync(HeadlessApp app, long organizationId)
    {
        await app.DrainAuditAsync();
        await using var db = app.Database.CreatePlatformContext();
        var id = await db.AuditEvents.IgnoreQueryFilters().Where(e => e.OrganizationId == organizationId).OrderBy(e => e.Id).Select(e => e.Id).FirstAsync();
        return GlobalId.Encode(Headless.Audit.AuditEvent.TypeName, id);
    }

    /// <summary>The organization's first event-log entry (its cart edits wrote it).</summary>
    private static async Task<string> LogEventAsync(HeadlessApp app, long organizationId)
    {
        await using var db = app.Database.CreatePlatformContext();
        var id = await db.Events.IgnoreQueryFilters().Where(e => e.OrganizationId == organizationId).OrderBy(e => e.Position).Select(e => e.Id).FirstAsync();
        return GlobalId.Encode(Headless.Events.EventType.TypeName, id);
    }

    /// <summary>The shared catalog's IDs by node type: the same objects for every organization.</summary>
    public static IReadOnlyDictionary<string, string> Shared(CartCatalog catalog) => new Dictionary<string, string>
    {
        ["Pharmacy"] = catalog.EastPharmacy,
        ["Product"] = catalog.Semaglutide,
        ["Offering"] = catalog.SemaEast,
    };
}
