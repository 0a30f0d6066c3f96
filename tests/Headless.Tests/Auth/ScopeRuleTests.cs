using GraphQL.Types;
using Headless.Auth;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Auth;

/// <summary>Every Mutation field of the schema has a classified scope: a new mutation fails here until it is added to the table.</summary>
public sealed class ScopeRuleTests
{
    private static readonly Dictionary<string, ApiKeyScope> Expected = new(StringComparer.Ordinal)
    {
        ["clinicCreate"] = ApiKeyScope.Write,
        ["prescriberCreate"] = ApiKeyScope.Write,
        ["patientCreate"] = ApiKeyScope.Write,
        ["patientUpdate"] = ApiKeyScope.Write,
        ["cartLinesAdd"] = ApiKeyScope.Write,
        ["cartLinesUpdate"] = ApiKeyScope.Write,
        ["cartLinesRemove"] = ApiKeyScope.Write,
        ["cartValidate"] = ApiKeyScope.Write,
        ["quickfillCreate"] = ApiKeyScope.Write,
        ["quickfillUpdate"] = ApiKeyScope.Write,
        ["quickfillDelete"] = ApiKeyScope.Write,
        ["cartLinesAddFromQuickfill"] = ApiKeyScope.Write,
        ["orderLineCancel"] = ApiKeyScope.Write,
        ["orderLineResubmit"] = ApiKeyScope.Write,
        ["orderLinesReorder"] = ApiKeyScope.Write,
        ["cartCheckout"] = ApiKeyScope.Write,
        ["outboxMessageRetry"] = ApiKeyScope.Write,
        ["supportTicketOpen"] = ApiKeyScope.Write,
        ["supportTicketReply"] = ApiKeyScope.Write,
        ["supportTicketSetStatus"] = ApiKeyScope.Write,
        ["trackingLinkCreate"] = ApiKeyScope.Write,
        ["trackingLinkRevoke"] = ApiKeyScope.Write,
        ["webhookEndpointCreate"] = ApiKeyScope.Admin,
        ["webhookEndpointUpdate"] = ApiKeyScope.Admin,
        ["webhookEndpointDisable"] = ApiKeyScope.Admin,
        ["webhookEndpointEnable"] = ApiKeyScope.Admin,
        ["webhookEndpointDelete"] = ApiKeyScope.Admin,
        ["webhookEndpointRotateSecret"] = ApiKeyScope.Admin,
        ["webhookEndpointReplay"] = ApiKeyScope.Admin,
        ["webhookEndpointTest"] = ApiKeyScope.Admin,
        ["webhookDeliveryRetry"] = ApiKeyScope.Admin,
        ["apiKeyCreate"] = ApiKeyScope.Admin,
        ["apiKeyRevoke"] = ApiKeyScope.Admin,

        // Announced in DESIGN.md and built elsewhere: classified ahead, allowed to be absent until they land.
        ["clinicUpdate"] = ApiKeyScope.Write,
        ["prescriberUpdate"] = ApiKeyScope.Write,
        ["prescriberLicenseUpsert"] = ApiKeyScope.Write,
        ["prescriberLicenseRemove"] = ApiKeyScope.Write,
        ["patientArchive"] = ApiKeyScope.Write,
        ["patientRestore"] = ApiKeyScope.Write,
    };

    private static readonly HashSet<string> NotYetInSchema = new(StringComparer.Ordinal)
    {
        "clinicUpdate", "prescriberUpdate", "prescriberLicenseUpsert", "prescriberLicenseRemove", "patientArchive", "patientRestore",
    };

    [Fact]
    public async Task Every_mutation_field_needs_the_scope_the_table_gives_it()
    {
        await using var app = HeadlessApp.Sqlite();
        var schema = app.Services.GetRequiredService<ISchema>();
        schema.Initialize();
        var fields = schema.Mutation!.Fields.Select(f => f.Name).ToList();

        var unclassified = fields.Where(f => !Expected.ContainsKey(f)).ToList();
        Assert.True(unclassified.Count == 0, $"Classify these mutations in {nameof(Expected)} (and check ScopeRule gives them that scope): {string.Join(", ", unclassified)}");
        Assert.All(fields, f => Assert.True(Expected[f] == ScopeRule.ForMutationField(f), $"{f}: the table says {Expected[f]}, ScopeRule says {ScopeRule.ForMutationField(f)}"));
        Assert.Empty(Expected.Keys.Except(fields).Except(NotYetInSchema));
        Assert.Contains("apiKeyCreate", fields);
    }

    [Fact]
    public void Queries_and_subscriptions_need_read_and_every_mutation_at_least_write()
    {
        static ApiKeyScope Of(string document)
        {
            var parsed = GraphQLParser.Parser.Parse(document);
            return ScopeRule.Required(parsed, parsed.Definitions.OfType<GraphQLParser.AST.GraphQLOperationDefinition>().Single());
        }

        Assert.Equal(ApiKeyScope.Read, Of("{ apiKeys { totalCount } }"));
        Assert.Equal(ApiKeyScope.Read, Of("subscription { orderEvents { type } }"));
        Assert.Equal(ApiKeyScope.Write, Of("mutation { __typename }"));
        Assert.Equal(ApiKeyScope.Write, Of("mutation { cartValidate(cartId: \"x\") { __typename } }"));
        Assert.Equal(ApiKeyScope.Admin, Of("mutation { ... on Mutation { webhookDeliveryRetry(deliveryId: \"x\") { __typename } } }"));
        Assert.Equal(ApiKeyScope.Admin, Of("mutation { a: cartValidate(cartId: \"x\") { __typename } ...F } fragment F on Mutation { ...G } fragment G on Mutation { apiKeyRevoke(id: \"x\") { __typename } }"));
    }

    [Theory]
    [InlineData(null, ApiKeyScope.Write)]
    [InlineData("openid profile", ApiKeyScope.Write)]
    [InlineData("headless:read", ApiKeyScope.Read)]
    [InlineData("openid headless:read headless:admin", ApiKeyScope.Admin)]
    [InlineData("headless:write", ApiKeyScope.Write)]
    [InlineData("HEADLESS:ADMIN", ApiKeyScope.Write)]
    public void Token_scopes_map_to_the_highest_headless_scope_they_carry(string? scope, ApiKeyScope expected) =>
        Assert.Equal(expected, ScopeRule.FromTokenScopes(scope is null ? [] : [scope]));
}
