using System.Text.RegularExpressions;
using GraphQL.Types;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Secrets;

/// <summary>No GraphQL type, field, argument or input field carries a secret (the printed schema is checked in by SchemaFileTests).</summary>
public sealed partial class SecretSchemaTests
{
    /// <summary>
    /// Fields allowed to carry a secret, as "Type.field", each with its reason: only a value shown once at creation
    /// (e.g. a webhook endpoint's signing secret in its create payload), or a name that only talks about one.
    /// </summary>
    private static readonly HashSet<string> ShownOnce =
    [
        // The new whsec_ secret, returned once by webhookEndpointCreate and webhookEndpointRotateSecret; never stored in plain text.
        "WebhookEndpointSecretPayload",
        "WebhookEndpointSecretPayload.secret",
        "WebhookEndpointSecretPayload.endpoint",
        "WebhookEndpointSecretPayload.userErrors",
        "Mutation.webhookEndpointRotateSecret",
        "Mutation.webhookEndpointRotateSecret(id)",

        // Times, not secrets.
        "WebhookEndpoint.secretRotatedAt",
        "WebhookEndpoint.previousSecretExpiresAt",
    ];

    [GeneratedRegex("secret|password|passphrase|private_?key|credential|signing_?key|master_?key", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLike();

    [Fact]
    public async Task No_field_argument_or_input_field_is_named_like_a_secret_and_pharmacies_show_none()
    {
        await using var app = HeadlessApp.Sqlite();
        var schema = app.Services.GetRequiredService<ISchema>();
        schema.Initialize();

        var names = new List<string>();
        foreach (var type in schema.AllTypes.Where(t => !t.Name.StartsWith("__", StringComparison.Ordinal)))
        {
            names.Add(type.Name);
            if (type is IComplexGraphType complex)
            {
                foreach (var field in complex.Fields)
                {
                    names.Add($"{type.Name}.{field.Name}");
                    names.AddRange((field.Arguments ?? []).Select(a => $"{type.Name}.{field.Name}({a.Name})"));
                }
            }
        }

        var secretLike = names.Where(n => SecretLike().IsMatch(n) && !ShownOnce.Contains(n)).ToList();
        Assert.True(secretLike.Count == 0, "Named like a secret: " + string.Join(", ", secretLike));

        // The pharmacy type shows its public face only; its integration settings stay server-side.
        var pharmacy = Assert.IsAssignableFrom<IComplexGraphType>(schema.AllTypes["Pharmacy"]);
        Assert.Equal(["id", "name", "shippingFee", "shipsToStates", "turnaroundDays"], pharmacy.Fields.Select(f => f.Name).Order(StringComparer.Ordinal));
    }
}
