using System.Text.Json;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Webhooks;

/// <summary>payloadQuery: a GraphQL document over the event that shapes the payload, checked when saved, run per delivery.</summary>
public sealed class WebhookPayloadQueryTests : IAsyncLifetime
{
    private const string LineQuery = """
        subscription { event { type cursor ... on OrderLineStatusChanged { previousStatus status sequence
          line { number status owner tracking { number } patient { externalId } product { name } pharmacy { name } } order { number paymentStatus } } } }
        """;

    private const string Sample = """
        query($type: String!, $q: String) { webhookSamplePayload(eventType: $type, payloadQuery: $q) { payload userErrors { code field message } } }
        """;

    private HeadlessApp _app = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite();
        _receiver = await WebhookReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task A_payload_query_shapes_each_delivery_with_the_endpoints_organizations_data()
    {
        var f = await CartData.CreateAsync(_app, 2, "Payload Query Org");
        await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, _receiver.Url(), ["order_line.status_changed"], LineQuery);
        await WebhookHarness.CheckOutAsync(f, lines: 2);
        await WebhookHarness.DeliverAsync(_app);

        Assert.Equal(2, _receiver.Received.Count);
        var body = JsonDocument.Parse(_receiver.Received[0].Body).RootElement;
        Assert.Equal("order_line.status_changed", body.GetProperty("type").GetString());
        var e = body.At("data.event");
        Assert.Equal(("PENDING_PAYMENT", "SUBMITTED"), (e.GetProperty("previousStatus").GetString(), e.GetProperty("status").GetString()));
        Assert.Equal("SUBMITTED", e.At("line.status").GetString());
        Assert.Equal("P-000", e.At("line.patient.externalId").GetString());
        Assert.True(e.GetProperty("sequence").GetInt32() > 0);
        Assert.Equal(JsonValueKind.Null, e.At("line.tracking").ValueKind);
        Assert.Equal(e.At("order.number").GetString() + "-01", e.At("line.number").GetString());
    }

    [Theory]
    [InlineData("{ event { ... on OrderLineStatusChanged { line { patient { firstName } } } } }", "Patient.firstName")]
    [InlineData("{ event { ... on OrderRefunded { line { patient { externalId dateOfBirth } } } } }", "Patient.dateOfBirth")]
    [InlineData("{ event { ... on OrderLineStatusChanged { line { shipTo { line1 } } } } }", "OrderLine.shipTo")]
    [InlineData("{ event { ... on OrderLineStatusChanged { line { sig } } } }", "OrderLine.sig")]
    [InlineData("{ event { ... on OrderLineStatusChanged { line { patient { address { city } } } } } }", "Patient.address")]
    [InlineData("{ event { ... on OrderLineStatusChanged { line { statusReason { code message } } } } }", "StatusReason.message")]
    [InlineData("{ event { ... on OrderChanged { order { lines(first: 5) { nodes { events { nodes { message } } } } } } } }", "OrderLineEvent.message")]
    [InlineData("{ event { ...E } } fragment E on OrderLineStatusChanged { line { ...L } } fragment L on OrderLine { number patient { lastName } }", "Patient.lastName")]
    [InlineData("subscription { event { ... on OrderChanged { order { lines(first: 3) { nodes { patient { firstName } } } } } } }", "Patient.firstName")]
    public async Task A_payload_query_that_selects_patient_data_is_refused_naming_the_field(string query, string field)
    {
        var c = (await _app.CreateTenantAsync($"Phi Query {Guid.NewGuid():N}"[..24])).Client;
        var payload = (await c.DataAsync(WebhookHarness.Create, new { input = new { url = _receiver.Url(), eventTypes = new[] { "order.created" }, payloadQuery = query } })).GetProperty("webhookEndpointCreate");
        Assert.Equal(["PHI_NOT_ALLOWED"], payload.UserErrorCodes());
        Assert.Equal(["input", "payloadQuery"], payload.At("userErrors.0.field").EnumerateArray().Select(x => x.GetString()));
        Assert.Contains(field, payload.At("userErrors.0.message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await c.DataAsync("{ webhookEndpoints { totalCount } }")).At("webhookEndpoints.totalCount").GetInt32());

        var sample = (await c.DataAsync(Sample, new { type = "order.created", q = query })).GetProperty("webhookSamplePayload");
        Assert.Equal(["PHI_NOT_ALLOWED"], sample.UserErrorCodes());
    }

    [Theory]
    [InlineData("{ event { nope } }", "INVALID_PAYLOAD_QUERY")]
    [InlineData("{ event { ", "INVALID_PAYLOAD_QUERY")]
    [InlineData("mutation { event { type } }", "INVALID_PAYLOAD_QUERY")]
    [InlineData("query($x: Int) { event { type } }", "INVALID_PAYLOAD_QUERY")]
    [InlineData("{ event { type } } { event { id } }", "INVALID_PAYLOAD_QUERY")]
    public async Task A_payload_query_that_is_not_one_valid_document_is_refused(string query, string code)
    {
        var c = (await _app.CreateTenantAsync($"Bad Query {Guid.NewGuid():N}"[..24])).Client;
        var payload = (await c.DataAsync(WebhookHarness.Create, new { input = new { url = _receiver.Url(), eventTypes = new[] { "order.created" }, payloadQuery = query } })).GetProperty("webhookEndpointCreate");
        Assert.Equal([code], payload.UserErrorCodes());
    }

    [Fact]
    public async Task The_sample_payload_shows_the_default_or_the_queried_body_of_the_latest_event_or_a_made_up_one()
    {
        var f = await CartData.CreateAsync(_app, 1, "Sample Payload Org");
        var c = f.Tenant.Client;

        // No order yet: a made-up event in the same shape.
        var madeUp = (await c.DataAsync(Sample, new { type = "order_line.status_changed" })).GetProperty("webhookSamplePayload");
        Assert.Empty(madeUp.UserErrorCodes());
        Assert.Equal("SHIPPED", madeUp.At("payload.data.status").GetString());
        Assert.Equal("patient-123", madeUp.At("payload.data.patientExternalId").GetString());
        var none = (await c.DataAsync(Sample, new { type = "order_line.status_changed", q = LineQuery })).GetProperty("webhookSamplePayload");
        Assert.Equal(["INVALID_VALUE"], none.UserErrorCodes());

        await WebhookHarness.CheckOutAsync(f, lines: 1);
        var real = (await c.DataAsync(Sample, new { type = "order_line.status_changed" })).GetProperty("webhookSamplePayload");
        Assert.Equal(("SUBMITTED", "P-000"), (real.At("payload.data.status").GetString(), real.At("payload.data.patientExternalId").GetString()));
        var queried = (await c.DataAsync(Sample, new { type = "order_line.status_changed", q = LineQuery })).GetProperty("webhookSamplePayload");
        Assert.Empty(queried.UserErrorCodes());
        Assert.Equal("SUBMITTED", queried.At("payload.data.event.line.status").GetString());

        var unknown = (await c.DataAsync(Sample, new { type = "order.shipped" })).GetProperty("webhookSamplePayload");
        Assert.Equal(["INVALID_VALUE"], unknown.UserErrorCodes());
    }
}
