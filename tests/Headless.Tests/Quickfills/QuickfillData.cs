using Headless.GraphQL;
using Headless.Patients;
using Headless.Shared;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Quickfills;

/// <summary>Documents and helpers for quickfill tests.</summary>
public static class QuickfillData
{
    public const string Fields = "id name clinic { id } offering { id } product { id } pharmacy { id } routedByPreference quantity sig daysSupply prescriber { id } createdAt updatedAt";

    public const string Create = $$"""
        mutation($input: QuickfillInput!) { quickfillCreate(input: $input) { quickfill { {{Fields}} } deletedQuickfillId userErrors { code field message } } }
        """;

    public const string Update = $$"""
        mutation($id: ID!, $input: QuickfillUpdateInput!) { quickfillUpdate(id: $id, input: $input) { quickfill { {{Fields}} } deletedQuickfillId userErrors { code field message } } }
        """;

    public const string Delete = $$"""
        mutation($id: ID!) { quickfillDelete(id: $id) { quickfill { id } deletedQuickfillId userErrors { code field message } } }
        """;

    public const string List = $$"""
        query($clinicId: ID!, $first: Int, $after: String) { quickfills(clinicId: $clinicId, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { {{Fields}} } } }
        """;

    public const string Node = $$"""
        query($id: ID!) { node(id: $id) { __typename ... on Quickfill { {{Fields}} } } }
        """;

    public static readonly string Apply = $$"""
        mutation($clinicId: ID!, $quickfillId: ID!, $patientIds: [ID!]!, $v: Int) {
          cartLinesAddFromQuickfill(clinicId: $clinicId, quickfillId: $quickfillId, patientIds: $patientIds, expectedVersion: $v) { cart { {{CartData.CartFields}} } userErrors { code field message } }
        }
        """;

    /// <summary>Creates a quickfill and returns its ID, failing the test on any userError.</summary>
    public static async Task<string> CreateAsync(GraphQLClient client, object input)
    {
        var payload = (await client.DataAsync(Create, new { input })).GetProperty("quickfillCreate");
        Assert.Empty(payload.UserErrorCodes());
        return payload.At("quickfill.id").GetString()!;
    }

    /// <summary>Patients straight into the database (dozens through patientCreate would be slow), in Texas.</summary>
    public static async Task<IReadOnlyList<string>> InsertPatientsAsync(HeadlessApp app, long organizationId, int count, string prefix = "QF")
    {
        await using var db = app.Database.CreatePlatformContext();
        var now = app.Clock.GetUtcNow();
        var patients = Enumerable.Range(0, count)
            .Select(i => new Patient(
                organizationId, $"{prefix}-{i:000}", $"Pat{i:000}", "Quick", new DateOnly(1980, 4, 12),
                new Address { Line1 = $"{i + 1} Elm St", City = "Austin", State = "TX", Zip = "78702" }, now))
            .ToList();
        db.Patients.AddRange(patients);
        await db.SaveChangesAsync();
        return patients.Select(p => GlobalId.Encode("Patient", p.Id)).ToList();
    }
}
